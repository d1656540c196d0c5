package kubernetes

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/degen-dev/degen/generator/model"
)

// pullPolicy is the container's imagePullPolicy: IfNotPresent for a
// pinned image (model.ImagePinned: a digest, an x.y.z or a dated release),
// Always for a tag that may move (7-alpine, 8.0, 16.4-alpine, a branch
// name), so that a node never keeps running a stale copy of a mutable tag.
func pullPolicy(image string) corev1.PullPolicy {
	if model.ImagePinned(image) {
		return corev1.PullIfNotPresent
	}
	return corev1.PullAlways
}
