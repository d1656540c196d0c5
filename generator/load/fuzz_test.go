package load

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
)

// FuzzLoad adds arbitrary text to the default model as one more file of
// the envs package and loads it: whatever the text, Load returns a model or
// an error, never panics, and a CUE error names at least one position in a
// file of the model. `go test` runs the seeds; `go test -fuzz FuzzLoad`
// searches further.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"package envs\n",
		"package envs\nenvironments: prod: data: kafka: partitions: 24\n",
		"package envs\nenvironments: prod: services: \"graphql-api\": replica: 2\n",
		"package envs\nenvironments: dev: services: x: {group: \"services\", image: \"nginx\", networks: [\"de-serving\"]}\n",
		"package envs\nenvironments: local: services: zookeeper: dependsOn: \"kafka-broker-1\": {}\n",
		"package envs\nenvironments: qa: {}\n",
		"package envs\nenvironments: prod: {\n",
		"not cue at all",
		"package envs\n#Base: services: grafana: ports: [{hostPort: 70000}]\n",
		"package envs\nenvironments: prod: services: grafana: env: X: {value: \"a\", secret: \"b\"}\n",
		"package envs\n\"environments\": {prod: data: kafka: partitions: 24, staging: {}}\n",
		"package envs\nenvironments: prod: data: kafka: partitions: environments.staging.data.kafka.partitions\n",
		"package envs\nenvironments: staging: data: kafka: partitions: environments.prod.data.kafka.partitions\n",
		"package envs\nE=environments: prod: {}\nx: E.prod.name\n",
		"package envs\nfor n in [\"prod\"] {environments: (n): data: kafka: partitions: 7}\n",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	for _, d := range []string{"cue.mod", "envs", "infra"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			f.Fatal(err)
		}
	}
	extra := filepath.Join(dir, "envs", "zz_fuzz.cue")
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(extra, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		all, err := Load(Options{Dir: dir})
		checkErr(t, dir, err)
		// prod alone is its own instance and the base's: whenever the
		// whole model loads, prod alone must load the same.
		one, oneErr := Load(Options{Dir: dir, Envs: []string{"prod"}})
		checkErr(t, dir, oneErr)
		if err != nil || all.Envs["prod"] == nil {
			return
		}
		if oneErr != nil {
			t.Fatalf("the whole model loads but prod alone does not:\n%s", Format(oneErr, dir))
		}
		a, _ := json.Marshal(all.Envs["prod"])
		b, _ := json.Marshal(one.Envs["prod"])
		if string(a) != string(b) {
			t.Fatalf("prod alone differs from prod in the whole model")
		}
	})
}

// checkErr: an error has a message, and a CUE error a position in the
// model.
func checkErr(t *testing.T, dir string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	out := Format(err, dir)
	if strings.TrimSpace(out) == "" {
		t.Fatalf("an error with no message: %#v", err)
	}
	var cerr cueerrors.Error
	if cueerrors.As(err, &cerr) && !strings.Contains(out, "./") {
		t.Fatalf("a CUE error without a position in the model:\n%s", out)
	}
}
