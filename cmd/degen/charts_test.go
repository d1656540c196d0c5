package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/registry"

	"github.com/degen-dev/degen/generator/charts"
	"github.com/degen-dev/degen/internal/testregistry"
)

// pushChart pushes a one-ConfigMap chart tiny at version to the registry
// with Helm's client; note goes into the ConfigMap.
func pushChart(t *testing.T, host, version, note string) {
	t.Helper()
	c := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "tiny", Version: version},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte(
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-tiny\ndata:\n  note: " + note + "\n  greeting: {{ .Values.greeting | quote }}\n")}},
		Values: map[string]any{"greeting": "hello"},
	}
	dir := t.TempDir()
	p, err := chartutil.Save(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := registry.NewClient(registry.ClientOptPlainHTTP())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Push(data, host+"/charts/tiny:"+version); err != nil {
		t.Fatal(err)
	}
}

// TestRemoteChart: a component's chart from a real registry builds only
// once degen charts lock pinned it, then offline from the chart cache; a
// moved tag, a tampered cache and an unreachable registry stop the build
// with exit 1, out/ and the lock unchanged.
func TestRemoteChart(t *testing.T) {
	noDockerCredentials(t)
	t.Setenv("HELM_CONFIG_HOME", t.TempDir())
	t.Setenv("HELM_REGISTRY_CONFIG", filepath.Join(t.TempDir(), "registry.json"))
	cacheDir := t.TempDir()
	t.Setenv(charts.EnvCacheDir, cacheDir)
	reg := testregistry.Start(t)
	pushChart(t, reg.Host, "0.1.0", "first")
	dir := initBuilt(t)
	write(t, filepath.Join(dir, "envs", "chart.cue"), `package envs

environments: prod: components: tiny: {chart: "oci://`+reg.Host+`/charts/tiny", version: "0.1.0", values: greeting: "hi"}
`)
	rendered := filepath.Join(dir, "out", "kubernetes")

	code, _, stderr := runDegen("build", "--dir", dir)
	if code != exitFailure || !strings.Contains(stderr, "degen charts lock") {
		t.Fatalf("build without a lock: exit %d, %q; want exit 1 asking for degen charts lock", code, stderr)
	}
	code, stdout, stderr := runDegen("charts", "lock", "--dir", dir)
	if code != 0 || !strings.Contains(stdout, "locked oci://"+reg.Host+"/charts/tiny 0.1.0 sha256:") {
		t.Fatalf("charts lock: exit %d\n%s%s", code, stdout, stderr)
	}
	lockPath := filepath.Join(dir, charts.LockFile)
	lock, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runDegen("build", "--dir", dir); code != 0 {
		t.Fatalf("build with the lock: exit %d\n%s", code, stderr)
	}
	if got := grepTree(t, filepath.Join(dir, "out"), "note: first"); got == 0 {
		t.Fatalf("no file under out/ holds the chart's ConfigMap")
	}
	before := treeFiles(t, filepath.Join(dir, "out"))

	// The tag moves; a machine without the chart in its cache refuses it.
	pushChart(t, reg.Host, "0.1.0", "second")
	t.Setenv(charts.EnvCacheDir, t.TempDir())
	code, _, stderr = runDegen("build", "--dir", dir, "--no-cache")
	if code != exitFailure || !strings.Contains(stderr, "the tag moved") {
		t.Errorf("build after the tag moved: exit %d, %q; want exit 1 saying the tag moved", code, stderr)
	}
	// Offline, from the cache that holds the locked chart.
	reg.Stop()
	t.Setenv(charts.EnvCacheDir, cacheDir)
	write(t, filepath.Join(dir, "envs", "chart.cue"), `package envs

environments: prod: components: tiny: {chart: "oci://`+reg.Host+`/charts/tiny", version: "0.1.0", values: greeting: "hey"}
`)
	if code, _, stderr := runDegen("build", "--dir", dir, "--no-cache"); code != 0 {
		t.Fatalf("offline build from the cache: exit %d\n%s", code, stderr)
	}
	if grepTree(t, rendered, "greeting: hey") == 0 || grepTree(t, rendered, "note: first") == 0 {
		t.Errorf("the offline build did not render the locked chart with the new values")
	}
	before = treeFiles(t, filepath.Join(dir, "out"))
	write(t, filepath.Join(dir, "envs", "chart.cue"), `package envs

environments: prod: components: tiny: {chart: "oci://`+reg.Host+`/charts/tiny", version: "0.1.0", values: greeting: "ho"}
`)
	// A tampered cache entry.
	cached, _ := filepath.Glob(filepath.Join(cacheDir, "charts", "sha256", "*.tgz"))
	if len(cached) != 1 {
		t.Fatalf("the chart cache holds %v, want one archive", cached)
	}
	write(t, cached[0], "tampered")
	code, _, stderr = runDegen("build", "--dir", dir, "--no-cache")
	if code != exitFailure || !strings.Contains(stderr, "the lock says") {
		t.Errorf("build from a tampered cache: exit %d, %q", code, stderr)
	}
	// No cache and no registry.
	t.Setenv(charts.EnvCacheDir, t.TempDir())
	code, _, stderr = runDegen("build", "--dir", dir, "--no-cache")
	if code != exitFailure || !strings.Contains(stderr, "cannot be reached") {
		t.Errorf("build with the registry down and no cache: exit %d, %q", code, stderr)
	}
	// A lock whose digest was edited.
	write(t, lockPath, strings.Replace(string(lock), `"chartDigest": "sha256:`, `"chartDigest": "sha256:0`, 1)[:len(lock)]+"")
	code, _, stderr = runDegen("build", "--dir", dir, "--no-cache")
	if code != exitFailure {
		t.Errorf("build with an edited lock: exit %d, %q", code, stderr)
	}
	if after := treeFiles(t, filepath.Join(dir, "out")); len(after) != len(before) {
		t.Errorf("a failed build changed out/")
	} else {
		for p := range before {
			if before[p] != after[p] {
				t.Errorf("a failed build changed out/%s", p)
			}
		}
	}
}

func grepTree(t *testing.T, root, s string) int {
	n := 0
	for _, data := range treeFiles(t, root) {
		if strings.Contains(data, s) {
			n++
		}
	}
	return n
}
