// Package generator compiles a degen model into files: load the CUE module,
// resolve environments, run every target an environment asks for, and
// return the files in memory. Only the CLI writes them (package writer).
package generator

import (
	"bytes"
	"cmp"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
)

// Result is the output of a generation run.
type Result struct {
	// Files maps a path relative to out/ to its content.
	Files map[string][]byte
	// Owners maps a path to the environments that generated it, sorted.
	Owners map[string][]string
	// Envs are the environments generated, sorted.
	Envs []string
	// Warnings are sorted by environment, target and subject.
	Warnings []target.Warning
	// Policy is the policy report when Options.Policies is set.
	Policy *policy.Report
	// FromCache are the environments whose output came from the cache
	// (Options.Cache) instead of an evaluation, sorted.
	FromCache []string
}

// Diagnostics are the result's warnings, the targets', the model's and
// the policies' (those not acknowledged), as diagnostics with their
// positions.
func (r *Result) Diagnostics() []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, w := range r.Warnings {
		ds = append(ds, w.Diagnostic())
	}
	if r.Policy != nil {
		for _, v := range r.Policy.Warnings() {
			ds = append(ds, v.Diagnostic())
		}
	}
	return ds
}

// Paths returns the generated paths, sorted.
func (r *Result) Paths() []string { return model.SortedKeys(r.Files) }

// Generate runs targets over the environments of m (all loaded ones when
// envs is nil). A target runs for an environment only when the environment
// lists it in its artefacts.
func Generate(m *model.Model, envs []string, targets []target.Target) (*Result, error) {
	return GenerateAt(m, envs, targets, target.Place{})
}

// GenerateAt is Generate for an out/ at place.
func GenerateAt(m *model.Model, envs []string, targets []target.Target, place target.Place) (*Result, error) {
	if envs == nil {
		envs = m.EnvNames()
	}
	targets = target.ForBuild(targets)
	var outs []envOutput
	for _, name := range envs {
		env, ok := m.Envs[name]
		if !ok {
			return nil, fmt.Errorf("environment %q was not loaded", name)
		}
		o := envOutput{env: name, place: place, warnings: notes(env)}
		o.generate(env, m.Base, targets, nil, nil)
		outs = append(outs, o)
	}
	res, err := merge(outs)
	if err != nil {
		return nil, err
	}
	res.Warnings = Acknowledged(m, res.Warnings)
	placeWarnings(m, res.Warnings)
	return res, nil
}

// placeWarnings fills the position of each warning of ws that has a
// path, once the targets are done (load.Place).
func placeWarnings(m *model.Model, ws []target.Warning) {
	for i, w := range ws {
		if w.Pos.IsZero() && w.Path != "" {
			ws[i].Pos = load.Place(m, w.Env, w.Path)
		}
	}
}

// envOutput is what the targets made of one environment.
type envOutput struct {
	env      string
	place    target.Place
	files    []made
	warnings []target.Warning
	// objects are the targets' objects, by target (target.Output.Objects).
	objects map[string][]target.Object
	err     error
}

// made is a file and the target that made it.
type made struct {
	target.File
	by string
}

// generate runs the targets env asks for and that pick accepts (all when
// pick is nil), appending to o. It reads env and base only, so environments
// may be generated concurrently. After an error it does nothing. Each
// target run is reported to progress, when it is set.
func (o *envOutput) generate(env, base *model.Environment, targets []target.Target, pick func(target.Target) bool, progress func(Step)) {
	for _, t := range targets {
		if o.err != nil {
			return
		}
		if !env.Has(t.Name()) || (pick != nil && !pick(t)) {
			continue
		}
		out, err := generateOne(t, target.Input{Env: env, Base: base, Place: o.place})
		report(progress, StepTarget)
		if err != nil {
			o.err = targetError(t.Name(), env.Name, err)
			return
		}
		o.warnings = append(o.warnings, out.Warnings...)
		if len(out.Objects) > 0 {
			if o.objects == nil {
				o.objects = map[string][]target.Object{}
			}
			o.objects[t.Name()] = out.Objects
		}
		for _, f := range out.Files {
			if err := target.CheckPath(f.Path); err != nil {
				o.err = fmt.Errorf("generating %s for %s: %w", t.Name(), env.Name, err)
				return
			}
			o.files = append(o.files, made{f, t.Name()})
		}
	}
}

// targetError is a target's error: its model errors say which target
// found them (model.Error.Source), any other error is wrapped to say it.
func targetError(name, env string, err error) error {
	found := false
	var mark func(error)
	mark = func(err error) {
		switch e := err.(type) {
		case *model.Error:
			found = true
			if e.Source == "" {
				e.Source = name
			}
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				mark(x)
			}
		case interface{ Unwrap() error }:
			if x := e.Unwrap(); x != nil {
				mark(x)
			}
		}
	}
	mark(err)
	if found {
		return err
	}
	return fmt.Errorf("generating %s for %s: %w", name, env, err)
}

// generateOne runs one target, turning a panic (a bug in the target) into
// an error: targets run in a goroutine of the build, where a panic would end
// the process before anything could report it.
func generateOne(t target.Target, in target.Input) (out target.Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error, please report it: %v\n%s", r, debug.Stack())
		}
	}()
	return t.Generate(in)
}

// merge joins the outputs of environments in name order, whatever order
// they were made in: a path generated twice is an error unless it is a
// shared file with the same bytes in every environment.
// ModelTarget is the Target of the warnings about the model itself
// (model.Note), which no target raised.
const ModelTarget = "model"

