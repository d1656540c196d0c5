// Package policy evaluates the CUE rules of a model's policies/ directory
// against each resolved environment, and scans generated files for leaked
// secrets. Rules are data: a user adds one by adding a CUE file, with no Go
// change. See docs/POLICIES.md for the contract.
package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"sort"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/schema"
)

// The CUE contract between policies/ and this package.
const (
	// Dir is the policies package, relative to the module root.
	Dir = "./policies"
	// PathRules holds one rule per name.
	PathRules = "rules"
	// ReadsOutput is the value of a rule's reads that makes it a rule over
	// the output: evaluated once the targets have generated, with output
	// filled in as well as env.
	ReadsOutput = "output"
	// DefaultSeverity is the severity key for the stages a rule does not
	// name.
	DefaultSeverity = "default"
)

// Severity is what a violation does to a build.
type Severity string

// The severities a rule may give an environment.
const (
	Off  Severity = "off"
	Warn Severity = "warn"
	Deny Severity = "deny"
)

// Rule is one rule, as declared by degen's generic policies or the
// model's own policies/, with the model's overrides applied.
type Rule struct {
	Name        string
	Description string
	// Severity maps a stage (model.Stages, or DefaultSeverity) to a
	// severity: rules judge an environment by what it is, not by its name.
	Severity map[string]Severity
	// Generic says the rule ships with degen (schema/policies), rather
	// than with the model.
	Generic bool
	// Output says the rule reads the generated objects (reads: "output"):
	// it is evaluated after the targets (Set.CheckOutput), not with the
	// environment alone (Set.Check).
	Output bool
	// inst is the index of the rule's package in Set.insts.
	inst int
}

// SeverityFor returns the rule's severity in an environment of stage.
func (r Rule) SeverityFor(stage string) Severity {
	if s, ok := r.Severity[stage]; ok {
		return s
	}
	return r.Severity[DefaultSeverity]
}

// Set is the loaded policies of a model: degen's generic rules, which apply
// to every model, and the rules of the model's own policies/ directory.
type Set struct {
	// Rules are sorted by name.
	Rules []Rule
	root  string
	ld    Loader
	// insts are the generic package and, when the model has policies/,
	// the model's.
	insts []cue.Value
	// views are insts with only the rules over the environment
	// (views[viewEnv]) or over the output (views[viewOutput]); see
	// buildViews.
	views [2][]cue.Value
}

// ModelContractFile is the name under which the contract of the generic
// policies (schema.ContractFile) joins the model's policies/ package, so
// that the model's rules have env, #Violation, overrides and the stage
// severities (_stages) in scope. No file of that name may exist there.
const ModelContractFile = "degen-contract.cue"

// PathOverrides is where the model's policies/ changes the severity of a
// rule per stage.
const PathOverrides = "overrides"

// Loader is what the policies need of the model's loader (package load,
// whose load.Policies implements it; this package does not import it):
// their CUE packages, read as the model's files are, and the positions of
// the values a finding points at.
type Loader interface {
	// Packages loads, without evaluating them, degen's generic policies
	// (the package dir of the schema module) and the model's package dir,
	// nil when the model has none, with the generic contract added to it
	// under the name contract.
	Packages(root, dir, contract string) (generic, own *build.Instance, err error)
	// Pos is the position in the model of the value at path in env, or of
	// its nearest parent the model declares; NoPos when there is none.
	Pos(env *model.Environment, path cue.Path) token.Pos
	// InSchema reports whether p lies in the schema module degen serves.
	InSchema(p token.Pos) bool
	// RelPos prints p for a person: ./file:line:col relative to root.
	RelPos(p token.Pos, root string) string
}

// loadSet builds, in ctx, degen's generic policies and the policies package
// of the module at root, and reads their rules and the model's overrides.
func loadSet(root string, ld Loader, ctx *cue.Context) (*Set, error) {
	s := &Set{root: root, ld: ld}
	generic, own, err := ld.Packages(root, Dir, ModelContractFile)
	if err != nil {
		return nil, err
	}
	s.insts = append(s.insts, ctx.BuildInstance(generic))
	if err := s.insts[0].Err(); err != nil {
		return nil, fmt.Errorf("internal error: loading degen's generic policies: %w", err)
	}
	pkgs := []*build.Instance{generic}
	if own != nil {
		v := ctx.BuildInstance(own)
		if err := v.Err(); err != nil {
			return nil, fmt.Errorf("loading policies: %w", err)
		}
		s.insts = append(s.insts, v)
		pkgs = append(pkgs, own)
	}
	if err := s.readRules(); err != nil {
		return nil, err
	}
	s.buildViews(ctx, pkgs)
	return s, nil
}

