package explain

import (
	"regexp"
	"strings"
)

// kubeField matches a field of a generated workload as degen diff prints
// it: KIND/NAME then the field path, e.g.
// Deployment/graphql-api.spec.template.spec.containers[name=graphql-api].resources.limits.memory.
var kubeField = regexp.MustCompile(`^(Deployment|StatefulSet|DaemonSet)/([a-z0-9-]+)[.:](.+)$`)

// containerField is the container part of a workload field.
var containerField = regexp.MustCompile(`^spec\.template\.spec\.containers\[name=([a-z0-9-]+)\]\.(image|resources(?:\..+)?)$`)

// ModelPath maps a field of a generated Kubernetes workload to the model
// field it comes from: spec.replicas to services.NAME.replicas, a
// container's image and resources to the service's. ok is false for any
// other path, which is then a model path already or not one explain knows.
func ModelPath(field string) (path string, ok bool) {
	m := kubeField.FindStringSubmatch(field)
	if m == nil {
		return "", false
	}
	service, rest := m[2], m[3]
	if rest == "spec.replicas" {
		return `services."` + service + `".replicas`, true
	}
	if c := containerField.FindStringSubmatch(rest); c != nil && c[1] == service {
		return `services."` + service + `".` + strings.TrimPrefix(c[2], "."), true
	}
	return "", false
}
