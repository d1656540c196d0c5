package kubernetes

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestNamespaceNotPruned: Flux and Argo CD prune what leaves Git; the
// Namespace must never be pruned, since deleting it deletes every
// PersistentVolumeClaim in it.
func TestNamespaceNotPruned(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		id := "v1/Namespace/" + r.model.Envs[env].Namespace + "@"
		ns, ok := r.built[env][id]
		if !ok {
			t.Fatalf("%s: no %s in the build", env, id)
		}
		md, _ := ns["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		for k, want := range map[string]string{
			"kustomize.toolkit.fluxcd.io/prune": "disabled",
			"argocd.argoproj.io/sync-options":   "Prune=false",
		} {
			if ann[k] != want {
				t.Errorf("%s: Namespace annotation %s = %v, want %q", env, k, ann[k], want)
			}
		}
	}
}

func TestPullPolicyRule(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"redis:7-alpine":                                 corev1.PullAlways,
		"mysql:8.0":                                      corev1.PullAlways,
		"postgres:16-alpine":                             corev1.PullAlways,
		"registry:5000/app":                              corev1.PullAlways,
		"de-project/app:main":                            corev1.PullAlways,
		"confluentinc/cp-kafka:7.5.0":                    corev1.PullIfNotPresent,
		"grafana/grafana:v10.2.3":                        corev1.PullIfNotPresent,
		"postgres:16.4.0-alpine":                         corev1.PullIfNotPresent,
		"registry:5000/app:1.2.3":                        corev1.PullIfNotPresent,
		"busybox@sha256:" + strings.Repeat("a", 64):      corev1.PullIfNotPresent,
		"busybox:1.36@sha256:" + strings.Repeat("a", 64): corev1.PullIfNotPresent,
	} {
		if got := pullPolicy(image); got != want {
			t.Errorf("pullPolicy(%q) = %s, want %s", image, got, want)
		}
	}
}

// TestImagePullPolicy: every container and init container of every built
// pod template has an explicit imagePullPolicy, the one the rule gives.
func TestImagePullPolicy(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		n := 0
		for id, obj := range r.built[env] {
			spec, _ := obj["spec"].(map[string]any)
			if obj["kind"] == "CronJob" {
				spec, _ = spec["jobTemplate"].(map[string]any)
				spec, _ = spec["spec"].(map[string]any)
			}
			tmpl, _ := spec["template"].(map[string]any)
			pod, _ := tmpl["spec"].(map[string]any)
			for _, key := range []string{"initContainers", "containers"} {
				cs, _ := pod[key].([]any)
				for _, c := range cs {
					c, _ := c.(map[string]any)
					n++
					image, _ := c["image"].(string)
					got, _ := c["imagePullPolicy"].(string)
					if got == "" {
						t.Errorf("%s: %s: container %v has no imagePullPolicy", env, id, c["name"])
					} else if isDegens(obj) && corev1.PullPolicy(got) != pullPolicy(image) {
						t.Errorf("%s: %s: container %v (%s): imagePullPolicy %s, want %s", env, id, c["name"], image, got, pullPolicy(image))
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no containers found", env)
		}
	}
}

// isDegens tells objects degen renders from services from those a Helm
// chart renders, whose pull policy is the chart's.
func isDegens(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	return labels["app.kubernetes.io/managed-by"] == "degen"
}
