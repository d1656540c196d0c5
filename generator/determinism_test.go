package generator_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/targets"
)

// copyModel copies the repository's model into dir.
func copyModel(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"cue.mod", "envs", "infra", "policies"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("..", d))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeterministic builds the default model twice, from two directories at
// different paths, and requires the same bytes: no map order, time or
// absolute path may reach the output.
func TestDeterministic(t *testing.T) {
	a := filepath.Join(t.TempDir(), "a")
	b := filepath.Join(t.TempDir(), "somewhere", "much", "deeper")
	copyModel(t, a)
	copyModel(t, b)
	build := func(dir string) *generator.Result {
		_, res, err := generator.Build(generator.Options{Dir: dir, Targets: targets.All(), Policies: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ra, rb := build(a), build(b)
	if len(ra.Files) < 200 {
		t.Fatalf("only %d files generated; the test would prove little", len(ra.Files))
	}
	if len(ra.Files) != len(rb.Files) {
		t.Fatalf("%d files from one directory, %d from the other", len(ra.Files), len(rb.Files))
	}
	for p, data := range ra.Files {
		if !bytes.Equal(data, rb.Files[p]) {
			t.Errorf("%s differs between two builds", p)
		}
		for _, dir := range []string{a, b, os.TempDir()} {
			if bytes.Contains(data, []byte(dir)) {
				t.Errorf("%s contains the absolute path %s", p, dir)
			}
		}
	}
	// And a third time in the same process, from the first directory.
	rc := build(a)
	for p, data := range ra.Files {
		if !bytes.Equal(data, rc.Files[p]) {
			t.Errorf("%s differs on a rebuild", p)
		}
	}
}
