package gitops

import (
	"strings"

	"github.com/degen-dev/degen/generator/internal/keypath"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps a key of an Argo CD Application or a Flux GitRepository or
// Kustomization to the model field Generate writes it from: the names
// and the destination are the namespace, the source the repository and
// revision of kubernetes, the Application's project and sync policy
// kubernetes.argocd.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, ownerOrigin)
}

// ownerOrigin: every other key of the entry points (their fixed kinds,
// labels and paths) is written for the environment's kubernetes
// settings.
func ownerOrigin(*model.Environment, target.Line) (string, bool) {
	return model.P("kubernetes"), true
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	kind, _, _ := strings.Cut(l.Object, "/")
	field := l.Field()
	k := func(parts ...any) (string, bool) { return model.P(append([]any{"kubernetes"}, parts...)...), true }
	switch field {
	case "metadata.name", "spec.destination.namespace", "spec.sourceRef.name", "metadata.labels.app.kubernetes.io/name":
		return model.P("namespace"), true
	case "metadata.labels.app.kubernetes.io/part-of":
		return model.P("project", "name"), true
	case "spec.source.repoURL", "spec.url":
		return k("repoURL")
	case "spec.source.targetRevision", "spec.ref.branch", "spec.ref.tag", "spec.ref.commit":
		return k("revision")
	}
	if kind != "Application" {
		return "", false
	}
	if field == "spec.project" {
		return k("argocd", "project")
	}
	if _, rest, ok := keypath.Match(l.Keys, "spec", "syncPolicy", "automated"); ok && len(rest) == 1 {
		return k("argocd", "automated", rest[0])
	}
	if _, rest, ok := keypath.Match(l.Keys, "spec", "syncPolicy", "syncOptions"); ok && len(rest) == 1 {
		if i, ok := keypath.Index(rest[0]); ok {
			return k("argocd", "syncOptions", i)
		}
	}
	return "", false
}
