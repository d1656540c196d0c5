package load

import (
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"cuelang.org/go/cue/parser"

	"github.com/degen-dev/degen/generator/model"
)

// TestBaseFromEnvDefaultModel: the default model's environment files
// declare environments alone, so the base is read from an environment's
// instance, and it is the base instance's, field for field.
func TestBaseFromEnvDefaultModel(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := OpenRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	plan, err := scan(repo, root)
	if err != nil {
		t.Fatal(err)
	}
	v, built, err := evalInstance(repo, root, nil, nil)
	if !built || err != nil {
		t.Fatal(err)
	}
	want, err := decodeBase(v, root)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	for _, name := range plan.Names() {
		v, files, reads, built, err := evalInstanceFiles(repo, root, []string{model.EnvTag(name)}, nil, nil)
		if !built || err != nil {
			t.Fatal(err)
		}
		r := baseFromEnv(repo, root, name, v, files, reads, plan, &Options{trees: newTrees(root)}, &sync.Mutex{})
		if r == nil {
			t.Fatalf("%s: the base is not read from the environment's instance", name)
		}
		got, _ := json.Marshal(r.env)
		if string(got) != string(wantJSON) {
			t.Errorf("%s: the base read from the environment differs from the base instance's", name)
		}
		for _, rel := range Reads(r.env) {
			for _, own := range plan.Tagged[name] {
				if rel == own {
					t.Errorf("%s: the base lists %s among its reads", name, rel)
				}
			}
		}
	}
}

// TestBaseFromEnvSyntax: an environment file that declares more than
// environments, or a file that may read environments, keeps the base
// instance.
func TestBaseFromEnvSyntax(t *testing.T) {
	for _, c := range []struct {
		src               string
		onlyEnvs, mayRead bool
	}{
		{"@if(prod)\npackage envs\nimport \"strings\"\n// c\nenvironments: prod: {x: strings.ToUpper(\"a\")}\n", true, false},
		{"package envs\n\"environments\": prod: services: environments: 1\n", true, false},
		{"@if(prod)\npackage envs\n#Params: replicas: 3\nenvironments: prod: {}\n", false, false},
		{"@if(prod)\npackage envs\n{environments: prod: {}}\n", false, false},
		{"package envs\n#Base: n: len(environments)\n", false, true},
		{"package envs\nE=environments: {}\n#Base: n: len(E)\n", false, true},
		{"package envs\n#Base: {let e = environments\nn: len(e)}\n", false, true},
		{"package envs\n(\"env\" + \"ironments\"): prod: {}\n", false, false},
		{"package envs\nenvironments: [Name=string]: {name: Name}\n", true, false},
		{"package envs\nx: [N=string]: environments[N]\n", false, true},
		{"package envs\nx: [N=or([for k, _ in environments {k}])]: 1\n", false, true},
	} {
		f, err := parser.ParseFile("x.cue", c.src)
		if err != nil {
			t.Fatal(err)
		}
		if got := onlyEnvironments(f); got != c.onlyEnvs {
			t.Errorf("onlyEnvironments(%q) = %v, want %v", c.src, got, c.onlyEnvs)
		}
		if got := mayReferToEnvironments(f); got != c.mayRead {
			t.Errorf("mayReferToEnvironments(%q) = %v, want %v", c.src, got, c.mayRead)
		}
	}
}
