package kubernetes

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestQuotaLimitsAndLimitRangeBounds: kubernetes.quota's limitsCPU and
// limitsMemory become the ResourceQuota's limits.cpu and limits.memory,
// and kubernetes.limitRange's min and max the LimitRange's, each decoding
// strictly into core/v1; a LimitRange out of order (the API server refuses
// it) is an error at the model's field, naming what to change.
func TestQuotaLimitsAndLimitRangeBounds(t *testing.T) {
	t.Parallel()
	const extra = "@if(prod)\n\npackage envs\n\nenvironments: prod: kubernetes: {\n\tquota: {limitsCPU: \"128\", limitsMemory: \"256Gi\"}\n\tlimitRange: {minCPU: \"10m\", minMemory: \"16Mi\", maxCPU: \"8\", maxMemory: \"16Gi\"}\n}\n"
	out := files(generate(t, loadModel(t, tempModel(t, map[string]string{"envs/zz_limits.cue": extra})), "prod"))
	var quota corev1.ResourceQuota
	data := out["kubernetes/overlays/prod/namespace/resourcequota-compute-quota.yaml"]
	if err := decodeStrict(data); err != nil {
		t.Fatalf("ResourceQuota: %v\n%s", err, data)
	}
	if err := yaml.UnmarshalStrict(data, &quota); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[corev1.ResourceName]string{corev1.ResourceLimitsCPU: "128", corev1.ResourceLimitsMemory: "256Gi", corev1.ResourceRequestsCPU: "64", corev1.ResourcePods: "80"} {
		if got := quota.Spec.Hard[name]; got.String() != want {
			t.Errorf("ResourceQuota %s = %s, want %s", name, got.String(), want)
		}
	}
	var lr corev1.LimitRange
	data = out["kubernetes/overlays/prod/namespace/limitrange-default-limits.yaml"]
	if err := decodeStrict(data); err != nil {
		t.Fatalf("LimitRange: %v\n%s", err, data)
	}
	if err := yaml.UnmarshalStrict(data, &lr); err != nil {
		t.Fatal(err)
	}
	item := lr.Spec.Limits[0]
	for what, c := range map[string]struct {
		list corev1.ResourceList
		name corev1.ResourceName
		want string
	}{
		"min cpu": {item.Min, corev1.ResourceCPU, "10m"}, "min memory": {item.Min, corev1.ResourceMemory, "16Mi"},
		"max cpu": {item.Max, corev1.ResourceCPU, "8"}, "max memory": {item.Max, corev1.ResourceMemory, "16Gi"},
		"default cpu": {item.Default, corev1.ResourceCPU, "500m"},
	} {
		if got := c.list[c.name]; got.String() != c.want {
			t.Errorf("LimitRange %s = %s, want %s", what, got.String(), c.want)
		}
	}
	// Without bounds in the model, none is written (the default model's
	// LimitRange has defaults only).
	plain := files(generate(t, theDefault(t).model, "prod"))
	if s := string(plain["kubernetes/overlays/prod/namespace/resourcequota-compute-quota.yaml"]); strings.Contains(s, "limits.") {
		t.Errorf("a quota without limitsCPU bounds limits:\n%s", s)
	}
	if s := string(plain["kubernetes/overlays/prod/namespace/limitrange-default-limits.yaml"]); strings.Contains(s, "max:") || strings.Contains(s, "min:") {
		t.Errorf("a LimitRange without min or max has them:\n%s", s)
	}

	bad := strings.Replace(extra, `maxMemory: "16Gi"`, `maxMemory: "256Mi"`, 1)
	err := buildModel(tempModel(t, map[string]string{"envs/zz_limits.cue": bad}), "prod")
	if err == nil {
		t.Fatal("a LimitRange whose max is below its default was accepted")
	}
	msg := err.Error()
	for _, want := range []string{"kubernetes.limitRange.maxMemory", "maxMemory 256Mi is below defaultMemory 512Mi", "raise maxMemory or lower defaultMemory"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
}
