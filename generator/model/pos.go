package model

import (
	"path/filepath"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
)

// DecidingPos returns the source position that best explains v to a model
// author: the conjunct that gives the concrete value in the model's own files
// rather than the schema constraint it satisfies. The order of preference is
// a concrete conjunct outside schema/, then any conjunct outside schema/,
// then v's own position.
func DecidingPos(v cue.Value) token.Pos {
	var concrete, model []token.Pos
	var walk func(cue.Value, int)
	walk = func(x cue.Value, depth int) {
		op, args := x.Expr()
		if op == cue.AndOp && depth < 8 {
			for _, a := range args {
				walk(a, depth+1)
			}
			return
		}
		p := x.Pos()
		if !p.IsValid() || InSchema(p) {
			return
		}
		model = append(model, p)
		if op == cue.NoOp && x.IsConcrete() {
			concrete = append(concrete, p)
		}
	}
	walk(v, 0)
	switch {
	case len(concrete) > 0:
		return concrete[0]
	case len(model) > 0:
		return model[0]
	}
	return v.Pos()
}

// InSchema reports whether p lies in a schema/ directory of the module.
func InSchema(p token.Pos) bool {
	return strings.Contains(filepath.ToSlash(p.Filename()), "/schema/")
}

// PosOf returns the source position of the value at the given path, for
// error messages: the deciding conjunct in the model's own files (see
// DecidingPos). A path that does not exist falls back to its closest
// existing parent.
func (e *Environment) PosOf(sel ...cue.Selector) token.Pos {
	defer e.LockCUE()()
	if !e.Value.Exists() {
		return token.NoPos
	}
	v := e.Value.LookupPath(cue.MakePath(sel...))
	for !v.Exists() && len(sel) > 0 {
		sel = sel[:len(sel)-1]
		v = e.Value.LookupPath(cue.MakePath(sel...))
	}
	return DecidingPos(v)
}
