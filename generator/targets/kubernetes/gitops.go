package kubernetes

import (
	"regexp"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// gitopsFiles are the environment's entry points: an Argo CD Application,
// and a Flux GitRepository with the Kustomization that builds from it (one
// file, two documents), both building out/kubernetes/overlays/<env> from
// the model's repository. Flux objects of every environment live in
// flux-system, so the GitRepository is named after the environment's
// namespace, like the Kustomization and the Application.
func gitopsFiles(env *model.Environment) ([]target.File, error) {
	overlay := "out/" + overlaysDir + "/" + env.Name
	k := env.Kubernetes
	app := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Application",
		"metadata": map[string]any{
			"name":      env.Namespace,
			"namespace": "argocd",
			"labels":    anyMap(commonLabels(env.Project.Name, env.Namespace, "")),
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
	source := map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1",
		"kind":       "GitRepository",
		"metadata": map[string]any{
			"name":      env.Namespace,
			"namespace": "flux-system",
			"labels":    anyMap(commonLabels(env.Project.Name, env.Namespace, "")),
		},
		"spec": map[string]any{
			"interval": "5m",
			"url":      k.RepoURL,
			"ref":      gitRef(k.Revision),
		},
	}
	flux := map[string]any{
		"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
		"kind":       "Kustomization",
		"metadata": map[string]any{
			"name":      env.Namespace,
			"namespace": "flux-system",
			"labels":    anyMap(commonLabels(env.Project.Name, env.Namespace, "")),
		},
		"spec": map[string]any{
			"interval":  "10m",
			"path":      "./" + overlay,
			"prune":     true,
			"wait":      true,
			"sourceRef": map[string]any{"kind": "GitRepository", "name": env.Namespace},
		},
	}
	var files []target.File
	for p, docs := range map[string][]any{
		"gitops/argocd/" + env.Name + ".yaml": {app},
		"gitops/flux/" + env.Name + ".yaml":   {source, flux},
	} {
		var data []byte
		for i, v := range docs {
			d, err := marshal(v)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				data = append(data, "---\n"...)
			}
			data = append(data, d...)
		}
		files = append(files, target.File{Path: p, Data: data})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

var commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// gitRef is the GitRepository's spec.ref for the model's revision, which
// Argo CD takes as it is: a full reference name (refs/heads/…, refs/tags/…)
// as name, a 40-digit commit as commit, anything else as a branch.
func gitRef(rev string) map[string]any {
	switch {
	case strings.HasPrefix(rev, "refs/"):
		return map[string]any{"name": rev}
	case commitSHA.MatchString(rev):
		return map[string]any{"commit": rev}
	}
	return map[string]any{"branch": rev}
}
