package kubernetes

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// TestPriorityAndEphemeralStorage: a service's priorityClassName and its
// ephemeral-storage request and limit reach its pod template in the built
// overlay; the other services keep no priority class and the default
// model's scratch space (256Mi, at most 2Gi: _res in stack.cue).
func TestPriorityAndEphemeralStorage(t *testing.T) {
	t.Parallel()
	dir := tempModel(t, map[string]string{"envs/zz_pod.cue": `package envs

environments: prod: services: "graphql-api": {
	priorityClassName: "business-critical"
	resources: requests: ephemeralStorage: "512Mi"
	resources: limits: ephemeralStorage:   "3Gi"
}
`})
	r, err := newRun(t, loadModel(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, obj := range r.built["prod"] {
		tmpl := podTemplate(t, obj)
		if tmpl == nil {
			continue
		}
		md, _ := obj["metadata"].(map[string]any)
		res := tmpl.Spec.Containers[0].Resources
		req, lim := res.Requests[corev1.ResourceEphemeralStorage], res.Limits[corev1.ResourceEphemeralStorage]
		if md["name"] != "graphql-api" {
			if tmpl.Spec.PriorityClassName != "" || req.Cmp(resource.MustParse("256Mi")) != 0 || lim.Cmp(resource.MustParse("2Gi")) != 0 {
				t.Errorf("%s: priority class %q, ephemeral storage %v/%v, want none, 256Mi/2Gi", idOf(t, obj), tmpl.Spec.PriorityClassName, &req, &lim)
			}
			continue
		}
		seen++
		if tmpl.Spec.PriorityClassName != "business-critical" {
			t.Errorf("graphql-api: priorityClassName %q, want business-critical", tmpl.Spec.PriorityClassName)
		}
		if req.Cmp(resource.MustParse("512Mi")) != 0 || lim.Cmp(resource.MustParse("3Gi")) != 0 {
			t.Errorf("graphql-api: ephemeral-storage request %v, limit %v; want 512Mi, 3Gi", &req, &lim)
		}
	}
	if seen != 1 {
		t.Fatalf("%d graphql-api workloads in prod, want 1", seen)
	}
}
