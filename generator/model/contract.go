package model

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
