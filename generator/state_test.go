package generator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPackageState keeps generator/ free of package-level mutable state:
// outside _test.go files, a package-level var may only be a compile-time
// interface assertion (var _ I = T{}), a regexp compiled once
// (regexp.MustCompile) or an error sentinel (errors.New). A table or a cache
// belongs in a function that returns a fresh value, in a constant, or in a
// value a build creates (see target.PerBuild).
func TestNoPackageState(t *testing.T) {
	bad := packageVars(t, ".")
	for _, b := range bad {
		t.Errorf("%s: package-level var %s: make it a constant, a function returning a fresh value, or state of a value the caller creates", b.pos, b.name)
	}
}

// TestNoPackageStateFails proves the check sees what it must refuse.
func TestNoPackageStateFails(t *testing.T) {
	dir := t.TempDir()
	src := `package p

import (
	"errors"
	"regexp"
	"sync"
)

type I interface{ M() }
type T struct{}

func (T) M() {}

var _ I = T{}
var re = regexp.MustCompile("a+")
var ErrX = errors.New("x")

var table = map[string]int{"a": 1}
var (
	cache sync.Mutex
	_     = table
)
var Names = []string{"a"}
var a, b = regexp.MustCompile("a"), 2
`
	if err := writeFile(filepath.Join(dir, "p.go"), src); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "p_test.go"), "package p\n\nvar fine = map[string]int{}\n"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range packageVars(t, dir) {
		got = append(got, b.name)
	}
	if want := "table cache _ Names b"; strings.Join(got, " ") != want {
		t.Fatalf("refused %v, want %s", got, want)
	}
}

type packageVar struct {
	pos  token.Position
	name string
}

// packageVars returns the package-level vars under root, outside _test.go
// files and testdata, that are none of the allowed kinds.
func packageVars(t *testing.T, root string) []packageVar {
	t.Helper()
	var bad []packageVar
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					var value ast.Expr
					if i < len(vs.Values) {
						value = vs.Values[i]
					}
					if !allowedVar(name, vs.Type, value) {
						bad = append(bad, packageVar{fset.Position(name.Pos()), name.Name})
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

// allowedVar reports whether a package-level var is immutable in effect.
func allowedVar(name *ast.Ident, typ, value ast.Expr) bool {
	if name.Name == "_" && typ != nil {
		return true // var _ I = T{}: a compile-time assertion
	}
	call, ok := value.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch pkg.Name + "." + sel.Sel.Name {
	case "regexp.MustCompile", "errors.New":
		return true
	}
	return false
}

func writeFile(name, data string) error { return os.WriteFile(name, []byte(data), 0o644) }
