package review

import (
	"fmt"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/graph"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Request selects the two sides of a diff. The new side is always a fresh
// build of the model in Dir; the old side is out/ (the default), the model
// at the git revision Base, or the environment Against.
type Request struct {
	// Dir is the root of the model's CUE module.
	Dir string
	// Out is the output tree read in the default mode.
	Out string
	// Envs restricts the comparison; nil means every environment. With
	// Against it must name exactly one environment.
	Envs []string
	// Base is a git revision whose model's output is the old side.
	Base string
	// Against is an environment whose files are the old side, matched to
	// the files of Envs[0] path by path.
	Against string
	// Targets are the targets to run.
	Targets []target.Target
	// Raw compares Kubernetes files as written rather than each overlay's
	// kustomize build (see diff.Options.Raw).
	Raw bool
	// Ignore leaves objects and fields out of the report (diff.Ignore).
	Ignore []diff.Ignore
	// Place is where out/ lies (generator.PlaceOf).
	Place target.Place
	// Graphs draws the stack of each environment the change touches
	// (diff.Report.Graphs, for Markdown), its changes marked against the
	// old side's model: the model at Base, the environment Against, or
	// against out/ the model at git HEAD when out/ is as committed there.
	Graphs bool
}

// UsageError is a request that makes no sense.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Result is a comparison and what the build of its new side warned about.
type Result struct {
	Report *diff.Report
	// Warnings are the warnings of the new side's build (target.Warning),
	// which say why a model change may have no effect on the files.
	Warnings []target.Warning
}

// Run builds both sides of req and compares them. When an environment's
// model changed and none of its files did, the report says so
// (diff.Report.ModelOnly): with Base from the model at that revision,
// against out/ from the model at HEAD when out/ is as committed there and
// the model is not (see headModel).
func Run(req Request) (*Result, error) {
	opts := generator.Options{Dir: req.Dir, Envs: req.Envs, Targets: req.Targets, Place: req.Place}
	switch {
	case req.Against != "" && req.Base != "":
		return nil, &UsageError{"--base and --against exclude each other: compare with a revision or with an environment"}
	case req.Against != "":
		return against(req, opts)
	case req.Base != "":
		return base(req, opts)
	}
	// A corrupt out/ is found before the slower build.
	old, oldOwners, err := readOut(req.Out, req.Envs)
	if err != nil {
		return nil, err
	}
	m, res, err := generator.Build(opts)
	if err != nil {
		return nil, err
	}
	rep, err := diff.Compare(old, res.Files, diff.Options{OldName: "out/", NewName: "the build", Raw: req.Raw, Ignore: req.Ignore,
		Owners: owners(res.Owners, oldOwners), Envs: envsOf(m, res.Envs)})
	if err != nil {
		return nil, fmt.Errorf("%w (out/ was edited by hand or is corrupt: restore it from git or run degen build)", err)
	}
	unchanged := withFiles(rep.Unchanged(), res.Owners)
	if req.Graphs && !rep.Empty() {
		// One load of HEAD's model serves both.
		head, known := headModel(req, m, append(unchanged, touched(rep)...))
		if head != nil && head != m {
			modelOnly(rep, head, m, unchanged)
		}
		note := ""
		if !known {
			note = "changes not marked: out/ is not as committed at git HEAD, so the model it was built from is unknown (degen diff --base REF marks them)"
		}
		drawGraphs(rep, head, m, note)
	} else if len(unchanged) > 0 {
		if head, _ := headModel(req, m, unchanged); head != nil && head != m {
			modelOnly(rep, head, m, unchanged)
		}
	}
	return &Result{Report: rep, Warnings: res.Warnings}, nil
}

// base compares the output of the model at req.Base (old) with a build of
// the work tree (new).
func base(req Request, opts generator.Options) (*Result, error) {
	// A wrong revision is found before the slower builds.
	if _, err := resolve(req.Dir, req.Base); err != nil {
		return nil, err
	}
	m, res, err := generator.Build(opts)
	if err != nil {
		return nil, err
	}
	oldModel, old, err := BuildAt(req.Base, opts)
	if err != nil {
		return nil, err
	}
	rep, err := diff.Compare(old.Files, res.Files, diff.Options{OldName: req.Base, NewName: "the work tree", Raw: req.Raw, Ignore: req.Ignore,
		Owners: owners(res.Owners, old.Owners), Envs: envsOf(m, res.Envs)})
	if err != nil {
		return nil, err
	}
	modelOnly(rep, oldModel, m, withFiles(rep.Unchanged(), res.Owners))
	if req.Graphs {
		drawGraphs(rep, oldModel, m, "marked against "+req.Base)
	}
	return &Result{Report: rep, Warnings: res.Warnings}, nil
}

// against compares the files of req.Against (old) with those of the one
// environment of req.Envs (new).
func against(req Request, opts generator.Options) (*Result, error) {
	if len(req.Envs) != 1 {
		return nil, &UsageError{"--against compares two environments: name exactly one with --env, e.g. --env prod --against staging"}
	}
	env := req.Envs[0]
	opts.Envs = []string{env}
	if req.Against != env {
		opts.Envs = append(opts.Envs, req.Against)
	}
	m, res, err := generator.Build(opts)
	if err != nil {
		return nil, err
	}
	// The names and namespaces come from the model, so a promotion between
	// any two environments drops what differs only by them.
	newEnv, oldEnv := envsOf(m, []string{env})[0], envsOf(m, []string{req.Against})[0]
	rep, err := diff.Compare(EnvFiles(res, req.Against), EnvFiles(res, env), diff.Options{
		Raw:             req.Raw,
		Ignore:          req.Ignore,
		OldName:         fmt.Sprintf("environment %s", req.Against),
		NewName:         fmt.Sprintf("environment %s", env),
		PathKey:         diff.EnvPathKey(env, req.Against),
		IDKey:           diff.EnvIDKey(env, req.Against),
		OldValueKey:     oldEnv.ValueKey(),
		NewValueKey:     newEnv.ValueKey(),
		IgnoreNamespace: true,
		Owners:          func(string) []string { return []string{env} },
		Envs:            []diff.Env{newEnv},
	})
	if err != nil {
		return nil, err
	}
	if req.Graphs {
		g := graph.ChangesKeyed(m.Envs[req.Against], m.Envs[env], oldEnv.ValueKey(), newEnv.ValueKey())
		rep.Graphs = []diff.EnvGraph{{Env: env, Mermaid: g.Mermaid(), Note: "marked against environment " + req.Against}}
	}
	return &Result{Report: rep, Warnings: envWarnings(res.Warnings, env)}, nil
}

// envWarnings are the warnings of env among ws.
func envWarnings(ws []target.Warning, env string) []target.Warning {
	var out []target.Warning
	for _, w := range ws {
		if w.Env == env {
			out = append(out, w)
		}
	}
	return out
}

// envsOf names the environments names of m with their namespaces.
func envsOf(m *model.Model, names []string) []diff.Env {
	var out []diff.Env
	for _, n := range names {
		e := diff.Env{Name: n}
		if env := m.Envs[n]; env != nil {
			e.Namespace = env.Namespace
		}
		out = append(out, e)
	}
	return out
}

// owners returns the environments of a path in the first map that has it.
func owners(maps ...map[string][]string) func(string) []string {
	return func(p string) []string {
		for _, m := range maps {
			if o, ok := m[p]; ok {
				return o
			}
		}
		return nil
	}
}

// withFiles are the environments of envs that generate files (owners maps
// a file to its environments): of one that generates none, no file can
// show a model change.
func withFiles(envs []string, owners map[string][]string) []string {
	has := map[string]bool{}
	for _, os := range owners {
		for _, e := range os {
			has[e] = true
		}
	}
	var out []string
	for _, e := range envs {
		if has[e] {
			out = append(out, e)
		}
	}
	return out
}
