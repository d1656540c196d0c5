package load

import (
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
		"package envs\nenvironments: prod: kafka: partitions: 24\n",
		"package envs\nenvironments: prod: services: \"graphql-api\": replica: 2\n",
		"package envs\nenvironments: dev: services: x: {group: \"services\", image: \"nginx\", networks: [\"de-serving\"]}\n",
		"package envs\nenvironments: local: services: zookeeper: dependsOn: \"kafka-broker-1\": {}\n",
		"package envs\nenvironments: qa: {}\n",
		"package envs\nenvironments: prod: {\n",
		"not cue at all",
		"package envs\n#Base: services: grafana: ports: [{hostPort: 70000}]\n",
		"package envs\nenvironments: prod: services: grafana: env: X: {value: \"a\", secret: \"b\"}\n",
	} {
		f.Add(seed)
	}
	dir := f.TempDir()
	for _, d := range []string{"cue.mod", "schema", "envs"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			f.Fatal(err)
		}
	}
	extra := filepath.Join(dir, "envs", "zz_fuzz.cue")
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(extra, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(Options{Dir: dir})
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
	})
}
