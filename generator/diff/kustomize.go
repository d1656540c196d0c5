package diff

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/degen-dev/degen/generator/internal/k8smeta"
)

// BuiltName is the file name under which an overlay's kustomize build is
// compared: kubernetes/overlays/<env>/BuiltName.
const BuiltName = "kustomize-build.yaml"

var overlayKustomization = regexp.MustCompile(`^kubernetes/overlays/([^/]+)/kustomization\.yaml$`)

// kustomizeView replaces the Kubernetes files of a set (base, overlay
// kustomizations and patches) by what Argo CD or Flux would apply: the
// kustomize build of every overlay, one multi-document file per overlay. A
// change to a base value then shows on the objects of every environment it
// reaches, and a patch shows as the field it changes, not as a JSON patch
// document. Sets without overlays are returned as they are.
func kustomizeView(files map[string][]byte) (map[string][]byte, error) {
	var overlays []string
	for p := range files {
		if m := overlayKustomization.FindStringSubmatch(p); m != nil {
			overlays = append(overlays, path.Dir(p))
		}
	}
	if len(overlays) == 0 {
		return files, nil
	}
	fs := filesys.MakeFsInMemory()
	out := map[string][]byte{}
	for p, data := range files {
		if !strings.HasPrefix(p, "kubernetes/") {
			out[p] = data
			continue
		}
		if err := fs.MkdirAll("/" + path.Dir(p)); err != nil {
			return nil, err
		}
		if err := fs.WriteFile("/"+p, data); err != nil {
			return nil, err
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	for _, dir := range overlays {
		rm, err := k.Run(fs, "/"+dir)
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		data, err := rm.AsYaml()
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		out[path.Join(dir, BuiltName)] = data
	}
	return out, nil
}

// BuildOverlay is the kustomize build of env's overlay among files (paths
// relative to out/, as review.ReadOut returns them): what Argo CD or Flux
// apply for the environment. An environment without an overlay is an error.
func BuildOverlay(files map[string][]byte, env string) ([]byte, error) {
	name := path.Join(k8smeta.Overlay(env), BuiltName)
	built, err := kustomizeView(files)
	if err != nil {
		return nil, err
	}
	data, ok := built[name]
	if !ok {
		return nil, fmt.Errorf("out/ has no Kubernetes overlay for environment %s (%s/kustomization.yaml): its artefacts do not include kubernetes, or out/ is not built (degen build)", env, k8smeta.Overlay(env))
	}
	return data, nil
}

// Overlays are the environments files (paths relative to out/) have a
// Kubernetes overlay for, sorted.
func Overlays(files map[string][]byte) []string {
	var envs []string
	for p := range files {
		if m := overlayKustomization.FindStringSubmatch(p); m != nil {
			envs = append(envs, m[1])
		}
	}
	slices.Sort(envs)
	return envs
}
