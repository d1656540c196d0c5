package generator_test

import (
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyDoesNotImportLoad: package policy (outside _test.go files)
// does not import package load, directly or through another package of
// degen. The policies get what they need of the loader through
// policy.Loader, which load.Policies implements.
func TestPolicyDoesNotImportLoad(t *testing.T) {
	const from, forbidden = "generator/policy", "generator/load"
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
		eachModuleImport(t, files, func(at token.Position, rel string) {
			if _, seen := via[rel]; seen {
				return
			}
			via[rel] = pkg
			if rel == forbidden {
				chain := []string{rel}
				for p := pkg; p != ""; p = via[p] {
					chain = append([]string{p}, chain...)
				}
				t.Errorf("%s imports %s (%s): the policies reach the loader through policy.Loader (load.Policies), not by importing it", at, rel, strings.Join(chain, " → "))
				return
			}
			queue = append(queue, rel)
		})
	}
	if len(via) < 3 {
		t.Fatalf("only %d packages reached from %s: the walk is broken", len(via), from)
	}
}
