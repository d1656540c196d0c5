// Package targets is the registry of every target degen ships. Adding a
// target means adding its package and one line here.
package targets

import (
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/kubernetes"
)

// All returns the shipped targets in a stable order.
func All() []target.Target {
	return []target.Target{
		kubernetes.Target{},
	}
}

// Names returns the artefact names of the shipped targets.
func Names() []string {
	var names []string
	for _, t := range All() {
		names = append(names, t.Name())
	}
	return names
}
