// Package targets is the registry of every target degen ships. Adding a
// target means adding its package and one line here (see package target):
// the artefact name is then known to generator.Build.
package targets

import (
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/compose"
	"github.com/degen-dev/degen/generator/targets/dotenv"
	"github.com/degen-dev/degen/generator/targets/flags"
	"github.com/degen-dev/degen/generator/targets/gitops"
	"github.com/degen-dev/degen/generator/targets/kubernetes"
	"github.com/degen-dev/degen/generator/targets/prometheus"
	"github.com/degen-dev/degen/generator/targets/terraform"
)

// All returns the shipped targets in a stable order.
func All() []target.Target {
	return []target.Target{
		compose.Target{},
		dotenv.Target{},
		terraform.Target{},
		prometheus.Target{},
		flags.Target{},
		kubernetes.Target{},
		gitops.Target{},
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
