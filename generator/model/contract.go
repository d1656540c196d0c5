package model

import "strings"

// The CUE paths the Go code reads from a model. They are the contract between
// schema/ and the generator; change them together.
const (
	// EnvsPackage is the directory of the model package, relative to the
	// module root.
	EnvsPackage = "./envs"
	// PathEnvironments holds one resolved environment per name.
	PathEnvironments = "environments"
	// PathBase is the environment definition every environment unifies with.
	PathBase = "#Base"
	// BaseName is the name given to the base resolution (no delta).
	BaseName = "base"
)

// Stages are the stages an environment can declare (schema #Stage), in
// order from a developer's machine to production. Policies key their
// severities on them.
func Stages() []string { return []string{"local", "development", "staging", "production"} }

// DefaultNetwork is the network of the services that name none (schema
// #Service.networks); the loader adds it to an environment that needs it.
const DefaultNetwork = "default"

// EnvTag is the build tag of environment name's files, @if(<EnvTag>): the
// name with each "-" written "_", since a CUE tag is an identifier and an
// environment's name a DNS label (us-east is @if(us_east)). EnvOfTag is
// its inverse; a DNS label has no "_", so the two never collide.
func EnvTag(name string) string { return strings.ReplaceAll(name, "-", "_") }

// EnvOfTag is the environment whose files carry @if(tag).
func EnvOfTag(tag string) string { return strings.ReplaceAll(tag, "_", "-") }
