// Package gitops is the GitOps target: per environment, the entry points
// that deploy its Kubernetes overlay straight from the repository, for Argo
// CD (an Application) and for Flux (a GitRepository and the Kustomization
// built from it).
//
// Layout under out/:
//
//	gitops/argocd/<env>.yaml
//	gitops/flux/<env>.yaml
//
// An environment that lists gitops must list kubernetes too, and give
// kubernetes.repoURL: the entry points name the repository, never a
// placeholder.
package gitops

import (
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/k8smeta"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Name is the artefact name environments list.
const Name = "gitops"

// Target generates the Argo CD and Flux entry points.
type Target struct{}

var _ target.WithoutBase = Target{}

// WithoutBase implements target.WithoutBase: the entry points read the
// environment alone.
func (Target) WithoutBase() {}

// Name implements target.Target.
func (Target) Name() string { return Name }

// Generate implements target.Target.
func (Target) Generate(in target.Input) (target.Output, error) {
	env := in.Env
	if i := slices.Index(env.Artefacts, Name); i >= 0 && !env.Has("kubernetes") {
		return target.Output{}, model.Errorf(env, model.P("artefacts", i), "environment %s gets gitops, which deploys its Kubernetes overlay, but not kubernetes: add \"kubernetes\" to artefacts", env.Name)
	}
	if env.Kubernetes.RepoURL == "" {
		return target.Output{}, model.Errorf(env, "kubernetes", "environment %s gets gitops but kubernetes.repoURL is not set: set the Git repository Argo CD and Flux deploy out/ from", env.Name)
	}
	files, err := gitopsFiles(env, in.OutInRepo)
	if err != nil {
		return target.Output{}, err
	}
	return target.Output{Files: files}, nil
}

func commonLabels(project, name, group string) map[string]string {
	return k8smeta.Labels(project, name, group)
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// marshal emits YAML through sigs.k8s.io/yaml: map keys sorted, so bytes
// depend only on content.
func marshal(v any) ([]byte, error) { return yaml.Marshal(v) }

// gitopsFiles are the environment's entry points: an Argo CD Application,
// and a Flux GitRepository with the Kustomization that builds from it (one
// file, two documents), both building out/kubernetes/overlays/<env> from
// the model's repository. Flux objects of every environment live in
// flux-system, so the GitRepository is named after the environment's
// namespace, like the Kustomization and the Application.
func gitopsFiles(env *model.Environment, outInRepo string) ([]target.File, error) {
	if outInRepo == "" {
		outInRepo = "out"
	}
	overlay := path.Join(outInRepo, k8smeta.Overlay(env.Name))
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
			"project": k.ArgoCD.Project,
			"source": map[string]any{
				"repoURL":        k.RepoURL,
				"targetRevision": k.Revision,
				"path":           overlay,
			},
			"destination": map[string]any{
				"server":    "https://kubernetes.default.svc",
				"namespace": env.Namespace,
			},
			"syncPolicy": syncPolicy(k.ArgoCD),
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

// syncPolicy is the Application's sync policy: automated, with the
// model's prune and selfHeal, and its sync options unless it gives none.
func syncPolicy(a model.ArgoCD) map[string]any {
	p := map[string]any{
		"automated": map[string]any{"prune": a.Automated.Prune, "selfHeal": a.Automated.SelfHeal},
	}
	if len(a.SyncOptions) > 0 {
		opts := make([]any, len(a.SyncOptions))
		for i, o := range a.SyncOptions {
			opts[i] = o
		}
		p["syncOptions"] = opts
	}
	return p
}
