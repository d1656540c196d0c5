package kubernetes

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// fullVersion is a tag carrying a complete x.y.z version (a suffix such as
// -alpine or +build allowed): by convention published once and not moved.
var fullVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([-+._][0-9A-Za-z.+_-]*)?$`)

// pullPolicy is the container's imagePullPolicy: IfNotPresent for an image
// pinned by digest or by a full x.y.z version tag, Always for a tag that
// may move (7-alpine, 8.0, 16-alpine, a branch name), so that a node never
// keeps running a stale copy of a mutable tag.
func pullPolicy(image string) corev1.PullPolicy {
	if strings.Contains(image, "@") {
		return corev1.PullIfNotPresent
	}
	tag := ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		tag = image[i+1:]
	}
	if fullVersion.MatchString(tag) {
		return corev1.PullIfNotPresent
	}
	return corev1.PullAlways
}
