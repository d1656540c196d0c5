package load

import (
	"encoding/json"
	"fmt"
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
	side := resolveSide(root, "").base
	if side == nil {
		t.Fatal("the default model's base was not resolved beside the environments")
	}
	inst, err := parse(root)
	if err != nil {
		t.Fatal(err)
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	main, err := decodeBase(v, root)
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
			_, ok := keepEnvironments([]*ast.File{f}, nil)
			if ok != c.ok {
				t.Fatalf("keepEnvironments(nil) = %v, want %v", ok, c.ok)
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

// TestKeepEnvironments: with one environment asked for, the others are
// dropped from every spelling of the environments field, the pattern
// constraint stays, and every name is still reported.
func TestKeepEnvironments(t *testing.T) {
	const head = "package envs\n\n#Base: {name: _}\nenvironments: [N=string]: #Base & {name: N}\n"
	cases := []struct {
		name, src string
		ok        bool
		defined   string
		left      int // environments left, pattern excluded
	}{
		{"files", "environments: dev: {}\nenvironments: prod: {x: 1}\n", true, "[dev prod]", 1},
		{"one struct", "environments: {dev: {}, \"prod\": {}, staging: {}}\n", true, "[dev prod staging]", 1},
		{"twice", "environments: prod: {}\nenvironments: prod: x: 1\n", true, "[prod]", 2},
		{"not a struct", "environments: _e\n_e: {prod: {}}\n", false, "", 0},
		{"comprehension", "environments: {for n in [\"a\"] {(n): {}}}\n", false, "", 0},
		{"aliased env", "environments: P=prod: {}\nx: P\n", false, "", 0},
		{"reference in a dropped one", "environments: dev: x: environments.prod.x\nenvironments: prod: {}\n", true, "[dev prod]", 1},
		{"reference in the kept one", "environments: prod: x: environments.dev.x\nenvironments: dev: {}\n", false, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parser.ParseFile("stack.cue", head+c.src)
			if err != nil {
				t.Fatal(err)
			}
			names, ok := keepEnvironments([]*ast.File{f}, func(n string) bool { return n == "prod" })
			if ok != c.ok {
				t.Fatalf("keepEnvironments ok = %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			if got := fmt.Sprint(names); got != c.defined {
				t.Errorf("defined = %s, want %s", got, c.defined)
			}
			left := 0
			for _, d := range f.Decls {
				fd, isField := d.(*ast.Field)
				if !isField || !labelIs(fd.Label, "environments") {
					continue
				}
				for _, e := range fd.Value.(*ast.StructLit).Elts {
					if ef, ok := e.(*ast.Field); ok {
						if n, fixed := labelName(ef.Label); fixed {
							if n != "prod" {
								t.Errorf("environment %s left", n)
							}
							left++
						}
					}
				}
			}
			if left != c.left {
				t.Errorf("%d prod fields left, want %d", left, c.left)
			}
		})
	}
}
