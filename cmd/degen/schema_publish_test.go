package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/internal/testregistry"
	"github.com/degen-dev/degen/schema"
)

// TestSchemaPublishResolvedByCue publishes the schema module to a real
// registry and has the cue command (cuelang.org/go/cmd/cue at the version
// of go.mod, a tool of this module) evaluate a fresh degen init repository
// against it, as the README's editor set-up does: the namespace the schema
// defaults is there, and the module cue fetched is the binary's, byte for
// byte.
func TestSchemaPublishResolvedByCue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the cue command")
	}
	noDockerCredentials(t)
	reg := testregistry.Start(t)
	code, stdout, stderr := runDegen("schema", "--publish", reg.Host+"/cue")
	if code != 0 || !strings.Contains(stdout, "published "+schema.Module) {
		t.Fatalf("schema --publish: exit %d\n%s%s", code, stdout, stderr)
	}
	repo := filepath.Join(t.TempDir(), "app")
	if code, _, stderr := runDegen("init", repo); code != 0 {
		t.Fatalf("init: exit %d\n%s", code, stderr)
	}
	cueBin := filepath.Join(t.TempDir(), "cue")
	if out, err := exec.Command("go", "build", "-o", cueBin, "cuelang.org/go/cmd/cue").CombinedOutput(); err != nil {
		t.Fatalf("building cue: %v\n%s", err, out)
	}
	cacheDir := t.TempDir()
	cmd := exec.Command(cueBin, "eval", "./envs", "-e", "environments.prod.namespace")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CUE_REGISTRY=degen.dev="+reg.Host+"/cue+insecure", "CUE_CACHE_DIR="+cacheDir, "CUE_CONFIG_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != `"app-prod"` {
		t.Fatalf("cue eval with CUE_REGISTRY: %v\n%s", err, out)
	}
	fetched := filepath.Join(cacheDir, "mod", "extract", "degen.dev", "schema@"+schema.Version)
	n := 0
	err = fs.WalkDir(schema.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		want, _ := fs.ReadFile(schema.Files(), p)
		got, err := os.ReadFile(filepath.Join(fetched, filepath.FromSlash(p)))
		if err != nil {
			t.Errorf("cue fetched no %s: %v", p, err)
		} else if string(got) != string(want) {
			t.Errorf("cue fetched a %s that differs from the binary's", p)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walking the embedded schema: %v (%d files)", err, n)
	}
}
