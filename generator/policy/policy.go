// Package policy evaluates the CUE rules of a model's policies/ directory
// against each resolved environment, and scans generated files for leaked
// secrets. Rules are data: a user adds one by adding a CUE file, with no Go
// change. See docs/POLICIES.md for the contract.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"

	degenload "github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
)

// The CUE contract between policies/ and this package.
const (
	// Dir is the policies package, relative to the module root.
	Dir = "./policies"
	// PathEnv is where the environment under evaluation is filled in.
	PathEnv = "env"
	// PathRules holds one rule per name.
	PathRules = "rules"
	// ContractFile is the file of policies/ that declares the shape of a
	// rule.
	ContractFile = "policy.cue"
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

// Rule is one rule of policies/, as declared.
type Rule struct {
	Name        string
	Description string
	// Severity maps a stage (model.Stages, or DefaultSeverity) to a
	// severity: rules judge an environment by what it is, not by its name.
	Severity map[string]Severity
}

// SeverityFor returns the rule's severity in an environment of stage.
func (r Rule) SeverityFor(stage string) Severity {
	if s, ok := r.Severity[stage]; ok {
		return s
	}
	return r.Severity[DefaultSeverity]
}

// Set is the loaded policies of a model.
type Set struct {
	// Rules are sorted by name.
	Rules []Rule
	root  string
	inst  cue.Value
}

// loadSet builds the policies package of the module at root in ctx and reads
// its rules without checking the environment names of their severities
// (readRules does, once they are known).
func loadSet(root string, ctx *cue.Context) (*Set, error) {
	s := &Set{root: root}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(Dir))); os.IsNotExist(err) {
		return s, nil
	}
	insts := load.Instances([]string{Dir}, &load.Config{Dir: root})
	if len(insts) != 1 {
		return nil, fmt.Errorf("loading %s: expected one package, found %d", Dir, len(insts))
	}
	if err := insts[0].Err; err != nil {
		var mp *load.MultiplePackageError
		if errors.As(err, &mp) {
			return nil, degenload.PackageClash(root, "policies", mp)
		}
		return nil, fmt.Errorf("loading policies: %w", err)
	}
	s.inst = ctx.BuildInstance(insts[0])
	if err := s.inst.Err(); err != nil {
		return nil, fmt.Errorf("loading policies: %w", err)
	}
	if err := s.readRules(); err != nil {
		return nil, err
	}
	return s, nil
}

// readRules reads the rules of s.inst and checks that their severities name
// stages (model.Stages) and cover every stage.
func (s *Set) readRules() error {
	known := model.Stages()
	s.Rules = nil
	if !s.inst.Exists() {
		return nil
	}
	rulesV := s.inst.LookupPath(cue.ParsePath(PathRules))
	if !rulesV.Exists() {
		return nil
	}
	it, err := rulesV.Fields()
	if err != nil {
		return fmt.Errorf("reading policies: %w", err)
	}
	var errs cueerrors.Error
	for it.Next() {
		r, err := readRule(it.Selector().Unquoted(), it.Value(), known)
		if err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
			continue
		}
		s.Rules = append(s.Rules, r)
	}
	if errs != nil {
		return cueerrors.Sanitize(errs)
	}
	sort.Slice(s.Rules, func(i, j int) bool { return s.Rules[i].Name < s.Rules[j].Name })
	return nil
}

func readRule(name string, v cue.Value, known []string) (Rule, error) {
	r := Rule{Name: name, Severity: map[string]Severity{}}
	pos := rulePos(v)
	desc := v.LookupPath(cue.ParsePath("description"))
	if d, err := desc.String(); err == nil {
		r.Description = d
	} else {
		return r, cueerrors.Newf(pos, "policy rule %q has no description: add description: \"what the rule guards and why\"", name)
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
			return r, cueerrors.Newf(rulePos(sev), "policy rule %q has no severity for stages %v: name them or add default", name, missing)
		}
	}
	return r, nil
}

// rulePos returns where a rule (or one of its fields) is written: its
// position, or that of one of its conjuncts, outside the contract file (policy.cue), whose
// pattern every rule unifies with.
func rulePos(v cue.Value) token.Pos {
	outside := func(p token.Pos) bool { return p.IsValid() && filepath.Base(p.Filename()) != ContractFile }
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

// Check evaluates every rule against env and returns the violations whose
// severity is not off, sorted by rule and position.
func (s *Set) Check(env *model.Environment) ([]Violation, error) {
	if len(s.Rules) == 0 {
		return nil, nil
	}
	data, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encoding environment %s for policies: %w", env.Name, err)
	}
	envV := s.inst.Context().CompileBytes(data, cue.Filename(env.Name+".json"))
	if err := envV.Err(); err != nil {
		return nil, fmt.Errorf("encoding environment %s for policies: %w", env.Name, err)
	}
	filled := s.inst.FillPath(cue.ParsePath(PathEnv), envV)
	var out []Violation
	var errs cueerrors.Error
	for _, r := range s.Rules {
		sev := r.SeverityFor(env.Stage)
		if sev == Off {
			continue
		}
		vs, err := s.evalRule(filled, r, env, sev)
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
			return nil, cueerrors.Newf(rulePos(it.Value()), "policy rule %q: a violation needs message: a string", r.Name)
		}
		pv := it.Value().LookupPath(cue.ParsePath("path"))
		path, err := cuePath(pv)
		if err != nil {
			return nil, cueerrors.Newf(rulePos(it.Value()), "policy rule %q: %v", r.Name, err)
		}
		envV, unlock, _ := degenload.EnvValue(env)
		pos := posOf(envV, path, filepath.Join(s.root, "schema")+string(filepath.Separator))
		unlock()
		out = append(out, Violation{
			Env:      env.Name,
			Rule:     r.Name,
			Severity: sev,
			Message:  msg,
			Path:     path.String(),
			Position: relPos(pos, s.root),
			pos:      pos,
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

// posOf returns the source position of the value at path in env. A value
// that only has a schema default (replicas: *1 in schema/) points at the
// nearest parent the model itself declares, which is where a fix goes.
func posOf(env cue.Value, path cue.Path, schemaDir string) token.Pos {
	sels := path.Selectors()
	for {
		v := env.LookupPath(cue.MakePath(sels...))
		if v.Exists() {
			if p := modelPos(v, schemaDir); p.IsValid() || len(sels) == 0 {
				return p
			}
		}
		if len(sels) == 0 {
			return token.NoPos
		}
		sels = sels[:len(sels)-1]
	}
}

// modelPos returns the position of v, or of one of the values it unifies,
// that lies outside the schema; NoPos when there is none.
func modelPos(v cue.Value, schemaDir string) token.Pos {
	inModel := func(p token.Pos) bool { return p.IsValid() && !strings.HasPrefix(p.Filename(), schemaDir) }
	if p := v.Pos(); inModel(p) {
		return p
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if p := a.Pos(); inModel(p) {
				return p
			}
		}
	}
	return token.NoPos
}

// relPos prints a position as ./file:line:col relative to root.
func relPos(p token.Pos, root string) string {
	if !p.IsValid() {
		return ""
	}
	file := p.Filename()
	if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = "./" + filepath.ToSlash(rel)
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line(), p.Column())
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