// Acknowledged drops from ws the warnings the environments of m
// acknowledge, and adds a warning for every acknowledgement of a target
// warning that matches none, so that none outlives its reason. The
// acknowledgements of policy warnings are AcknowledgePolicies'.
func Acknowledged(m *model.Model, ws []target.Warning) []target.Warning {
	used := map[string]map[string]bool{}
	var out []target.Warning
	for _, w := range ws {
		matched := acknowledgement(m.Envs[w.Env], w.Diagnostic())
		if matched == "" {
			out = append(out, w)
			continue
		}
		markUsed(used, w.Env, matched)
	}
	out = append(out, stale(m, used, func(env *model.Environment, t string) bool {
		// An acknowledgement of a target the environment does not get
		// is the base's, for the environments that do.
		return t == ModelTarget || t != policyTarget && env.Has(t)
	})...)
	sortWarnings(out)
	return out
}

// AcknowledgePolicies drops from vs the policy warnings (severity warn)
// the environments of m acknowledge by ID (policy.Violation.ID), and adds
// to ws a warning for every acknowledgement of a policy warning that
// matches none.
func AcknowledgePolicies(m *model.Model, ws []target.Warning, vs []policy.Violation) ([]target.Warning, []policy.Violation) {
	used := map[string]map[string]bool{}
	var kept []policy.Violation
	for _, v := range vs {
		id := acknowledgement(m.Envs[v.Env], v.Diagnostic())
		if id == "" {
			kept = append(kept, v)
			continue
		}
		markUsed(used, v.Env, id)
	}
	ws = append(ws, stale(m, used, func(_ *model.Environment, t string) bool { return t == policyTarget })...)
	sortWarnings(ws)
	return ws, kept
}

// acknowledgement is the one acknowledgement scheme: the key of env's
// acknowledge that accepts warning d, its ID (source/code/subject:
// compose/ingress-not-carried/web, policy/images-pinned/web,
// model/dependency-disabled/web) or source/code/* for every subject; ""
// when none does, or d is not a warning.
func acknowledgement(env *model.Environment, d diag.Diagnostic) string {
	if env == nil || d.Severity != diag.Warning || d.Code == "" {
		return ""
	}
	for _, id := range []string{d.ID(), d.Source + "/" + d.Code + "/*"} {
		if _, ok := env.Acknowledge[id]; ok {
			return id
		}
	}
	return ""
}

func markUsed(used map[string]map[string]bool, env, id string) {
	if used[env] == nil {
		used[env] = map[string]bool{}
	}
	used[env][id] = true
}

// stale warns of the acknowledgements judged (by their ID's target) that
// matched nothing.
func stale(m *model.Model, used map[string]map[string]bool, judged func(*model.Environment, string) bool) []target.Warning {
	var out []target.Warning
	for _, name := range m.EnvNames() {
		env := m.Envs[name]
		for _, id := range model.SortedKeys(env.Acknowledge) {
			t, _, _ := strings.Cut(id, "/")
			if !used[name][id] && judged(env, t) {
				out = append(out, target.Warning{Env: name, Target: ModelTarget, Subject: "", Code: "stale-acknowledgement", Path: model.P("acknowledge", id),
					Message: "matches no warning of this environment: remove it (what it accepted is gone)"})
			}
		}
	}
	return out
}

func sortWarnings(ws []target.Warning) {
	slices.SortStableFunc(ws, func(a, b target.Warning) int {
		return cmp.Or(strings.Compare(a.Env, b.Env), strings.Compare(a.Target, b.Target), strings.Compare(a.Subject, b.Subject))
	})
}

// policyTarget is the first element of a policy warning's ID.
const policyTarget = "policy"

// notes are env's model notes as warnings.
func notes(env *model.Environment) []target.Warning {
	var ws []target.Warning
	for _, n := range env.Notes {
		ws = append(ws, target.Warning{Env: env.Name, Target: ModelTarget, Subject: n.Subject, Code: n.Code, Path: n.Path, Message: n.Message})
	}
	return ws
}

func merge(outs []envOutput) (*Result, error) {
	sort.Slice(outs, func(i, j int) bool { return outs[i].env < outs[j].env })
	res := &Result{Files: map[string][]byte{}, Owners: map[string][]string{}}
	shared := map[string]bool{}
	for _, o := range outs {
		if o.err != nil {
			return nil, o.err
		}
		res.Envs = append(res.Envs, o.env)
		res.Warnings = append(res.Warnings, o.warnings...)
		for _, f := range o.files {
			if prev, ok := res.Files[f.Path]; ok {
				if !shared[f.Path] || !f.Shared {
					return nil, fmt.Errorf("generating %s for %s: %s is generated twice", f.by, o.env, f.Path)
				}
				if !bytes.Equal(prev, f.Data) {
					return nil, fmt.Errorf("generating %s for %s: shared file %s differs between environments %v and %s", f.by, o.env, f.Path, res.Owners[f.Path], o.env)
				}
			}
			res.Files[f.Path] = f.Data
			shared[f.Path] = f.Shared
			res.Owners[f.Path] = appendOnce(res.Owners[f.Path], o.env)
		}
	}
	slices.SortStableFunc(res.Warnings, func(a, b target.Warning) int {
		return cmp.Or(strings.Compare(a.Env, b.Env), strings.Compare(a.Target, b.Target), strings.Compare(a.Subject, b.Subject))
	})
	return res, nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
