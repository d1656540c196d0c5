package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// copyModel copies the repository's model (cue.mod, schema, envs) into a
// temporary directory.
func copyModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"cue.mod", "schema", "envs"} {
		src := filepath.Join("../..", sub)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel("../..", p)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		files[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBuildRefusesBadInput runs degen build on the real model plus one bad
// line: exit 1, an error naming the file, line and column, out/ untouched.
func TestBuildRefusesBadInput(t *testing.T) {
	cases := []struct{ name, line, want string }{
		{"metrics port not exposed", `environments: prod: services: "kafka-ui": metrics: port: "prom"`, `which the service does not expose`},
		{"replication factor above brokers", `environments: prod: topics: wide: {partitions: 1, replicationFactor: 4, config: {}}`, `has replication factor 4 but the environment runs 3 brokers`},
		{"min.insync.replicas above replication factor", `environments: prod: topics: strict: {partitions: 1, replicationFactor: 1, config: "min.insync.replicas": "2"}`, `min.insync.replicas 2 exceeds the replication factor 1`},
		{"undefined flag", `environments: prod: services: "graphql-api": env: FEATURE: flag: "no_such_flag"`, `references flag "no_such_flag", which is not defined`},
	}
	dir := copyModel(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"build", "--all", "--dir", dir, "--out", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("build of the unedited model: exit %d\n%s", code, stderr.String())
	}
	before := snapshot(t, out)
	if len(before) == 0 {
		t.Fatal("the first build wrote nothing")
	}
	bad := filepath.Join(dir, "envs", "zz_bad.cue")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(bad, []byte("package envs\n\n"+c.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(bad)
			stdout.Reset()
			stderr.Reset()
			if code := run([]string{"build", "--all", "--dir", dir, "--out", out}, &stdout, &stderr); code != exitFailure {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailure, stderr.String())
			}
			pos := regexp.MustCompile(`(?m)^\./envs/zz_bad\.cue:3:\d+: .*` + regexp.QuoteMeta(c.want))
			if !pos.MatchString(stderr.String()) {
				t.Errorf("stderr does not name ./envs/zz_bad.cue:3:col with %q:\n%s", c.want, stderr.String())
			}
			after := snapshot(t, out)
			if len(after) != len(before) {
				t.Fatalf("out/ changed: %d files, had %d", len(after), len(before))
			}
			for p, data := range before {
				if after[p] != data {
					t.Errorf("%s changed", strings.TrimPrefix(p, out))
				}
			}
		})
	}
}
