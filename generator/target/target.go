// Package target defines what a degen target is: a pure function from a
// resolved environment to files in memory. Targets never touch the disk;
// package writer owns out/.
//
// # Adding a target
//
// A target is one package under generator/targets/ and one line in
// targets.All() (generator/targets/targets.go):
//
//  1. The package declares a value type implementing Target, with the
//     compile-time assertion var _ target.Target = Target{}. Name is the
//     artefact name environments list in `artefacts`; the schema takes any
//     name, and generator.Build refuses one that no target generates.
//  2. Generate reads only its Input and returns files with paths of its own
//     under out/. It keeps no package-level state: work shared by the
//     environments of one build lives in the value ForBuild returns
//     (PerBuild). A target that never reads Input.Base says so with
//     WithoutBase.
//  3. A target imports generator/model, this package and generator/internal/…
//     only, never another target: a rendering two targets need (the
//     Prometheus configuration, the Compose variables) is an internal
//     package both import.
//
// generator/registry_test.go builds a target that lives only in a test file
// that way.
package target

import (
	"fmt"
	"path"
	"strings"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/model"
)

// Input is what a target is given for one environment.
type Input struct {
	// Env is the resolved environment being generated.
	Env *model.Environment
	// Base is the model with no environment delta: the common ground for
	// files shared by environments (a Kustomize base, .env.example).
	Base *model.Environment
	// Place says where out/ is, for the files that point outside it.
	Place
}

// Place is where out/ lies: in its Git repository, and relative to the
// model. Both are slash-separated relative paths; the zero Place is out/
// at the model's root, which is the repository's root.
type Place struct {
	// OutInRepo is out/'s path from the root of the Git repository the
	// GitOps tools check out (Argo CD's source.path and Flux's path start
	// with it); empty means "out".
	OutInRepo string
	// ModelFromOut is the model's root seen from out/ (what a relative
	// bind mount of the model is relative to); empty means "..".
	ModelFromOut string
}

// File is one generated file.
type File struct {
	// Path is slash-separated and relative to out/, e.g.
	// "kubernetes/overlays/prod/kustomization.yaml".
	Path string
	Data []byte
	// Shared marks a file that does not belong to one environment (it is
	// generated from Base): every environment that generates it must produce
	// the same bytes.
	Shared bool
}

// Warning is something a target could not carry faithfully, e.g. an
// autoscaler in a Compose environment.
type Warning struct {
	Env     string
	Target  string
	Subject string // service or object the warning is about
	// Code names the kind of warning, a DNS label ("ingress-not-carried"):
	// with Target and Subject it is the warning's ID, which a model
	// acknowledges (ID).
	Code string
	// Path is the model path below the environment of the value the
	// warning is about, as model.P builds it (services.web.autoscaling):
	// the locator turns it into the position of the line that set it.
	Path    string
	Message string
	// Pos is where Path is set; a target leaves it zero: the build fills
	// it once the targets are done (load.Place), and the build cache keeps
	// it.
	Pos diag.Pos
}

// ID is what a model's acknowledge lists: target/code/subject, e.g.
// compose/ingress-not-carried/grafana (Diagnostic().ID()).
func (w Warning) ID() string { return w.Diagnostic().ID() }

// Diagnostic is the warning as every problem is printed and acknowledged.
func (w Warning) Diagnostic() diag.Diagnostic {
	d := diag.Diagnostic{Source: w.Target, Code: w.Code, Subject: w.Subject, Path: w.Path, Severity: diag.Warning, Message: w.Message, Pos: w.Pos}
	if w.Env != "" {
		d.Envs = []string{w.Env}
	}
	return d
}

// Output is what a target returns.
type Output struct {
	Files    []File
	Warnings []Warning
	// Objects are what a runtime target's files hold, for the policies
	// that judge the output (docs/POLICIES.md): the Kubernetes objects of
	// the environment after its patches, Helm components' included, and
	// the Compose services. Other targets leave it nil.
	Objects []Object
}

// Object is one generated object, as the policies over the output see it.
type Object struct {
	// Name names the object in its target: kind/name for Kubernetes, the
	// service (a replica's name for an ordinal one) for Compose.
	Name string
	// From is the model path (model.P) of what made the object:
	// services.NAME, components.NAME.chart, kubernetes.objects.NAME; ""
	// for one made of the environment as a whole (its Namespace).
	From string
	// Value is the object as the target writes it, in plain JSON values
	// (maps, slices, strings, numbers, booleans). The policies only read
	// it.
	Value any
}

// Target generates the files of one artefact kind. Name is the artefact name
// environments list in `artefacts` ("compose", "kubernetes", …).
type Target interface {
	Name() string
	Generate(in Input) (Output, error)
}

// CheckPath refuses paths that would escape out/ or are not canonical.
func CheckPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, "\\") {
		return fmt.Errorf("generated path %q is not a clean path inside out/", p)
	}
	return nil
}

// WithoutBase is implemented by a target that never reads Input.Base. A
// build runs it as soon as its environment is resolved, before the base is;
// other targets wait for the base.
type WithoutBase interface {
	Target
	WithoutBase()
}

// PerBuild is implemented by a target that keeps work between the
// environments of one build, e.g. the Kubernetes target, which resolves and
// marshals the shared base once instead of once per environment. A build
// calls ForBuild once and runs the target it returns for each of its
// environments; the returned value, and what it memoises, ends with the
// build. The target itself stays a pure value: nothing is kept in package
// state.
type PerBuild interface {
	Target
	ForBuild() Target
}

// ForBuild returns the targets to run for one build: each PerBuild target
// replaced by a fresh value of its own, the others as they are.
func ForBuild(targets []Target) []Target {
	out := make([]Target, len(targets))
	for i, t := range targets {
		if p, ok := t.(PerBuild); ok {
			t = p.ForBuild()
		}
		out[i] = t
	}
	return out
}
