package generator_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPolicyDoesNotImportLoad: package policy (outside _test.go files)
// does not import package load, directly or through another package of
// degen. The policies get what they need of the loader through
// policy.Loader, which load.Policies implements.
func TestPolicyDoesNotImportLoad(t *testing.T) {
	const module = "github.com/degen-dev/degen/"
	const from, forbidden = "generator/policy", "generator/load"
	fset := token.NewFileSet()
	// via maps each package reached to the package that imports it.
	via := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		pkg := queue[0]
		queue = queue[1:]
		files, err := filepath.Glob(filepath.Join("..", filepath.FromSlash(pkg), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no Go file in %s", pkg)
		}
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
				if _, seen := via[rel]; seen {
					continue
				}
				via[rel] = pkg
				if rel == forbidden {
					chain := []string{rel}
					for at := pkg; at != ""; at = via[at] {
						chain = append([]string{at}, chain...)
					}
					t.Errorf("%s imports %s (%s): the policies reach the loader through policy.Loader (load.Policies), not by importing it", fset.Position(imp.Pos()), p, strings.Join(chain, " → "))
					continue
				}
				queue = append(queue, rel)
			}
		}
	}
	if len(via) < 3 {
		t.Fatalf("only %d packages reached from %s: the walk is broken", len(via), from)
	}
}