// readRules reads the rules of s.insts, checks that their severities name
// stages (model.Stages) and cover every stage, that the model does not
// redefine a generic rule, and applies the model's overrides.
func (s *Set) readRules() error {
	known := model.Stages()
	s.Rules = nil
	var errs cueerrors.Error
	byName := map[string]int{}
	for i, inst := range s.insts {
		rulesV := inst.LookupPath(cue.ParsePath(PathRules))
		if !rulesV.Exists() {
			continue
		}
		it, err := rulesV.Fields()
		if err != nil {
			return fmt.Errorf("reading policies: %w", err)
		}
		for it.Next() {
			name := it.Selector().Unquoted()
			if _, dup := byName[name]; dup {
				errs = cueerrors.Append(errs, cueerrors.Newf(s.rulePos(it.Value()), "policy rule %q is one of degen's generic rules: give it another name, or change its severity with overrides: %q: {development: \"off\"} (see degen schema --policies)", name, name))
				continue
			}
			r, err := s.readRule(name, it.Value(), known)
			if err != nil {
				errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
				continue
			}
			r.inst, r.Generic = i, i == 0
			byName[name] = len(s.Rules)
			s.Rules = append(s.Rules, r)
		}
	}
	if errs != nil {
		return cueerrors.Sanitize(errs)
	}
	if len(s.insts) > 1 {
		if err := s.applyOverrides(s.insts[1], byName, known); err != nil {
			return err
		}
	}
	sort.Slice(s.Rules, func(i, j int) bool { return s.Rules[i].Name < s.Rules[j].Name })
	return nil
}

// applyOverrides replaces the severities the model's overrides name. The
// contract closes each override to the stages and default; a rule name
// must be a rule of the set.
func (s *Set) applyOverrides(inst cue.Value, byName map[string]int, known []string) error {
	ov := inst.LookupPath(cue.ParsePath(PathOverrides))
	if !ov.Exists() {
		return nil
	}
	it, err := ov.Fields()
	if err != nil {
		return fmt.Errorf("reading policies: %w", err)
	}
	var names []string
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs cueerrors.Error
	for it.Next() {
		name := it.Selector().Unquoted()
		i, ok := byName[name]
		if !ok {
			errs = cueerrors.Append(errs, cueerrors.Newf(s.rulePos(it.Value()), "overrides names the rule %q, which no policy defines: use one of %v", name, names))
			continue
		}
		sev, err := it.Value().Fields()
		if err != nil {
			return fmt.Errorf("reading policies: %w", err)
		}
		given := map[string]Severity{}
		for sev.Next() {
			key := sev.Selector().Unquoted()
			val, err := sev.Value().String()
			if err != nil {
				errs = cueerrors.Append(errs, cueerrors.Newf(sev.Value().Pos(), "overrides %q: severity %s must be \"off\", \"warn\" or \"deny\"", name, key))
				continue
			}
			if key != DefaultSeverity && !contains(known, key) {
				errs = cueerrors.Append(errs, cueerrors.Newf(sev.Value().Pos(), "overrides %q names the stage %q, which is not a stage: use one of %v or %s", name, key, known, DefaultSeverity))
				continue
			}
			given[key] = Severity(val)
		}
		r := &s.Rules[i]
		if _, ok := given[DefaultSeverity]; ok {
			// A new default replaces what the rule said for every stage
			// the override does not name.
			r.Severity = given
			continue
		}
		merged := maps.Clone(r.Severity)
		maps.Copy(merged, given)
		r.Severity = merged
	}
	if errs != nil {
		return cueerrors.Sanitize(errs)
	}
	return nil
}

