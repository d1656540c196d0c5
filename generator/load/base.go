package load

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"

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

// sideResult is what the second context resolved: the base (nil when it
// could not: the main context then resolves it) and, when one was asked
// for, an environment or the error that stops it.
type sideResult struct {
	base *model.Environment
	env  *model.Environment
	err  error
}

// startSide resolves, in a goroutine and a CUE context of its own, the base
// of the module at root and, unless env is "", that environment. With env,
// the caller has checked that the files can be split by environment.
func startSide(root, env string) <-chan sideResult {
	ch := make(chan sideResult, 1)
	go func() { ch <- resolveSide(root, env) }()
	return ch
}

func resolveSide(root, name string) (r sideResult) {
	// A panic (CUE has had them) leaves the base to the main context; an
	// environment asked for fails with it.
	defer func() {
		if p := recover(); p != nil {
			r = sideResult{}
			if name != "" {
				r.err = fmt.Errorf("internal error resolving environment %s, please report it: %v", name, p)
			}
		}
	}()
	inst, err := parse(root)
	if err != nil {
		// The main context parsed the same files; this is unlikely, but an
		// environment asked for must not go missing silently.
		if name != "" {
			r.err = err
		}
		return r
	}
	keep := func(n string) bool { return n == name }
	if name == "" {
		keep = nil
	}
	if _, ok := keepEnvironments(inst.Files, keep); !ok {
		if name != "" {
			r.err = fmt.Errorf("internal error: the files of %s could not be split by environment a second time", model.EnvsPackage)
		}
		return r
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		if name != "" {
			r.err = err
		}
		return r
	}
	// Only r's environments use this context, but PosOf locks: they share
	// a lock of their own.
	mu := &sync.Mutex{}
	if base, err := decodeBase(v, root); err == nil {
		base.Root = root
		setLock(base, mu)
		r.base = base
	}
	if name == "" {
		return r
	}
	env, err := decodeEnv(v.LookupPath(cue.MakePath(cue.Str(model.PathEnvironments), cue.Str(name))))
	if err != nil {
		r.err = err
		return r
	}
	env.Root = root
	setLock(env, mu)
	if err := Validate(env); err != nil {
		r.err = err
		return r
	}
	r.env = env
	return r
}

// keepEnvironments drops from files the environments keep does not accept
// (the whole environments fields when keep is nil) and returns the names of every
// environment the files define. It reports false, and the files must then
// not be used, when it cannot be sure that nothing left reaches a dropped
// environment: a top-level declaration without a fixed label, an
// environments field that is not a struct of fixed labels (the pattern
// constraint [Name=string]: … excepted), an aliased environments field, or
// an identifier named environments anywhere but in those labels.
func keepEnvironments(files []*ast.File, keep func(name string) bool) (defined []string, ok bool) {
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
func filterEnvironments(f *ast.Field, keep func(string) bool) ([]string, bool) {
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
			if keep == nil || !keep(name) {
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
