package promote

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"

	"github.com/degen-dev/degen/generator/model"
)

// Edit is one change of an environment's file: the field at Path (below
// environments.ENV) set to Value, a plain value (as encoding/json decodes
// it), or deleted.
type Edit struct {
	Path   []string
	Value  any
	Delete bool
	// Old is the target's value before, missing when OldMissing.
	Old        any
	OldMissing bool
	// Settles are the selected fields (model.P) the edit makes equal to
	// the source's: the field itself, or those a parameter decides.
	Settles []string
}

// Change is the edit as old → new values (JSON), "(none)" for a side
// missing.
func (e Edit) Change() string { return show(e.Old, e.OldMissing) + " → " + show(e.Value, e.Delete) }

// Name is the edited field in model.P syntax.
func (e Edit) Name() string { return model.P(toAny(e.Path)...) }

// Apply edits src, the CUE file filename of environment env, on its syntax
// tree: a field the file writes is changed in place (the comments around
// it kept) or deleted; a field it does not write is added to the deepest
// braced struct of the file that leads to it, or declared at the end of
// the file. The result is formatted with cue/format, so a file that was
// formatted changes only where an edit is.
func Apply(filename string, src []byte, env string, edits []Edit) ([]byte, error) {
	f, err := parser.ParseFile(filename, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	for _, e := range edits {
		if err := apply(f, env, e); err != nil {
			return nil, err
		}
	}
	out, err := format.Node(f)
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", filename, err)
	}
	return out, nil
}

// spot is where a field path is in a file: the field that writes it
// (with the declarations holding it), or else the deepest braced struct
// on the way and how many labels of the path lead to it.
type spot struct {
	field *ast.Field
	decls *[]ast.Decl
	into  *ast.StructLit
	depth int
}

// find looks path up in decls from label depth on.
func find(decls *[]ast.Decl, path []string, depth int, s *spot) {
	for _, d := range *decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil || name != path[depth] {
			continue
		}
		if depth+1 == len(path) {
			if s.field == nil {
				s.field, s.decls = f, decls
			}
			continue
		}
		st, ok := f.Value.(*ast.StructLit)
		if !ok {
			continue
		}
		if st.Lbrace.IsValid() && depth+1 > s.depth {
			s.into, s.depth = st, depth+1
		}
		find(&st.Elts, path, depth+1, s)
	}
}

// locate is the spot of environment env's field path in f.
func locate(f *ast.File, env string, path []string) spot {
	var s spot
	find(&f.Decls, append([]string{model.PathEnvironments, env}, path...), 0, &s)
	return s
}

// writes reports whether f writes environment env's field path itself.
func writes(f *ast.File, env string, path []string) bool {
	return locate(f, env, path).field != nil
}

func apply(f *ast.File, env string, e Edit) error {
	s := locate(f, env, e.Path)
	if e.Delete {
		if s.field == nil {
			return fmt.Errorf("%s is not written in the file: it cannot be removed there", e.Name())
		}
		*s.decls = slices.DeleteFunc(*s.decls, func(d ast.Decl) bool { return d == s.field })
		return nil
	}
	v, err := expr(e.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Name(), err)
	}
	if s.field != nil {
		old := s.field.Value
		ast.SetComments(v, ast.Comments(old))
		if _, ok := v.(*ast.BasicLit); ok {
			ast.SetPos(v, old.Pos())
		}
		s.field.Value = v
		return nil
	}
	full := append([]string{model.PathEnvironments, env}, e.Path...)
	if s.into == nil {
		f.Decls = append(f.Decls, chain(full, v))
		return nil
	}
	s.into.Elts = append(s.into.Elts, chain(full[s.depth:], v))
	return nil
}

// chain is the field labels[0]: labels[1]: …: v, after a blank line:
// cue/format then aligns none of the lines around it anew. It writes a
// struct of one field after a label with a position and no brace as a
// chain (a: b: c: v), as a file writes it.
func chain(labels []string, v ast.Expr) *ast.Field {
	for i := len(labels) - 1; i > 0; i-- {
		v = &ast.StructLit{Elts: []ast.Decl{&ast.Field{Label: label(labels[i], token.Blank), Value: v}}}
	}
	return &ast.Field{Label: label(labels[0], token.NewSection), Value: v}
}

// label is a field label: an identifier where CUE allows one, else a
// quoted string (a name with a dash; one starting with # or _, which
// unquoted would be a definition or a hidden field).
func label(name string, pos token.RelPos) ast.Label {
	var l ast.Label = ast.NewString(name)
	if ast.IsValidIdent(name) && !strings.HasPrefix(name, "#") && !strings.HasPrefix(name, "_") {
		l = ast.NewIdent(name)
	}
	ast.SetPos(l, pos.Pos())
	return l
}

// expr is a plain value as CUE syntax.
func expr(v any) (ast.Expr, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	x, err := cuejson.Extract("value", data)
	if err != nil {
		return nil, err
	}
	// Extract positions the value in its own "file": positions from
	// another file would confuse the formatter.
	ast.Walk(x, func(n ast.Node) bool {
		ast.SetPos(n, token.NoPos)
		return true
	}, nil)
	return x, nil
}
