package generator_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/targets"
)

// TestGoKnowsNoDefaultModelName: degen is for any stack, so no string in the
// non-test Go code of generator/ and cmd/ may name one of the default
// model's services, groups, project or topics. The names come from the
// default model itself; a word of a string literal that equals one fails.
// Names that are also words of the general schema (a group called
// "services") or names of degen's own targets (a service called
// "prometheus") are skipped: Go must be able to name its schema and targets.
func TestGoKnowsNoDefaultModelName(t *testing.T) {
	m, err := load.Load(load.Options{Dir: ".."})
	if err != nil {
		t.Fatal(load.Format(err, ".."))
	}
	schemaWords := map[string]bool{"services": true, "default": true, "network": true, "monitoring": true}
	for _, t := range targets.Names() {
		schemaWords[t] = true
	}
	names := map[string]string{}
	for _, env := range m.Envs {
		names[env.Project.Name] = "project"
		for name, s := range env.Services {
			names[name] = "service"
			names[s.Group] = "group"
		}
		var data struct {
			Topics map[string]any `json:"topics"`
		}
		b, _ := json.Marshal(env.Data)
		json.Unmarshal(b, &data)
		for topic := range data.Topics {
			names[topic] = "topic"
		}
	}
	for w := range schemaWords {
		delete(names, w)
	}
	if len(names) < 20 {
		t.Fatalf("only %d names read from the default model: %v", len(names), names)
	}
	word := regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9-]*`)
	var found []string
	for _, dir := range []string{".", "../cmd"} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() && (d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				for _, w := range word.FindAllString(lit.Value, -1) {
					if kind, ok := names[w]; ok {
						found = append(found, fset.Position(lit.Pos()).String()+": "+kind+" "+w+" in "+lit.Value)
					}
				}
				return true
			})
			return nil
		})
	}
	sort.Strings(found)
	if len(found) > 0 {
		t.Errorf("Go names the default model:\n%s", strings.Join(found, "\n"))
	}
}
