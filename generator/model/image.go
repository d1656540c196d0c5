package model

import (
	"regexp"
	"strings"
)

// pinnedVersion is a tag carrying a complete x.y.z version (a suffix such
// as -alpine or +build allowed), pinnedDate one carrying a release date
// (RELEASE.2024-01-29T03-56-32Z): by convention published once and not
// moved.
var (
	pinnedVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([-+._][0-9A-Za-z.+_-]*)?$`)
	pinnedDate    = regexp.MustCompile(`(^|[^0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}([^0-9]|$)`)
)

// ImagePinned reports whether image names a release its publisher does
// not move: a digest (image@sha256:…), a full x.y.z release (v1.2.3,
// 7.6.0, 8.0.39-debian: a suffix allowed) or a dated release (MinIO's
// RELEASE.2024-01-29T03-56-32Z). Anything else, a major (16-alpine), a
// minor series (8.0, 16.4-alpine), a name (main) or no tag, may move.
//
// The one home of the rule: the loader sets Service.ImagePinned with it,
// which the policies read (stateful-image-tags), and the Kubernetes target
// pulls exactly the pinned images IfNotPresent.
func ImagePinned(image string) bool {
	if strings.Contains(image, "@") {
		return true
	}
	tag := ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		tag = image[i+1:]
	}
	return pinnedVersion.MatchString(tag) || pinnedDate.MatchString(tag)
}
