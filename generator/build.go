package generator

import (
	"errors"
	"slices"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets"
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
	// Place is where out/ lies (see target.Place); the zero value is
	// <Dir>/out at the root of the repository.
	Place target.Place
}

// Build loads the model and generates the files of the selected
// environments, in memory. Nothing is written.
//
// Goroutines share the work, each with data of its own. load.Load
// evaluates the model in its CUE context and hands over each environment
// as soon as it is resolved, and the base, which it resolves beside them in
// a second context. A policy.Runner checks each environment against
// policies/ in a CUE context of its own. A target runner runs the targets
// (plain Go): those that read only the environment (target.WithoutBase) at
// once, the others once the base is there. The result does not depend on
// their timing: outputs are merged in environment order, violations are
// sorted, and errors come in the order of the sequential steps (policies,
// then targets, then the leak check).
func Build(opts Options) (*model.Model, *Result, error) {
	var rules *policy.Runner
	if opts.Policies {
		rules = policy.Start(opts.Dir)
		defer rules.Stop()
	}
	gen := startTargets(target.ForBuild(opts.Targets), opts.Place)
	defer gen.stop()
	m, err := load.Load(load.Options{Dir: opts.Dir, Envs: opts.Envs, Resolved: func(env *model.Environment, base bool) {
		gen.queue <- resolved{env, base}
		if rules != nil && !base {
			rules.Check(env)
		}
	}})
	if err != nil {
		return nil, nil, err
	}
	outs := gen.stop()
	if err := knownArtefacts(m, opts.Targets); err != nil {
		return m, nil, load.Locate(m, err)
	}
	var rep *policy.Report
	if opts.Policies {
		if rep, err = rules.Finish(m); err != nil {
			return m, nil, err
		}
		if err := rep.Err(); err != nil {
			return m, nil, err
		}
	}
	res, err := merge(outs)
	if err != nil {
		return m, nil, load.Locate(m, err)
	}
	res.Warnings = Acknowledged(m, res.Warnings)
	if opts.Policies {
		res.Warnings, rep.Violations = AcknowledgePolicies(m, res.Warnings, rep.Violations)
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

type resolved struct {
	env  *model.Environment
	base bool
}

// targetRunner runs the targets on each environment queued, in a
// goroutine of its own.
type targetRunner struct {
	targets []target.Target
	place   target.Place
	queue   chan resolved
	done    chan struct{}
	outs    []envOutput
	stopped bool
}

func startTargets(targets []target.Target, place target.Place) *targetRunner {
	g := &targetRunner{targets: targets, place: place, queue: make(chan resolved, 16), done: make(chan struct{})}
	go g.run()
	return g
}

func withoutBase(t target.Target) bool { _, ok := t.(target.WithoutBase); return ok }
func withBase(t target.Target) bool    { return !withoutBase(t) }

func (g *targetRunner) run() {
	defer close(g.done)
	var base *model.Environment
	var envs []*model.Environment
	for r := range g.queue {
		if r.base {
			base = r.env
			for i, env := range envs {
				g.outs[i].generate(env, base, g.targets, withBase)
			}
			continue
		}
		o := envOutput{env: r.env.Name, place: g.place, warnings: notes(r.env)}
		o.generate(r.env, nil, g.targets, withoutBase)
		if base != nil {
			o.generate(r.env, base, g.targets, withBase)
		}
		envs = append(envs, r.env)
		g.outs = append(g.outs, o)
	}
}

// stop waits for the queued environments and returns their outputs.
func (g *targetRunner) stop() []envOutput {
	if !g.stopped {
		g.stopped = true
		close(g.queue)
		<-g.done
	}
	return g.outs
}

// knownArtefacts refuses an artefact that names no target: neither a
// shipped one (package targets) nor one of the build's. The schema only
// checks that an artefact is a name, so adding a target is its package and
// its line in targets.All().
func knownArtefacts(m *model.Model, ts []target.Target) error {
	known := targets.Names()
	for _, t := range ts {
		known = append(known, t.Name())
	}
	slices.Sort(known)
	known = slices.Compact(known)
	var errs []error
	for _, name := range m.EnvNames() {
		env := m.Envs[name]
		for i, a := range env.Artefacts {
			if !slices.Contains(known, a) {
				errs = append(errs, model.Errorf(env, model.P("artefacts", i),
					"environment %s lists artefact %q, which no target generates: use one of %v", name, a, known))
			}
		}
	}
	return errors.Join(errs...)
}
