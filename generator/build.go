package generator

import (
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Options select a build.
type Options struct {
	// Dir is the root of the model's CUE module.
	Dir string
	// Envs to build; nil builds all.
	Envs []string
	// Targets to run; see package targets for the shipped ones.
	Targets []target.Target
}

// Build loads the model and generates the files of the selected
// environments, in memory. Nothing is written.
func Build(opts Options) (*model.Model, *Result, error) {
	m, err := load.Load(load.Options{Dir: opts.Dir, Envs: opts.Envs})
	if err != nil {
		return nil, nil, err
	}
	res, err := Generate(m, opts.Envs, opts.Targets)
	if err != nil {
		return m, nil, err
	}
	return m, res, nil
}
