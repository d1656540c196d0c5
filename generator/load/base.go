package load

import (

	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/load"

	"github.com/degen-dev/degen/generator/model"
)

// The base (#Base with no delta) is resolved in a CUE context of its own,
// in a goroutine, while the main context evaluates the environments: on two
// cores it costs no time on the build's path. That context is given the
// model's files without their top-level environments fields, so that it
// evaluates #Base and the schema and no environment.
//
// Dropping those fields cannot change #Base unless something refers to
// them; the package's own scope is the only way to reach a field in CUE, so
// when any identifier or label named environments is left after the
// top-level fields are dropped (a reference, an embedding, a comprehension
// that makes the field), the files are not stripped: the base is then
// resolved in the main context, after the environments, as it would be
// without this shortcut. Any error does the same, so that errors are
// reported, with their positions, by the main context alone.

// sideBase is the result of resolving the base beside the environments.
type sideBase struct {
	env *model.Environment
	ok  bool
}

// startBase resolves the base of the module at root in a goroutine. The
// result is ok only when the files could be stripped and the base resolved
// without error.
func startBase(root string) <-chan sideBase {
	ch := make(chan sideBase, 1)
	go func() {
		env, ok := resolveBaseAlone(root)
		ch <- sideBase{env, ok}
	}()
	return ch
}

func resolveBaseAlone(root string) (*model.Environment, bool) {
	insts := load.Instances([]string{model.EnvsPackage}, &load.Config{Dir: root})
	if len(insts) != 1 || insts[0].Err != nil {
		return nil, false
	}
	if !stripEnvironments(insts[0].Files) {
		return nil, false
	}
	v := cuecontext.New().BuildInstance(insts[0])
	if v.Err() != nil {
		return nil, false
	}
	base, err := decodeBase(v)
	if err != nil {
		return nil, false
	}
	// Only this environment uses the new context from now on, but
	// PosOf locks; give it a lock of its own.
	base.Root, base.CUE = root, &sync.Mutex{}
	return base, true
}

// stripEnvironments drops the top-level environments fields of files and
// reports whether the rest can no longer reach them: every top-level
// declaration left has a fixed label (no comprehension, embedding or
// dynamic label that could make an environments field) and no identifier
// named environments is left anywhere.
func stripEnvironments(files []*ast.File) bool {
	for _, f := range files {
		decls := f.Decls[:0]
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.Field); ok && labelIs(fd.Label, model.PathEnvironments) {
				if _, aliased := fd.Label.(*ast.Alias); aliased {
					// E=environments: what is left may use E.
					return false
				}
				continue
			}
			decls = append(decls, d)
		}
		f.Decls = decls
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch x := d.(type) {
			case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute, *ast.LetClause:
			case *ast.Field:
				if !fixedLabel(x.Label) {
					return false
				}
			default:
				return false
			}
		}
	}
	clean := true
	for _, f := range files {
		ast.Walk(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == model.PathEnvironments {
				clean = false
			}
			return clean
		}, nil)
	}
	return clean
}

// fixedLabel reports whether a label is an identifier or a plain string,
// possibly behind an alias.
func fixedLabel(l ast.Label) bool {
	switch x := l.(type) {
	case *ast.Ident:
		return true
	case *ast.BasicLit:
		_, err := literal.Unquote(x.Value)
		return err == nil
	case *ast.Alias:
		if e, ok := x.Expr.(ast.Label); ok {
			return fixedLabel(e)
		}
	}
	return false
}

// labelIs reports whether a field label is name, written as an identifier,
// a quoted string or behind an alias (E=environments).
func labelIs(l ast.Label, name string) bool {
	switch x := l.(type) {
	case *ast.Ident:
		return x.Name == name
	case *ast.BasicLit:
		s, err := literal.Unquote(x.Value)
		return err == nil && s == name
	case *ast.Alias:
		if e, ok := x.Expr.(ast.Label); ok {
			return labelIs(e, name)
		}
	}
	return false
}
