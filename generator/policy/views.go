package policy

import (
	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
)

// A view of a policies package is an instance of it that holds only some of
// its rules: every fill of env (and output) evaluates the whole instance it
// fills, so the rules over the environment alone are evaluated in an
// instance without the rules over the output, and the rules over the output
// in one without the rules over the environment. Everything else of the
// package (its lets, hidden fields, the contract) stays in both.

// Indices of Set.views.
const (
	viewEnv    = 0
	viewOutput = 1
)

// buildViews builds, in ctx, the two views of each package of pkgs (the
// packages of s.insts, in their order) from the rules s.readRules read.
// A view that does not build is the whole instance.
func (s *Set) buildViews(ctx *cue.Context, pkgs []*build.Instance) {
	for kind, output := range []bool{false, true} {
		s.views[kind] = make([]cue.Value, len(pkgs))
		for i, p := range pkgs {
			keep := map[string]bool{}
			for _, r := range s.Rules {
				if r.inst == i && r.Output == output {
					keep[r.Name] = true
				}
			}
			s.views[kind][i] = s.insts[i]
			if v := buildView(ctx, p, keep); v.Err() == nil {
				s.views[kind][i] = v
			}
		}
	}
}

// buildView builds a copy of p, an instance built already, without the
// rules whose name keep does not hold. It filters the syntax of p's files
// for the build and then gives them back as they were.
func buildView(ctx *cue.Context, p *build.Instance, keep map[string]bool) cue.Value {
	var restore []func()
	defer func() {
		for _, f := range restore {
			f()
		}
	}()
	for _, f := range p.Files {
		decls, changed := withoutRules(f.Decls, keep, &restore)
		if changed {
			old := f.Decls
			f.Decls = decls
			restore = append(restore, func() { f.Decls = old })
		}
	}
	// The runtime knows an instance by its address: the copy is a new one.
	cp := *p
	return ctx.BuildInstance(&cp)
}

// withoutRules returns decls without the fields rules: NAME: ... (and the
// entries NAME of rules: {...}) whose NAME keep does not hold. It changes
// the values of rules fields in place, adding to restore what puts them
// back. Anything it cannot name (a comprehension, a pattern, a dynamic
// label) stays.
func withoutRules(decls []ast.Decl, keep map[string]bool, restore *[]func()) ([]ast.Decl, bool) {
	out := make([]ast.Decl, 0, len(decls))
	changed := false
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			out = append(out, d)
			continue
		}
		if name, _, err := ast.LabelName(f.Label); err != nil || name != PathRules {
			out = append(out, d)
			continue
		}
		st, ok := f.Value.(*ast.StructLit)
		if !ok {
			out = append(out, d)
			continue
		}
		var elts []ast.Decl
		dropped := false
		for _, e := range st.Elts {
			if rf, ok := e.(*ast.Field); ok {
				if name, _, err := ast.LabelName(rf.Label); err == nil && !keep[name] {
					dropped = true
					continue
				}
			}
			elts = append(elts, e)
		}
		if !dropped {
			out = append(out, d)
			continue
		}
		changed = true
		if len(elts) == 0 {
			continue
		}
		old := st.Elts
		st.Elts = elts
		*restore = append(*restore, func() { st.Elts = old })
		out = append(out, d)
	}
	return out, changed
}
