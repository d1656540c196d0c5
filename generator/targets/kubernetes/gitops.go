package kubernetes

import (
	"sort"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// gitopsFiles are the environment's entry points: an Argo CD Application
// and a Flux Kustomization (source: the GitRepository named "degen"), both
// building out/kubernetes/overlays/<env> from the model's repository.
func gitopsFiles(env *model.Environment) ([]target.File, error) {
	overlay := "out/" + overlaysDir + "/" + env.Name
	k := env.Kubernetes
	app := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata": map[string]any{
			"name":      env.Namespace,
			"namespace": "argocd",
			"labels":    anyMap(commonLabels(env.Namespace, "")),
		},
		"spec": map[string]any{
			"project": "default",
			"source": map[string]any{
				"repoURL":        k.RepoURL,
				"targetRevision": k.Revision,
				"path":           overlay,
			},
			"destination": map[string]any{
				"server":    "https://kubernetes.default.svc",
				"namespace": env.Namespace,
			},
			"syncPolicy": map[string]any{
				"automated":   map[string]any{"prune": true, "selfHeal": true},
				"syncOptions": []any{"CreateNamespace=false"},
			},
		},
	}
	flux := map[string]any{
		"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
		"kind":       "Kustomization",
		"metadata": map[string]any{
			"name":      env.Namespace,
			"namespace": "flux-system",
			"labels":    anyMap(commonLabels(env.Namespace, "")),
		},
		"spec": map[string]any{
			"interval":  "10m",
			"path":      "./" + overlay,
			"prune":     true,
			"wait":      true,
			"sourceRef": map[string]any{"kind": "GitRepository", "name": "degen"},
		},
	}
	var files []target.File
	for p, v := range map[string]any{"gitops/argocd/" + env.Name + ".yaml": app, "gitops/flux/" + env.Name + ".yaml": flux} {
		data, err := marshal(v)
		if err != nil {
			return nil, err
		}
		files = append(files, target.File{Path: p, Data: data})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
