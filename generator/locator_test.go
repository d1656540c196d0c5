package generator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOneLocator: a model path becomes file:line:col in one place, the
// locator of generator/load (load.Place, load.Line, Trees), from the
// syntax trees the Load kept. The second locator that evaluated an
// environment's CUE value again to ask it for a position (PosOf, PosAt,
// DecidingPos) is gone and stays gone, and no package outside
// generator/load takes a position apart itself: no call of a Pos()
// method, nor of Filename, Line or Column on what it returns. The
// exceptions are named with their reason; an exception that is no longer
// needed fails too, so that the list only shrinks.
func TestOneLocator(t *testing.T) {
	removed := []string{"PosOf", "PosAt", "DecidingPos"}
	lowLevel := []string{"Pos", "Filename", "Line", "Column"}
	exempt := map[string]string{
		// The rules' own positions in policies/*.cue, and the
		// violations' positions, which the policy package still
		// looks up itself until it stops importing load.
		"generator/policy": "policy files and violations",
		// explain lists every conjunct of a value with its
		// position: CUE's answer to "where does this come from". The
		// line it shows there is the Load's (load.SourceLine).
		"generator/explain": "the conjuncts explain lists",
		// promote edits the syntax of an environment's file and keeps
		// the edited nodes' positions, so that cue/format lays the
		// file out as it was: no report's position.
		"generator/promote": "the positions of edited syntax",
	}
	used := map[string]bool{}
	fset := token.NewFileSet()
	var files int
	for _, top := range []string{".", filepath.Join("..", "cmd")} {
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != top {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			files++
			pkg := filepath.ToSlash(filepath.Dir(path))
			if rel, ok := strings.CutPrefix(pkg, "../"); ok {
				pkg = rel
			} else if pkg == "." {
				pkg = "generator"
			} else {
				pkg = "generator/" + pkg
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var name string
				switch x := n.(type) {
				case *ast.FuncDecl:
					name = x.Name.Name
				case *ast.SelectorExpr:
					name = x.Sel.Name
				}
				if slices.Contains(removed, name) {
					t.Errorf("%s: %s is the locator that evaluated CUE again for a position: use load.Place (a diagnostic) or load.Line (a CUE error)", fset.Position(n.Pos()), name)
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 0 || pkg == "generator/load" || strings.HasPrefix(pkg, "generator/load/") {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !slices.Contains(lowLevel, sel.Sel.Name) {
					return true
				}
				if _, ok := exempt[pkg]; ok {
					used[pkg] = true
					return true
				}
				t.Errorf("%s: %s calls %s(): a position is the locator's (load.Place for a model path), not a package's own", fset.Position(call.Pos()), pkg, sel.Sel.Name)
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 50 {
		t.Fatalf("only %d Go files seen: the walk missed the repository", files)
	}
	for pkg, why := range exempt {
		if !used[pkg] {
			t.Errorf("%s no longer takes positions apart (%s): remove its exception", pkg, why)
		}
	}
}

// TestNoRereadAfterLoad: a position, and the source line explain shows
// for it, come from what the Load kept (load.Trees: the syntax trees and
// the bytes they were parsed from), never from reading a model file again.
// The packages that place, print or explain problems, and the locator's
// files of generator/load, open no file; and the helper that re-read one
// (SourceFile) stays gone.
func TestNoRereadAfterLoad(t *testing.T) {
	reads := []string{"OpenRepo", "ReadFile", "Open", "OpenFile", "OpenRoot", "OpenInRoot", "ReadDir", "SourceFile", "SchemaFile"}
	pkgs := []string{"explain", "policy", "diag"}
	locator := []string{"locate.go", "where.go", "format.go", "messages.go", "diagnostic.go", "pos.go", "ordinal.go"}
	fset := token.NewFileSet()
	var checked int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		dir, base := filepath.ToSlash(filepath.Dir(path)), filepath.Base(path)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Name.Name == "SourceFile" {
				t.Errorf("%s: SourceFile read a model file again after the Load: serve the line from load.Trees (SourceLine)", fset.Position(fd.Pos()))
			}
		}
		if !slices.Contains(pkgs, dir) && !(dir == "load" && slices.Contains(locator, base)) {
			return nil
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && slices.Contains(reads, sel.Sel.Name) {
				t.Errorf("%s: %s calls %s: a problem's position and line come from what the Load kept (load.Trees), not from reading a file again", fset.Position(call.Pos()), path, sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < len(pkgs)+len(locator) {
		t.Fatalf("only %d files checked: the walk missed the packages", checked)
	}
}
