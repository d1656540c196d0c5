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
	eachModuleImport(t, files, func(at token.Position, rel string) {
		if rel != "generator/model" && rel != "generator/target" && !strings.HasPrefix(rel, "generator/internal/") {
			t.Errorf("%s imports %s%s: a target imports only generator/model, generator/target and generator/internal/…", at, module, rel)
		}
	})
}

// eachModuleImport calls fn with the position and the module-relative path
// (generator/model) of every import of degen's own packages in the Go
// files among files that are not tests.
func eachModuleImport(t *testing.T, files []string, fn func(at token.Position, rel string)) {
	t.Helper()
	const module = "github.com/degen-dev/degen/"
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
			if rel, ok := strings.CutPrefix(p, module); ok {
				fn(fset.Position(imp.Pos()), rel)
			}
		}
	}
}
