// Package k8smeta is what the Kubernetes target and the GitOps target both
// say about Kubernetes objects: the recommended labels every object degen
// writes carries, and where an environment's overlay lives under out/.
package k8smeta

// The recommended labels (app.kubernetes.io/…).
const (
	LabelName      = "app.kubernetes.io/name"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelComponent = "app.kubernetes.io/component"
)

// BaseDir and OverlaysDir are the Kustomize base and the parent of the
// per-environment overlays, relative to out/.
const (
	BaseDir     = "kubernetes/base"
	OverlaysDir = "kubernetes/overlays"
)

// Overlay is the overlay directory of env, relative to out/.
func Overlay(env string) string { return OverlaysDir + "/" + env }

// Labels are the labels of an object of project: part-of and managed-by,
// and name and component (the service's group) when given.
func Labels(project, name, group string) map[string]string {
	l := map[string]string{LabelPartOf: project, LabelManagedBy: "degen"}
	if name != "" {
		l[LabelName] = name
	}
	if group != "" {
		l[LabelComponent] = group
	}
	return l
}
