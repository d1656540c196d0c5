package model_test

import (
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/model"
)

// TestImagePinned is the one table of what counts as a pinned image: the
// Kubernetes target's pull policy and the stateful-image-tags policy both
// read model.ImagePinned, and their tests check that they follow it.
func TestImagePinned(t *testing.T) {
	for image, want := range map[string]bool{
		"postgres:16.4-alpine":                           false,
		"redis:7-alpine":                                 false,
		"mysql:8.0":                                      false,
		"postgres:16-alpine":                             false,
		"registry:5000/app":                              false,
		"de-project/app:main":                            false,
		"app":                                            false,
		"confluentinc/cp-kafka:7.5.0":                    true,
		"grafana/grafana:v10.2.3":                        true,
		"postgres:16.4.0-alpine":                         true,
		"registry:5000/app:1.2.3":                        true,
		"app:1.0.0-rc.1":                                 true,
		"minio/minio:RELEASE.2024-01-29T03-56-32Z":       true,
		"busybox@sha256:" + strings.Repeat("a", 64):      true,
		"busybox:1.36@sha256:" + strings.Repeat("a", 64): true,
	} {
		if got := model.ImagePinned(image); got != want {
			t.Errorf("ImagePinned(%q) = %v, want %v", image, got, want)
		}
	}
}
