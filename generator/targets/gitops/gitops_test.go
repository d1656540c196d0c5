package gitops_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/golden"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/gitops"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const repoRoot = "../../.."

func loadDefault(t *testing.T) *model.Model {
	t.Helper()
	m, err := load.Load(load.Options{Dir: repoRoot})
	if err != nil {
		t.Fatal(load.Format(err, repoRoot))
	}
	return m
}

// TestGolden compares the default model's entry points with the golden
// files, which the Kubernetes target's tests decode strictly into Flux's
// own types and build with Flux's own build (TestFluxBuild).
func TestGolden(t *testing.T) {
	m := loadDefault(t)
	n := 0
	for _, name := range m.EnvNames() {
		env := m.Envs[name]
		if !env.Has(gitops.Name) {
			continue
		}
		out, err := gitops.Target{}.Generate(target.Input{Env: env})
		if err != nil {
			t.Fatal(load.Format(err, repoRoot))
		}
		if len(out.Files) != 2 {
			t.Fatalf("%s: %d files, want the Argo CD and the Flux entry point", name, len(out.Files))
		}
		for _, f := range out.Files {
			golden.Check(t, filepath.Join("testdata", "golden", filepath.FromSlash(f.Path)), f.Data, *update)
			n++
		}
	}
	if n == 0 {
		t.Fatal("the default model has no environment with gitops")
	}
}

// TestPathInRepository: the Argo CD source.path and the Flux path start
// with out/'s path in the repository.
func TestPathInRepository(t *testing.T) {
	m := loadDefault(t)
	env := m.Envs["prod"]
	for _, tt := range []struct{ outInRepo, want string }{
		{"", "out/kubernetes/overlays/prod"},
		{"deploy/stack/out", "deploy/stack/out/kubernetes/overlays/prod"},
	} {
		out, err := gitops.Target{}.Generate(target.Input{Env: env, Place: target.Place{OutInRepo: tt.outInRepo}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Files {
			var paths []string
			for _, doc := range strings.Split(string(f.Data), "\n---\n") {
				var o struct {
					Kind string
					Spec struct {
						Path   string
						Source struct{ Path string }
					}
				}
				if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
					t.Fatal(err)
				}
				switch o.Kind {
				case "Application":
					paths = append(paths, o.Spec.Source.Path)
				case "Kustomization":
					paths = append(paths, strings.TrimPrefix(o.Spec.Path, "./"))
				}
			}
			if len(paths) != 1 || paths[0] != tt.want {
				t.Errorf("%s with out/ at %q: paths %q, want [%q]", f.Path, tt.outInRepo, paths, tt.want)
			}
		}
	}
}

// TestRefusals: gitops needs kubernetes and a repository URL; neither is
// ever a placeholder.
func TestRefusals(t *testing.T) {
	m := loadDefault(t)
	noKube := *m.Envs["prod"]
	noKube.Artefacts = []string{"gitops"}
	noRepo := *m.Envs["prod"]
	noRepo.Kubernetes.RepoURL = ""
	for _, tt := range []struct {
		name string
		env  *model.Environment
		want string
	}{
		{"without kubernetes", &noKube, `environment prod gets gitops, which deploys its Kubernetes overlay, but not kubernetes: add "kubernetes" to artefacts`},
		{"without repoURL", &noRepo, "environment prod gets gitops but kubernetes.repoURL is not set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gitops.Target{}.Generate(target.Input{Env: tt.env})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
