package load

import (
	"path/filepath"
	"slices"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
)

// The base is #Base of the untagged files. An environment's instance holds
// those files too, so when the environment's own files cannot change what
// #Base evaluates to, the base is read from that instance instead of an
// instance of its own: a build evaluates one instance fewer (a fifth of a
// build's evaluation with four environments, a half of a build after
// editing one) and holds one context less in memory. baseFromEnv says when
// that is so, from the syntax alone; otherwise, or when anything fails,
// the base instance is evaluated as before and reports its errors its way.

// baseFromEnv returns the base read from v, the evaluated instance of the
// tagged environment name, whose files are files and reads the repository
// files it read; nil when the base must be evaluated in an instance of its
// own:
//   - a file of the environment declares anything at the top level but
//     environments (a #Param, a field of #Base), which the base instance
//     would not see;
//   - a file refers to environments, or names a value by an alias, so
//     that what is unified into #Base might depend on which environments
//     the instance holds;
//   - the untagged files define environments (the base instance resolves
//     them) or v holds another environment;
//   - #Base does not decode (the base instance says why).
func baseFromEnv(repo *repofs.Repo, root, name string, v cue.Value, files []*ast.File, reads []string, plan *Plan, opts *Options, mu *sync.Mutex) *instanceResult {
	own := plan.Tagged[name]
	for _, f := range files {
		rel, err := filepath.Rel(root, f.Filename)
		if err != nil {
			return nil
		}
		if slices.Contains(own, filepath.ToSlash(rel)) && !onlyEnvironments(f) || mayReferToEnvironments(f) {
			return nil
		}
	}
	envsV := v.LookupPath(cue.ParsePath(model.PathEnvironments))
	names, err := envNames(envsV)
	if err != nil || !slices.Equal(names, []string{name}) {
		return nil
	}
	base, err := decodeBase(v, root)
	if err != nil {
		return nil
	}
	// What the base instance would read: the environment's own files
	// left out (a file they embed stays: a needless miss of the cache at
	// worst).
	var baseReads []string
	for _, rel := range reads {
		if !slices.Contains(own, rel) {
			baseReads = append(baseReads, rel)
		}
	}
	setBaseSource(repo, root, base, mu, baseReads, opts)
	if !opts.Keep {
		dropValue(base)
	}
	return &instanceResult{env: base, listed: true, envsPos: envsV.Pos(), errs: map[string]error{}}
}

// onlyEnvironments reports whether the top level of f declares nothing but
// fields named environments (besides its package clause, imports,
// attributes and comments).
func onlyEnvironments(f *ast.File) bool {
	for _, d := range f.Decls {
		switch x := d.(type) {
		case *ast.Package, *ast.ImportDecl, *ast.Attribute, *ast.CommentGroup:
		case *ast.Field:
			if id, ok := x.Label.(*ast.Ident); !ok || id.Name != model.PathEnvironments {
				if lit, ok := x.Label.(*ast.BasicLit); !ok || !labelIs(lit, model.PathEnvironments) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// mayReferToEnvironments reports whether f names environments anywhere but
// as the plain label of a field, or holds an alias other than a pattern's
// ([Name=string]: …).
func mayReferToEnvironments(f *ast.File) bool {
	found := false
	var visit func(ast.Node) bool
	visit = func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Alias:
			found = true
		case *ast.Field:
			switch l := x.Label.(type) {
			case *ast.Ident, *ast.BasicLit:
				// A plain label is no reference: only its value is.
			case *ast.ListLit:
				// A pattern, [Name=string]: its alias names the key,
				// within the field only; its constraint may refer.
				for _, e := range l.Elts {
					if a, ok := e.(*ast.Alias); ok {
						e = a.Expr
					}
					ast.Walk(e, visit, nil)
				}
			default:
				return true
			}
			if x.Value != nil {
				ast.Walk(x.Value, visit, nil)
			}
			return false
		case *ast.Ident:
			found = found || x.Name == model.PathEnvironments
		}
		return !found
	}
	ast.Walk(f, visit, nil)
	return found
}