func (s *Set) readRule(name string, v cue.Value, known []string) (Rule, error) {
	r := Rule{Name: name, Severity: map[string]Severity{}}
	pos := s.rulePos(v)
	desc := v.LookupPath(cue.ParsePath("description"))
	if d, err := desc.String(); err == nil {
		r.Description = d
	} else {
		return r, cueerrors.Newf(pos, "policy rule %q has no description: add description: \"what the rule guards and why\"", name)
	}
	if reads, err := v.LookupPath(cue.ParsePath("reads")).String(); err == nil {
		r.Output = reads == ReadsOutput
	}
	sev := v.LookupPath(cue.ParsePath("severity"))
	it, err := sev.Fields()
	if err != nil {
		return r, err
	}
	var errs cueerrors.Error
	for it.Next() {
		key := it.Selector().Unquoted()
		val, err := it.Value().String()
		if err != nil {
			errs = cueerrors.Append(errs, cueerrors.Newf(it.Value().Pos(), "policy rule %q: severity %s must be \"off\", \"warn\" or \"deny\"", name, key))
			continue
		}
		if known != nil && key != DefaultSeverity && !contains(known, key) {
			errs = cueerrors.Append(errs, cueerrors.Newf(it.Value().Pos(), "policy rule %q gives a severity for stage %q, which is not a stage: use one of %v or %s (severities key on an environment's stage, not its name)", name, key, known, DefaultSeverity))
			continue
		}
		r.Severity[key] = Severity(val)
	}
	if errs != nil {
		return r, errs
	}
	if len(r.Severity) == 0 {
		return r, cueerrors.Newf(pos, "policy rule %q has no severity: add severity: {default: \"warn\"} or one of off/warn/deny per stage %v", name, known)
	}
	if _, ok := r.Severity[DefaultSeverity]; !ok {
		var missing []string
		for _, e := range known {
			if _, ok := r.Severity[e]; !ok {
				missing = append(missing, e)
			}
		}
		if len(missing) > 0 {
			return r, cueerrors.Newf(s.rulePos(sev), "policy rule %q has no severity for stages %v: name them or add default", name, missing)
		}
	}
	return r, nil
}

// rulePos returns where a rule (or one of its fields) is written: its
// position, or that of one of its conjuncts, outside the contract file (policy.cue), whose
// pattern every rule unifies with.
func (s *Set) rulePos(v cue.Value) token.Pos {
	outside := func(p token.Pos) bool {
		return p.IsValid() && filepath.Base(p.Filename()) != ModelContractFile && !(s.ld.InSchema(p) && filepath.Base(p.Filename()) == schema.ContractFile)
	}
	if p := v.Pos(); outside(p) {
		return p
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if p := a.Pos(); outside(p) {
				return p
			}
		}
	}
	return v.Pos()
}

// Check evaluates every rule that reads only the environment against env
// and returns the violations whose severity is not off, sorted by rule and
// position.
func (s *Set) Check(env *model.Environment) ([]Violation, error) {
	return s.check(env, false, nil)
}

// CheckOutput evaluates every rule over the output (Rule.Output) against
// env and objects, what the targets generated for it by target name
// (nil when nothing was generated), and returns the violations whose
// severity is not off, sorted by rule and position.
func (s *Set) CheckOutput(env *model.Environment, objects map[string][]target.Object) ([]Violation, error) {
	return s.check(env, true, objects)
}

func (s *Set) check(env *model.Environment, output bool, objects map[string][]target.Object) ([]Violation, error) {
	var rules []Rule
	for _, r := range s.Rules {
		if r.Output == output && r.SeverityFor(env.Stage) != Off {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return nil, nil
	}
	view := viewEnv
	if output {
		view = viewOutput
	}
	out, err := s.checkIn(s.views[view], rules, env, objects)
	if err != nil {
		// A rule that reads another rule does not find it in a view:
		// the whole instance judges, and gives the error if there is one.
		out, err = s.checkIn(s.insts, rules, env, objects)
	}
	return out, err
}

// checkIn evaluates rules in insts, the packages of the policies (s.insts
// or one of s.views), filled with env and objects.
func (s *Set) checkIn(insts []cue.Value, rules []Rule, env *model.Environment, objects map[string][]target.Object) ([]Violation, error) {
	// One value fills env and output, so that each instance is evaluated
	// once (every fill evaluates the whole instance). Without objects,
	// output is empty: a rule over the output judges nothing generated.
	data, err := json.Marshal(struct {
		Env    *model.Environment     `json:"env"`
		Output map[string][]generated `json:"output"`
	}{env, outputInput(objects)})
	if err != nil {
		return nil, fmt.Errorf("encoding environment %s for policies: %w", env.Name, err)
	}
	in := insts[0].Context().CompileBytes(data, cue.Filename(env.Name+".json"))
	if err := in.Err(); err != nil {
		return nil, fmt.Errorf("encoding environment %s for policies: %w", env.Name, err)
	}
	filled := make([]cue.Value, len(insts))
	for _, r := range rules {
		if !filled[r.inst].Exists() {
			filled[r.inst] = insts[r.inst].Unify(in)
		}
	}
	var out []Violation
	var errs cueerrors.Error
	for _, r := range rules {
		vs, err := s.evalRule(filled[r.inst], r, env, r.SeverityFor(env.Stage))
		if err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
			continue
		}
		out = append(out, vs...)
	}
	if errs != nil {
		return nil, fmt.Errorf("evaluating policies for %s: %w", env.Name, cueerrors.Sanitize(errs))
	}
	sortViolations(out)
	return out, nil
}

