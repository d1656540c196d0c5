package generator_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTargetsAreSiblings: a target package (generator/targets/*, outside
// _test.go files) imports from degen only generator/model, generator/target
// and generator/internal/…, never another target. What two targets share is
// an internal package.
func TestTargetsAreSiblings(t *testing.T) {
	const module = "github.com/degen-dev/degen/"
	files, err := filepath.Glob(filepath.Join("targets", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no target package found")
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			rel, ok := strings.CutPrefix(p, module)
			if !ok {
				continue
			}
			if rel != "generator/model" && rel != "generator/target" && !strings.HasPrefix(rel, "generator/internal/") {
				t.Errorf("%s imports %s: a target imports only generator/model, generator/target and generator/internal/…", fset.Position(imp.Pos()), p)
			}
		}
	}
}
