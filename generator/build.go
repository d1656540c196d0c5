package generator

import (
	"errors"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/degen-dev/degen/generator/cache"
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
	// Cache, when set, spares the evaluation of the instances it holds
	// the result of, and is given the result of those evaluated (package
	// cache). degen check and vet build without it.
	Cache *cache.Cache
	// Progress, when set, is told of each step of the work as it is done,
	// from several goroutines at once (a progress line counts them).
	Progress func(Step)
	// Overlay holds model files read in place of the repository's
	// (load.Options.Overlay): a promotion builds its edit before writing
	// it. It cannot be combined with Cache, which keys on the files on
	// disk.
	Overlay map[string][]byte
}

// Build loads the model and generates the files of the selected
// environments, in memory. Nothing is written.
//
// Goroutines share the work, each with data of its own. load.Load
// evaluates each environment's CUE instance, and the base's, in a context
// of its own, up to GOMAXPROCS at once, and hands each over as soon as it
// is resolved. Before that, on the same goroutine, a policy.Runner checks
// the environment against policies/ with a policy set in a CUE context of
// its own; the instance's context is then let go. A target runner runs the targets (plain Go): those that read
// only the environment (target.WithoutBase) at once, the others once the
// base is there. The result does not depend on their timing: outputs are
// merged in environment order, violations are sorted, and errors come in
// the order of the sequential steps (policies, then targets, then the leak
// check).
//
// With a Cache, an environment whose inputs have not changed since a build
// stored it is not evaluated: its files, warnings and violations come from
// the cache. The base is evaluated whenever an environment is (the targets
// read it). The leak check always runs on the whole result.
func Build(opts Options) (*model.Model, *Result, error) {
	var st *cached
	var cachedEnvs map[string]*cache.Entry
	var baseEntry *cache.Entry
	lopts := load.Options{Dir: opts.Dir, Envs: opts.Envs, Overlay: opts.Overlay}
	if opts.Cache != nil && opts.Overlay == nil {
		root, err := filepath.Abs(opts.Dir)
		if err != nil {
			return nil, nil, err
		}
		plan, err := load.Scan(root)
		if err != nil {
			return nil, nil, err
		}
		st = lookup(opts.Cache, plan, opts)
		cachedEnvs, baseEntry = st.envs, st.base
		lopts.Plan, lopts.Skip = plan, map[string]bool{}
		for name := range cachedEnvs {
			lopts.Skip[name] = true
		}
		if baseEntry != nil && lopts.Envs == nil {
			lopts.Envs = plan.Known(baseEntry.Defined)
		}
	}
	evaluated := lopts.Envs == nil || len(cachedEnvs) < len(lopts.Envs) || baseEntry == nil
	var rules *policy.Runner
	if opts.Policies && evaluated {
		rules = policy.Start(opts.Dir, load.Policies{})
		defer rules.Stop()
	}
	gen := startTargets(target.ForBuild(opts.Targets), opts.Place, opts.Progress)
	defer gen.stop()
	if rules != nil {
		lopts.Visit = rules.Check
	}
	lopts.Resolved = func(env *model.Environment, base bool) {
		if !base {
			report(opts.Progress, StepEnvironment)
		}
		gen.queue <- resolved{env, base}
	}
	var m *model.Model
	var err error
	if evaluated {
		m, err = load.Load(lopts)
	} else {
		m = &model.Model{Envs: map[string]*model.Environment{}, Base: baseEntry.Env, Defined: st.plan.Known(baseEntry.Defined)}
		m.Root, err = filepath.Abs(opts.Dir)
	}
	if err != nil {
		return nil, nil, err
	}
	fresh := m.EnvNames()
	outs := gen.stop()
	for _, o := range outs {
		placeWarnings(m, o.warnings)
	}
	for name, e := range cachedEnvs {
		m.Envs[name] = e.Env
		outs = append(outs, cachedOutput(e, opts.Place))
	}
	if err := knownArtefacts(m, opts.Targets); err != nil {
		return m, nil, load.Locate(m, err)
	}
	rep := &policy.Report{}
	if rules != nil {
		// The rules over the output judge what the targets made of each
		// environment evaluated; one whose targets failed gives its error
		// below instead.
		// Up to GOMAXPROCS environments at once, as the loader evaluates them.
		var wg sync.WaitGroup
		slots := make(chan struct{}, runtime.GOMAXPROCS(0))
		for _, o := range outs {
			if env := m.Envs[o.env]; env != nil && o.err == nil && cachedEnvs[o.env] == nil {
				slots <- struct{}{}
				wg.Go(func() {
					defer func() { <-slots }()
					rules.CheckOutput(env, o.objects)
				})
			}
		}
		wg.Wait()
		if rep, err = rules.Finish(m); err != nil {
			return m, nil, err
		}
	}
	if opts.Policies {
		for _, name := range model.SortedKeys(cachedEnvs) {
			rep.Add(cachedEnvs[name].Violations...)
		}
		if rep.Err() != nil {
			// A denied build prints its warnings too: those the model
			// acknowledges are not among them.
			_, rep.Violations = AcknowledgePolicies(m, nil, rep.Violations)
			return m, nil, rep.Err()
		}
	}
	// What each fresh instance made, before acknowledgements.
	raw := slices.Clone(rep.Violations)
	res, err := merge(outs)
	if err != nil {
		return m, nil, load.Locate(m, err)
	}
	res.Warnings = Acknowledged(m, res.Warnings)
	placeWarnings(m, res.Warnings)
	if opts.Policies {
		res.Warnings, rep.Violations = AcknowledgePolicies(m, res.Warnings, rep.Violations)
		placeWarnings(m, res.Warnings)
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
	res.FromCache = model.SortedKeys(cachedEnvs)
	if st != nil {
		st.store(m, fresh, outs, raw, evaluated)
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
	targets  []target.Target
	place    target.Place
	progress func(Step)
	queue    chan resolved
	done     chan struct{}
	outs     []envOutput
	stopped  bool
}

func startTargets(targets []target.Target, place target.Place, progress func(Step)) *targetRunner {
	g := &targetRunner{targets: targets, place: place, progress: progress, queue: make(chan resolved, 16), done: make(chan struct{})}
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
				g.outs[i].generate(env, base, g.targets, withBase, g.progress)
			}
			continue
		}
		o := envOutput{env: r.env.Name, place: g.place, warnings: notes(r.env)}
		o.generate(r.env, nil, g.targets, withoutBase, g.progress)
		if base != nil {
			o.generate(r.env, base, g.targets, withBase, g.progress)
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
