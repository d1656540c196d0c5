package generator

import (
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
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
	// Policies runs the rules of policies/ after loading and the leak check
	// after generating (package policy). A deny returns a
	// *policy.DeniedError that carries the report.
	Policies bool
	// Getenv looks up the values of the model's secret variables for the
	// leak check (os.Getenv in the CLI); nil knows no value.
	Getenv func(string) string
}

// Build loads the model and generates the files of the selected
// environments, in memory. Nothing is written.
func Build(opts Options) (*model.Model, *Result, error) {
	m, err := load.Load(load.Options{Dir: opts.Dir, Envs: opts.Envs})
	if err != nil {
		return nil, nil, err
	}
	var rep *policy.Report
	if opts.Policies {
		if rep, err = policy.Run(m); err != nil {
			return m, nil, err
		}
		if err := rep.Err(); err != nil {
			return m, nil, err
		}
	}
	res, err := Generate(m, opts.Envs, opts.Targets)
	if err != nil {
		return m, nil, err
	}
	if opts.Policies {
		getenv := opts.Getenv
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		rep.Add(policy.NewScanner(m, getenv).Scan(res.Files, res.Owners)...)
		res.Policy = rep
		if err := rep.Err(); err != nil {
			return m, res, err
		}
	}
	return m, res, nil
}
