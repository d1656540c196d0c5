package gitops_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/degen-dev/degen/generator/internal/crdcheck"
)

// argoCRD is Argo CD's own Application CRD (testdata/argocd).
var argoCRD = sync.OnceValues(func() (*crdcheck.CRD, error) {
	return crdcheck.Load(filepath.Join("testdata", "argocd", "application-crd.yaml"))
})

// argoProblems returns what the API server would refuse in an Application.
func argoProblems(t *testing.T, data []byte) []string {
	t.Helper()
	crd, err := argoCRD()
	if err != nil {
		t.Fatalf("Argo CD's Application CRD: %v", err)
	}
	p, err := crd.Problems(data)
	if err != nil {
		t.Fatalf("Application: %v", err)
	}
	return p
}

// TestArgoApplicationSchema: each of the default model's Argo CD
// Applications passes the Application CRD's schema; a misspelt field, a
// wrongly typed value and an unserved version do not, so the check can
// fail.
func TestArgoApplicationSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "out", "gitops", "argocd", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Application under out/gitops/argocd (%v)", err)
	}
	var good []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p := argoProblems(t, data); len(p) > 0 {
			t.Errorf("%s: %s", f, strings.Join(p, "; "))
		}
		good = data
	}
	for name, c := range map[string]struct{ old, new, want string }{
		"misspelt field": {"targetRevision:", "targetRevison:", "unknown field spec.source.targetRevison"},
		"wrong type":     {"prune: true", "prune: yes-please", "spec.syncPolicy.automated.prune"},
		"version":        {"argoproj.io/v1alpha1", "argoproj.io/v1", `apiVersion "argoproj.io/v1" is not served`},
	} {
		if !strings.Contains(string(good), c.old) {
			t.Fatalf("%s: the Application no longer has %q; update the test", name, c.old)
		}
		bad := strings.Replace(string(good), c.old, c.new, 1)
		p := strings.Join(argoProblems(t, []byte(bad)), "; ")
		if !strings.Contains(p, c.want) {
			t.Errorf("%s: problems %q, want one naming %s", name, p, c.want)
		}
	}
}
