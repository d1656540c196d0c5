// Package model is the typed, resolved form of one environment of a degen
// model: what every target reads. It is decoded from CUE by package load and
// never refers back to files, so targets stay pure functions of it.
package model

import (
	"sort"
)

// Model is a loaded CUE model: every requested environment, resolved.
type Model struct {
	// Root is the directory of the CUE module the model was loaded from.
	Root string
	// Envs are the resolved environments by name.
	Envs map[string]*Environment
	// Base is the model with no environment delta (#Base with only its
	// defaults), the common ground of Kustomize bases and .env.example.
	Base *Environment
	// Source is the loader's handle on the whole evaluated model, for
	// package load alone (explain reads CUE through it).
	Source Source
	// Defined are the names of every environment the model defines, loaded
	// or not, sorted.
	Defined []string
}

// EnvNames returns the names of the loaded environments, sorted.
func (m *Model) EnvNames() []string {
	names := make([]string, 0, len(m.Envs))
	for n := range m.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Environment is one resolved environment. Field names follow the CUE schema
// in schema/schema.cue.
type Environment struct {
	Name       string              `json:"name"`
	Stage      string              `json:"stage"`
	Project    Project             `json:"project"`
	Namespace  string              `json:"namespace"`
	Artefacts  []string            `json:"artefacts"`
	Services   map[string]*Service `json:"services"`
	Networks   map[string]Network  `json:"networks"`
	Volumes    map[string]Volume   `json:"volumes"`
	Flags      map[string]Flag     `json:"flags"`
	Secrets    map[string]Secret   `json:"secrets"`
	Monitoring Monitoring          `json:"monitoring"`
	Kubernetes Kubernetes          `json:"kubernetes"`
	Compose    Compose             `json:"compose"`
	Params     map[string]any      `json:"params"`
	// Data is the model's own data about its stack, for its policies and
	// degen export; no target reads it.
	Data      map[string]any `json:"data"`
	Terraform Terraform      `json:"terraform"`

	// Components are Helm charts the Kubernetes target renders.
	Components map[string]Component `json:"components"`
	// Root is the directory of the model's CUE module: the base of the
	// repository-relative paths the model holds (component charts).
	Root string `json:"-"`

	// Source is the loader's handle on where the environment's values came
	// from. Only package load reads it, to turn the model paths of errors
	// and violations into file positions (load.Locate) and for explain;
	// targets never touch it.
	Source Source `json:"-"`

	// Acknowledge maps the ID of a warning (target/code/subject, the
	// subject may be *) that the model accepts to the reason; such a
	// warning is not printed.
	Acknowledge map[string]string `json:"acknowledge,omitempty"`

	// Notes are what the loader saw that changes less than the model seems
	// to say (a dependency on a disabled service, dropped); a build prints
	// them as warnings of the target "model".
	Notes []Note `json:"-"`
}

// Note is a warning about the model itself, not about one target.
type Note struct {
	Subject string // the service it is about
	Code    string // a DNS label naming the kind of note
	// Path is the model path of the value the note is about (P).
	Path    string
	Message string
}

// Source is opaque to everything but package load, which implements it: the
// model is plain Go, and CUE stays in the loader.
type Source interface{ ModelSource() }

// Has reports whether the environment gets the named artefact.
func (e *Environment) Has(artefact string) bool {
	for _, a := range e.Artefacts {
		if a == artefact {
			return true
		}
	}
	return false
}

// ServiceNames returns the service names, sorted.
func (e *Environment) ServiceNames() []string { return SortedKeys(e.Services) }

// SortedKeys returns the keys of a string-keyed map in order: every map walk
// that reaches output goes through it.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
