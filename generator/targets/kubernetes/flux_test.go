package kubernetes

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/target"
)

// yamlDocs splits a YAML stream into its non-empty documents.
func yamlDocs(t *testing.T, data []byte) [][]byte {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// fluxEntry decodes the environment's Flux file strictly into the
// controllers' own Go types and checks that the Kustomization's sourceRef
// resolves to the GitRepository beside it, which fetches the model's
// repository.
func fluxEntry(t *testing.T, env string, files []target.File, repoURL string) (*kustomizev1.Kustomization, *sourcev1.GitRepository) {
	t.Helper()
	var data []byte
	for _, f := range files {
		if f.Path == "gitops/flux/"+env+".yaml" {
			data = f.Data
		}
	}
	var ks *kustomizev1.Kustomization
	var repos []*sourcev1.GitRepository
	for _, doc := range yamlDocs(t, data) {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		switch head.APIVersion + " " + head.Kind {
		case kustomizev1.GroupVersion.String() + " " + kustomizev1.KustomizationKind:
			ks = &kustomizev1.Kustomization{}
			if err := yaml.UnmarshalStrict(doc, ks); err != nil {
				t.Fatalf("%s: Flux Kustomization: %v", env, err)
			}
		case sourcev1.GroupVersion.String() + " " + sourcev1.GitRepositoryKind:
			repo := &sourcev1.GitRepository{}
			if err := yaml.UnmarshalStrict(doc, repo); err != nil {
				t.Fatalf("%s: GitRepository: %v", env, err)
			}
			repos = append(repos, repo)
		default:
			t.Fatalf("%s: gitops/flux/%s.yaml: unexpected %s %s", env, env, head.APIVersion, head.Kind)
		}
	}
	if ks == nil {
		t.Fatalf("%s: gitops/flux/%s.yaml holds no Flux Kustomization", env, env)
	}
	ref := ks.Spec.SourceRef
	ns := ref.Namespace
	if ns == "" {
		ns = ks.Namespace
	}
	for _, repo := range repos {
		if ref.Kind == sourcev1.GitRepositoryKind && ref.Name == repo.Name && ns == repo.Namespace {
			if repo.Spec.URL != repoURL {
				t.Errorf("%s: GitRepository url %q, want the model's repoURL %q", env, repo.Spec.URL, repoURL)
			}
			if repo.Spec.Reference == nil {
				t.Errorf("%s: GitRepository has no ref", env)
			}
			return ks, repo
		}
	}
	t.Fatalf("%s: the Flux Kustomization's sourceRef %s %s/%s names no GitRepository degen writes", env, ref.Kind, ns, ref.Name)
	return nil, nil
}

// TestFluxBuild builds every overlay the way kustomize-controller does:
// the GitRepository's checkout is the root (here: a directory holding out/),
// the Kustomization's spec.path the directory, Flux's generator applies the
// Kustomization's own settings to kustomization.yaml, and SecureBuild runs
// kustomize confined to the root with plugins off. Its objects must equal
// krusty's.
func TestFluxBuild(t *testing.T) {
	if checkFluxBuild(t, theDefault(t)) == 0 {
		t.Error("no environment of the default model gets gitops")
	}
}

// checkFluxBuild builds, with Flux, each overlay of r that has GitOps entry
// points, and returns how many it built.
func checkFluxBuild(t *testing.T, r *modelRun) int {
	t.Helper()
	n := 0
	for _, env := range kubeEnvs(r.model) {
		if r.entry[env] == nil {
			continue // no gitops: nothing tells Flux where the overlay is
		}
		n++
		t.Run(env, func(t *testing.T) {
			files := append(append([]target.File(nil), r.out[env].Files...), r.entry[env]...)
			ks, _ := fluxEntry(t, env, files, r.model.Envs[env].Kubernetes.RepoURL)
			root := t.TempDir()
			for _, f := range files {
				p := filepath.Join(root, "out", filepath.FromSlash(f.Path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			dir := filepath.Join(root, filepath.FromSlash(ks.Spec.Path))
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Fatalf("spec.path %q is no directory of the checkout: %v", ks.Spec.Path, err)
			}
			raw, err := yaml.Marshal(ks)
			if err != nil {
				t.Fatal(err)
			}
			var u unstructured.Unstructured
			if err := yaml.Unmarshal(raw, &u.Object); err != nil {
				t.Fatal(err)
			}
			if _, err := fluxkustomize.NewGenerator(root, u).WriteFile(dir); err != nil {
				t.Fatalf("flux generator: %v", err)
			}
			rm, err := fluxkustomize.SecureBuild(root, dir, false)
			if err != nil {
				t.Fatalf("flux build %s: %v", ks.Spec.Path, err)
			}
			got := map[string]map[string]any{}
			for _, res := range rm.Resources() {
				m, err := res.Map()
				if err != nil {
					t.Fatal(err)
				}
				got[idOf(t, m)] = roundTrip(t, m)
			}
			if len(got) == 0 {
				t.Fatal("Flux built no objects")
			}
			if d := cmp.Diff(r.built[env], got); d != "" {
				t.Errorf("Flux's build differs from krusty's (-krusty +flux):\n%s", d)
			}
		})
	}
	return n
}
