package kubernetes

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// fullVersion is a tag carrying a complete x.y.z version (a suffix such as
// -alpine or +build allowed), datedRelease one carrying a release date
// (RELEASE.2024-01-29T03-56-32Z): by convention published once and not
// moved. What counts as pinned is the policy's (#tagPinned in
// schema/policies/image_tags.cue); these follow it, and TestPullPolicyRule
// holds the table its test holds.
var (
	fullVersion  = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([-+._][0-9A-Za-z.+_-]*)?$`)
	datedRelease = regexp.MustCompile(`(^|[^0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}([^0-9]|$)`)
)

// pullPolicy is the container's imagePullPolicy: IfNotPresent for a
// pinned image (a digest, an x.y.z or a dated release), Always for a tag
// that may move (7-alpine, 8.0, 16.4-alpine, a branch name), so that a
// node never keeps running a stale copy of a mutable tag.
func pullPolicy(image string) corev1.PullPolicy {
	if strings.Contains(image, "@") {
		return corev1.PullIfNotPresent
	}
	tag := ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		tag = image[i+1:]
	}
	if fullVersion.MatchString(tag) || datedRelease.MatchString(tag) {
		return corev1.PullIfNotPresent
	}
	return corev1.PullAlways
}
