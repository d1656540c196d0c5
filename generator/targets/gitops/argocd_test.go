package gitops_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/degen-dev/degen/generator/internal/crdcheck"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/gitops"
)

// argoCRDs are Argo CD's own Application CRDs (testdata/argocd): v3.5.7's
// and a later commit's.
var argoCRDs = sync.OnceValues(func() ([]*crdcheck.CRD, error) {
	var crds []*crdcheck.CRD
	for _, f := range []string{"application-crd.yaml", "application-crd-37ee009.yaml"} {
		crd, err := crdcheck.Load(filepath.Join("testdata", "argocd", f))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
})

// argoProblems returns what the API server would refuse in an Application
// under either CRD.
func argoProblems(t *testing.T, data []byte) []string {
	t.Helper()
	crds, err := argoCRDs()
	if err != nil {
		t.Fatalf("Argo CD's Application CRD: %v", err)
	}
	var all []string
	for _, crd := range crds {
		p, err := crd.Problems(data)
		if err != nil {
			t.Fatalf("Application: %v", err)
		}
		all = append(all, p...)
	}
	return slices.Compact(slices.Sorted(slices.Values(all)))
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

// TestArgoProjectAndSyncPolicy: a model's project, prune, selfHeal and
// sync options reach the Application, which still passes the CRD's
// schema; no sync option writes no syncOptions.
func TestArgoProjectAndSyncPolicy(t *testing.T) {
	m := loadDefault(t)
	env := *m.Envs["prod"]
	env.Kubernetes.ArgoCD = model.ArgoCD{
		Project:     "platform",
		Automated:   model.ArgoAutomated{Prune: false, SelfHeal: false},
		SyncOptions: []string{"ServerSideApply=true", "PruneLast=true"},
	}
	noOpts := env
	noOpts.Kubernetes.ArgoCD.SyncOptions = nil
	for _, tt := range []struct {
		name string
		env  *model.Environment
		want []string
		not  string
	}{
		{"project and policy", &env, []string{"project: platform", "prune: false", "selfHeal: false", "- ServerSideApply=true\n", "- PruneLast=true\n"}, "CreateNamespace"},
		{"no sync options", &noOpts, []string{"project: platform"}, "syncOptions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := gitops.Target{}.Generate(target.Input{Env: tt.env})
			if err != nil {
				t.Fatal(err)
			}
			var app []byte
			for _, f := range out.Files {
				if strings.Contains(f.Path, "argocd") {
					app = f.Data
				}
			}
			if app == nil {
				t.Fatal("no Argo CD Application")
			}
			if p := argoProblems(t, app); len(p) > 0 {
				t.Errorf("the Application is refused: %s", strings.Join(p, "; "))
			}
			for _, w := range tt.want {
				if !strings.Contains(string(app), w) {
					t.Errorf("the Application has no %q:\n%s", w, app)
				}
			}
			if strings.Contains(string(app), tt.not) {
				t.Errorf("the Application has %q:\n%s", tt.not, app)
			}
		})
	}
}
