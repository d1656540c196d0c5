package model

import (
	"path/filepath"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
)

// PosOf returns the source position of the value at the given path, for
// error messages. A value unified from the schema and the model has one
// position per conjunct, and cue.Value.Pos often picks the schema's
// definition; PosOf prefers a conjunct written in the model package (the
// files of the environment's own directory), the line a user can fix. A path
// that does not exist falls back to its closest existing parent.
func (e *Environment) PosOf(sel ...cue.Selector) token.Pos {
	v := e.Value.LookupPath(cue.MakePath(sel...))
	for !v.Exists() && len(sel) > 0 {
		sel = sel[:len(sel)-1]
		v = e.Value.LookupPath(cue.MakePath(sel...))
	}
	modelDir := filepath.Dir(e.Value.Pos().Filename())
	if p := v.Pos(); filepath.Dir(p.Filename()) == modelDir {
		return p
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if p := a.Pos(); p.IsValid() && filepath.Dir(p.Filename()) == modelDir {
				return p
			}
		}
	}
	return v.Pos()
}