// generated is one object of output.<target> (#Generated of the contract).
type generated struct {
	Name string `json:"name"`
	// From is the model path of what made the object, as a list of
	// selectors, which a violation's path takes as it is; [] when the
	// environment as a whole made it.
	From   []any `json:"from"`
	Object any   `json:"object"`
}

// outputInput is the value of output: for every target that makes
// objects (kubernetes, compose), the list of them, empty when the
// environment does not get the target.
func outputInput(objects map[string][]target.Object) map[string][]generated {
	in := map[string][]generated{"kubernetes": {}, "compose": {}}
	for name, objs := range objects {
		list := make([]generated, len(objs))
		for i, o := range objs {
			list[i] = generated{Name: o.Name, From: selectors(o.From), Object: o.Value}
		}
		in[name] = list
	}
	return in
}

// selectors turns a model path (model.P) into a list of selectors:
// strings, and ints for list indices.
func selectors(path string) []any {
	out := []any{}
	if path == "" {
		return out
	}
	p := cue.ParsePath(path)
	if p.Err() != nil {
		return out
	}
	for _, sel := range p.Selectors() {
		if sel.Type() == cue.IndexLabel {
			out = append(out, sel.Index())
		} else {
			out = append(out, sel.Unquoted())
		}
	}
	return out
}

func (s *Set) evalRule(filled cue.Value, r Rule, env *model.Environment, sev Severity) ([]Violation, error) {
	vv := filled.LookupPath(cue.MakePath(cue.Str(PathRules), cue.Str(r.Name), cue.Str("violations")))
	if !vv.Exists() {
		return nil, nil
	}
	it, err := vv.List()
	if err != nil {
		return nil, err
	}
	var out []Violation
	for it.Next() {
		if err := it.Value().Err(); err != nil {
			return nil, err
		}
		msg, err := it.Value().LookupPath(cue.ParsePath("message")).String()
		if err != nil {
			return nil, cueerrors.Newf(s.rulePos(it.Value()), "policy rule %q: a violation needs message: a string", r.Name)
		}
		pv := it.Value().LookupPath(cue.ParsePath("path"))
		path, err := cuePath(pv)
		if err != nil {
			return nil, cueerrors.Newf(s.rulePos(it.Value()), "policy rule %q: %v", r.Name, err)
		}
		pos := s.ld.Pos(env, path)
		out = append(out, Violation{
			Env:      env.Name,
			Rule:     r.Name,
			Severity: sev,
			Message:  msg,
			Path:     path.String(),
			Position: s.relPos(pos),
			SrcFile:  pos.Filename(),
			SrcLine:  pos.Line(),
			SrcCol:   pos.Column(),
		})
	}
	return out, nil
}

// cuePath turns a violation's path, a CUE path string or a list of
// selectors (strings and list indices), into a cue.Path.
func cuePath(v cue.Value) (cue.Path, error) {
	switch v.Kind() {
	case cue.StringKind:
		str, _ := v.String()
		path := cue.ParsePath(str)
		return path, path.Err()
	case cue.ListKind:
		it, _ := v.List()
		var sels []cue.Selector
		for it.Next() {
			e := it.Value()
			if str, err := e.String(); err == nil {
				sels = append(sels, cue.Str(str))
			} else if i, err := e.Int64(); err == nil {
				sels = append(sels, cue.Index(int(i)))
			} else {
				return cue.Path{}, fmt.Errorf("path element %v is neither a string nor a list index", e)
			}
		}
		return cue.MakePath(sels...), nil
	}
	return cue.Path{}, fmt.Errorf("a violation needs path: a CUE path string or a list of selectors into env")
}

// relPos prints a position as ./file:line:col relative to root.
func (s *Set) relPos(p token.Pos) string {
	if !p.IsValid() {
		return ""
	}
	return s.ld.RelPos(p, s.root)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
