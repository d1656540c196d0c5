package load

import (
	"slices"
	"sort"
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

func resolveBaseAlone(root string) (env *model.Environment, ok bool) {
	// A panic here (CUE has had them) falls back to the main context, which
	// then reports what it meets.
	defer func() {
		if recover() != nil {
			env, ok = nil, false
		}
	}()
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
	_, ok := keepEnvironments(files, nil)
	return ok
}

// keepEnvironments drops from files the environments other than those in
// keep (all of them when keep is nil) and returns the names of every
// environment the files define. It reports false, and the files must then
// not be used, when it cannot be sure that nothing left reaches a dropped
// environment: a top-level declaration without a fixed label, an
// environments field that is not a struct of fixed labels (the pattern
// constraint [Name=string]: … excepted), an aliased environments field, or
// an identifier named environments anywhere but in those labels.
func keepEnvironments(files []*ast.File, keep map[string]bool) (defined []string, ok bool) {
	var kept []*ast.Field
	for _, f := range files {
		decls := f.Decls[:0]
		for _, d := range f.Decls {
			switch x := d.(type) {
			case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute, *ast.LetClause:
			case *ast.Field:
				if !fixedLabel(x.Label) {
					return nil, false
				}
				if !labelIs(x.Label, model.PathEnvironments) {
					break
				}
				if _, aliased := x.Label.(*ast.Alias); aliased {
					// E=environments: what is left may use E.
					return nil, false
				}
				names, ok := filterEnvironments(x, keep)
				if !ok {
					return nil, false
				}
				defined = append(defined, names...)
				if keep == nil {
					continue
				}
				kept = append(kept, x)
			default:
				return nil, false
			}
			decls = append(decls, d)
		}
		f.Decls = decls
	}
	clean := true
	visit := func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == model.PathEnvironments {
			clean = false
		}
		return clean
	}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.Field); ok && slices.Contains(kept, fd) {
				// Its label is the field itself; only its value could refer.
				ast.Walk(fd.Value, visit, nil)
				continue
			}
			ast.Walk(d, visit, nil)
		}
	}
	if !clean {
		return nil, false
	}
	sort.Strings(defined)
	return slices.Compact(defined), true
}

// filterEnvironments keeps, in the value of a top-level environments
// field, the environments of keep and the pattern constraints, and returns
// the names it holds. The value must be a struct whose fields have fixed
// labels (or are pattern constraints).
func filterEnvironments(f *ast.Field, keep map[string]bool) ([]string, bool) {
	st, ok := f.Value.(*ast.StructLit)
	if !ok {
		return nil, false
	}
	var names []string
	elts := st.Elts[:0]
	for _, e := range st.Elts {
		switch x := e.(type) {
		case *ast.CommentGroup:
		case *ast.Field:
			if _, pattern := x.Label.(*ast.ListLit); pattern {
				break
			}
			name, ok := labelName(x.Label)
			if !ok {
				return nil, false
			}
			if _, aliased := x.Label.(*ast.Alias); aliased {
				return nil, false
			}
			names = append(names, name)
			if !keep[name] {
				continue
			}
		default:
			return nil, false
		}
		elts = append(elts, e)
	}
	st.Elts = elts
	return names, true
}

// labelName returns the name a fixed label gives its field.
func labelName(l ast.Label) (string, bool) {
	switch x := l.(type) {
	case *ast.Ident:
		return x.Name, true
	case *ast.BasicLit:
		s, err := literal.Unquote(x.Value)
		return s, err == nil
	case *ast.Alias:
		if e, ok := x.Expr.(ast.Label); ok {
			return labelName(e)
		}
	}
	return "", false
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
	n, ok := labelName(l)
	return ok && n == name
}
