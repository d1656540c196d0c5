package generator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// problemShapes are the types a producer builds a problem of, by the name a
// file outside their package writes (package.Type), and the fields each
// literal must set: a code (or a policy's rule) that names the kind of
// problem, and a path that the one locator turns into a position. A
// diag.Diagnostic may give its position instead of a path (a generated
// file, a Compose file), and a note (a summary) neither.
var problemShapes = map[string][]string{
	"target.Warning":   {"Code", "Path"},
	"model.Note":       {"Code", "Path"},
	"policy.Violation": {"Rule", "Path"},
	"diag.Diagnostic":  {"Source", "Code", "Path|Pos"},
}

// TestProblemsHaveCodeAndPath: every problem a producer of generator/ or
// the CLI emits names its kind (a code) and where it is (a model path,
// or a position), so that it is acknowledged by source/code/subject,
// merged across environments and printed at the user's line; and every
// model.Errorf names a path. A literal that leaves one out fails here.
func TestProblemsHaveCodeAndPath(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range []string{".", filepath.Join("..", "cmd", "degen")} {
		err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return fs.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				return err
			}
			pkg := f.Name.Name
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CompositeLit:
					if lit, ok := x.Type.(*ast.ArrayType); ok {
						if want := problemShapes[typeName(lit.Elt, pkg)]; want != nil {
							for _, e := range x.Elts {
								if el, ok := e.(*ast.CompositeLit); ok && el.Type == nil {
									checked++
									checkFields(t, fset, el, typeName(lit.Elt, pkg), want)
								}
							}
						}
						return true
					}
					if want := problemShapes[typeName(x.Type, pkg)]; want != nil && len(x.Elts) > 0 {
						checked++
						checkFields(t, fset, x, typeName(x.Type, pkg), want)
					}
				case *ast.CallExpr:
					if typeName(x.Fun, pkg) == "model.Errorf" && len(x.Args) >= 2 {
						checked++
						if b, ok := x.Args[1].(*ast.BasicLit); ok && b.Kind == token.STRING {
							if s, _ := strconv.Unquote(b.Value); s == "" {
								t.Errorf("%s: model.Errorf without a path: name the model path of the value at fault (model.P)", fset.Position(x.Pos()))
							}
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d problem literals found: the walk misses the producers", checked)
	}
}

// typeName is e as package.Type, a name of pkg qualified with it.
func typeName(e ast.Expr, pkg string) string {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name + "." + x.Sel.Name
		}
	case *ast.Ident:
		return pkg + "." + x.Name
	}
	return ""
}

func checkFields(t *testing.T, fset *token.FileSet, lit *ast.CompositeLit, typ string, want []string) {
	t.Helper()
	set := map[string]bool{}
	note := false
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return // positional: every field is set
		}
		k, _ := kv.Key.(*ast.Ident)
		if k == nil {
			continue
		}
		set[k.Name] = true
		if k.Name == "Severity" {
			if v, ok := kv.Value.(*ast.SelectorExpr); ok && v.Sel.Name == "Note" {
				note = true
			}
		}
	}
	for _, w := range want {
		if strings.Contains(w, "|") && note {
			continue
		}
		found := false
		for _, alt := range strings.Split(w, "|") {
			found = found || set[alt]
		}
		if !found {
			t.Errorf("%s: a %s without %s: every problem names its kind (a code) and where it is (a model path)", fset.Position(lit.Pos()), typ, w)
		}
	}
}
