package load

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// TestSideBaseMatchesMain: the base resolved beside the environments, from
// the files without their environments fields, is the base the main
// context resolves.
func TestSideBaseMatchesMain(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	side, ok := resolveBaseAlone(root)
	if !ok {
		t.Fatal("the default model's base was not resolved beside the environments")
	}
	v, err := buildInstance(cuecontext.New(), root)
	if err != nil {
		t.Fatal(err)
	}
	main, err := decodeBase(v)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(side)
	b, _ := json.Marshal(main)
	if string(a) != string(b) {
		t.Errorf("the two bases differ:\nside: %s\nmain: %s", a, b)
	}
	if len(side.Services) < 20 {
		t.Errorf("the base has %d services", len(side.Services))
	}
}

// TestStripEnvironments: the top-level environments fields are dropped, in
// any spelling; files from which what is left could still reach or make
// them are refused (and the base is then resolved in the main context).
func TestStripEnvironments(t *testing.T) {
	const head = "package envs\n\nimport \"strings\"\n\n#Base: {name: _, n: strings.ToUpper(name)}\nenvironments: [N=string]: #Base & {name: N}\n"
	cases := []struct {
		name, src string
		ok        bool
	}{
		{"plain", "environments: dev: {}\n", true},
		{"quoted", "\"environments\": dev: {}\n", true},
		{"aliased", "E=environments: prod: {}\n", false},
		{"let elsewhere", "let L = 3\nx: L\n", true},
		{"reference", "x: len(environments)\n", false},
		{"nested reference", "y: {z: environments.dev}\n", false},
		{"comprehension", "for n in [\"a\"] {environments: (n): {}}\n", false},
		{"embedding", "{environments: a: {}}\n", false},
		{"dynamic label", "(\"environ\" + \"ments\"): b: {}\n", false},
		{"let", "let E = environments\nw: E\n", false},
		{"alias used", "E=environments: prod: {}\nw: E.prod\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parser.ParseFile("stack.cue", head+c.src)
			if err != nil {
				t.Fatal(err)
			}
			ok := stripEnvironments([]*ast.File{f})
			if ok != c.ok {
				t.Fatalf("stripEnvironments = %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			for _, d := range f.Decls {
				if fd, isField := d.(*ast.Field); isField && labelIs(fd.Label, "environments") {
					t.Errorf("an environments field is left at %v", fd.Pos())
				}
			}
			if len(f.Decls) < 3 {
				t.Errorf("only %d declarations left: more than environments was dropped", len(f.Decls))
			}
		})
	}
}
