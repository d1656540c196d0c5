package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fluxoci "github.com/fluxcd/pkg/oci"

	"github.com/degen-dev/degen/internal/testregistry"
)

// initBuilt is a fresh degen init repository, built.
func initBuilt(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	for _, args := range [][]string{{"init", dir}, {"build", "--dir", dir}} {
		if code, _, stderr := runDegen(args...); code != 0 {
			t.Fatalf("degen %v: exit %d\n%s", args, code, stderr)
		}
	}
	return dir
}

// noDockerCredentials points the Docker configuration at an empty
// directory: the host's credentials are never read by a test.
func noDockerCredentials(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
}

// TestPushReadByFlux pushes an environment to a real registry and reads it
// back with Flux's own artifact client: the files are out/'s, byte for
// byte, and pushing the same out/ again gives the same digest.
func TestPushReadByFlux(t *testing.T) {
	noDockerCredentials(t)
	reg := testregistry.Start(t)
	dir := initBuilt(t)
	ref := "oci://" + reg.Host + "/app/manifests:prod"
	code, stdout, stderr := runDegen("push", "--dir", dir, "--env", "prod", ref)
	if code != 0 {
		t.Fatalf("push: exit %d\n%s", code, stderr)
	}
	printed := strings.TrimSpace(stdout)
	if !strings.HasPrefix(printed, "oci://"+reg.Host+"/app/manifests@sha256:") {
		t.Fatalf("push printed %q, want the reference by digest", stdout)
	}
	if _, again, _ := runDegen("push", "--dir", dir, "--env", "prod", "oci://"+reg.Host+"/app/other:v1"); strings.TrimPrefix(strings.TrimSpace(again), "oci://"+reg.Host+"/app/other") != strings.TrimPrefix(printed, "oci://"+reg.Host+"/app/manifests") {
		t.Errorf("the same out/ pushed twice gave %q and %q", printed, again)
	}

	pulled := t.TempDir()
	meta, err := fluxoci.NewClient(fluxoci.DefaultOptions()).Pull(context.Background(), reg.Host+"/app/manifests:prod", pulled)
	if err != nil {
		t.Fatalf("Flux's client cannot pull what push wrote: %v", err)
	}
	if want := strings.TrimPrefix(printed, "oci://"); meta.Digest != want {
		t.Errorf("Flux read digest %s, push printed %s", meta.Digest, want)
	}
	got := treeFiles(t, pulled)
	want := treeFiles(t, filepath.Join(dir, "out"))
	n := 0
	for p, data := range want {
		if !strings.HasPrefix(p, "kubernetes/base/") && !strings.HasPrefix(p, "kubernetes/overlays/prod/") {
			continue
		}
		n++
		if g, ok := got[p]; !ok {
			t.Errorf("out/%s is missing from the artifact", p)
		} else if g != data {
			t.Errorf("out/%s differs in the artifact", p)
		}
	}
	if n == 0 || len(got) != n {
		t.Errorf("the artifact has %d files, out/ has %d for prod's overlay: %v", len(got), n, keys(got))
	}
}

// TestPushRefuses: a stale out/ (exit 3), a reference without a tag (exit
// 2), an environment without an overlay and an unreachable registry (exit
// 1), each saying what to do.
func TestPushRefuses(t *testing.T) {
	noDockerCredentials(t)
	reg := testregistry.Start(t)
	dir := initBuilt(t)
	ref := "oci://" + reg.Host + "/app/manifests:prod"
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--env", "prod", "oci://" + reg.Host + "/app/manifests"}, exitUsage, "name a tag"},
		{[]string{"--env", "prod", reg.Host + "/app/manifests:prod"}, exitUsage, "oci://REGISTRY/REPOSITORY:TAG"},
		{[]string{ref}, exitUsage, "--env"},
		{[]string{"--env", "local", ref}, exitFailure, "no Kubernetes overlay"},
	} {
		code, _, stderr := runDegen(append([]string{"push", "--dir", dir}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("push %v: exit %d, %q; want exit %d saying %q", c.args, code, stderr, c.code, c.msg)
		}
	}
	reg.Stop()
	code, _, stderr := runDegen("push", "--dir", dir, "--env", "prod", ref)
	if code != exitFailure || !strings.Contains(stderr, "cannot be reached") {
		t.Errorf("push to a stopped registry: exit %d, %q", code, stderr)
	}
	write(t, filepath.Join(dir, "out", "kubernetes", "overlays", "prod", "kustomization.yaml"), "edited: by hand\n")
	code, _, stderr = runDegen("push", "--dir", dir, "--env", "prod", ref)
	if code != exitStale || !strings.Contains(stderr, "degen build --env prod") {
		t.Errorf("push of a stale out/: exit %d, %q", code, stderr)
	}
}

func treeFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
