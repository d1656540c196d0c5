package gitops_test

import (
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/gitops"
)

// TestStacks generates the entry points of every GitOps environment of
// every model under testdata/stacks and reads them as the controllers do:
// the Flux file decoded strictly into source-controller's and
// kustomize-controller's own types, the Kustomization's sourceRef resolved
// to the GitRepository beside it, which fetches the model's repository and
// revision, and both the Flux path and the Argo CD source path on the
// environment's overlay, and the Argo CD Application checked against Argo
// CD's own CRD schema (argocd_test.go). (The Kubernetes target's TestStacks builds those
// overlays with Flux's own build.)
func TestStacks(t *testing.T) {
	stacks.Each(t, repoRoot, gitops.Name, func(t *testing.T, m *model.Model, envs []string) {
		for _, name := range envs {
			env := m.Envs[name]
			out, err := gitops.Target{}.Generate(target.Input{Env: env})
			if err != nil {
				t.Fatal(load.Format(err, m.Root))
			}
			overlay := "out/kubernetes/overlays/" + name
			files := map[string][]byte{}
			for _, f := range out.Files {
				files[f.Path] = f.Data
			}
			checkFlux(t, env, files["gitops/flux/"+name+".yaml"], overlay)
			checkArgo(t, env, files["gitops/argocd/"+name+".yaml"], overlay)
			if len(files) != 2 {
				t.Errorf("%s: files %v, want the Argo CD and the Flux entry point", name, out.Files)
			}
		}
	})
}

func checkFlux(t *testing.T, env *model.Environment, data []byte, overlay string) {
	t.Helper()
	var ks *kustomizev1.Kustomization
	repos := map[string]*sourcev1.GitRepository{}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("%s: %v", env.Name, err)
		}
		switch head.APIVersion + " " + head.Kind {
		case kustomizev1.GroupVersion.String() + " " + kustomizev1.KustomizationKind:
			ks = &kustomizev1.Kustomization{}
			if err := yaml.UnmarshalStrict([]byte(doc), ks); err != nil {
				t.Fatalf("%s: Flux Kustomization: %v", env.Name, err)
			}
		case sourcev1.GroupVersion.String() + " " + sourcev1.GitRepositoryKind:
			r := &sourcev1.GitRepository{}
			if err := yaml.UnmarshalStrict([]byte(doc), r); err != nil {
				t.Fatalf("%s: GitRepository: %v", env.Name, err)
			}
			repos[r.Namespace+"/"+r.Name] = r
		default:
			t.Fatalf("%s: unexpected %s %s in the Flux file", env.Name, head.APIVersion, head.Kind)
		}
	}
	if ks == nil {
		t.Fatalf("%s: no Flux Kustomization", env.Name)
	}
	if ks.Spec.Path != "./"+overlay {
		t.Errorf("%s: Flux path %q, want ./%s", env.Name, ks.Spec.Path, overlay)
	}
	ns := ks.Spec.SourceRef.Namespace
	if ns == "" {
		ns = ks.Namespace
	}
	repo := repos[ns+"/"+ks.Spec.SourceRef.Name]
	if ks.Spec.SourceRef.Kind != sourcev1.GitRepositoryKind || repo == nil {
		t.Fatalf("%s: sourceRef %+v names no GitRepository of the file", env.Name, ks.Spec.SourceRef)
	}
	if repo.Spec.URL != env.Kubernetes.RepoURL || repo.Spec.Reference == nil || repo.Spec.Reference.Branch != env.Kubernetes.Revision {
		t.Errorf("%s: GitRepository fetches %s at %+v, want the model's %s at branch %s", env.Name, repo.Spec.URL, repo.Spec.Reference, env.Kubernetes.RepoURL, env.Kubernetes.Revision)
	}
}

func checkArgo(t *testing.T, env *model.Environment, data []byte, overlay string) {
	t.Helper()
	var app struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Source struct {
				RepoURL        string `json:"repoURL"`
				TargetRevision string `json:"targetRevision"`
				Path           string `json:"path"`
			} `json:"source"`
			Destination struct {
				Namespace string `json:"namespace"`
			} `json:"destination"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &app); err != nil {
		t.Fatalf("%s: Argo CD Application: %v", env.Name, err)
	}
	if p := argoProblems(t, data); len(p) > 0 {
		t.Errorf("%s: the Application CRD refuses the Application: %s", env.Name, strings.Join(p, "; "))
	}
	src := app.Spec.Source
	if app.APIVersion != "argoproj.io/v1alpha1" || app.Kind != "Application" || src.Path != overlay ||
		src.RepoURL != env.Kubernetes.RepoURL || src.TargetRevision != env.Kubernetes.Revision || app.Spec.Destination.Namespace != env.Namespace {
		t.Errorf("%s: Application %+v, want %s at %s, path %s, into namespace %s", env.Name, app, env.Kubernetes.RepoURL, env.Kubernetes.Revision, overlay, env.Namespace)
	}
}
