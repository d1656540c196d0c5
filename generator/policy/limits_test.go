package policy_test

import (
	"slices"
	"strings"
	"testing"
)

// TestQuotaLimitsAndLimitRange: a quota that bounds limits is exceeded by
// the limits at full scale, and refuses a service without a limit; a
// LimitRange's min and max refuse a service outside them. Each at the
// field to change, with what to do; a model within both has nothing.
func TestQuotaLimitsAndLimitRange(t *testing.T) {
	const within = `package envs

environments: prod: services: {
	web: {enabled: true, kind: "deployment", replicas: 2, env: {}, image: "nginx:1.27.3", resources: {requests: {cpu: "250m", memory: "128Mi"}, limits: {cpu: "500m", memory: "256Mi"}}}
	worker: {enabled: true, kind: "deployment", replicas: 1, env: {}, image: "app:1.0.0", resources: {requests: {cpu: "100m", memory: "64Mi"}}}
}
environments: prod: kubernetes: quota: {cpu: "2", memory: "1Gi", pods: 10, limitsCPU: "2", limitsMemory: "1Gi"}
environments: prod: kubernetes: limitRange: {defaultCPU: "500m", defaultMemory: "256Mi", defaultRequestCPU: "100m", defaultRequestMemory: "64Mi", minCPU: "50m", maxCPU: "1", minMemory: "32Mi", maxMemory: "512Mi"}
`
	violations := func(src string) []string {
		dir := tinyModel(t, map[string]string{"envs/envs.cue": stagedBase, "envs/web.cue": src})
		var got []string
		for _, rule := range []string{"namespace-quota", "namespace-limit-range"} {
			for _, v := range ruleViolations(t, dir, []string{"prod"}, rule) {
				got = append(got, v.Diagnostic().Text())
			}
		}
		return got
	}
	if got := violations(within); len(got) != 0 {
		t.Fatalf("a model within its quota and LimitRange: %q", got)
	}
	for name, c := range map[string]struct {
		from, to string
		want     []string
	}{
		"limits above the quota": {`limitsCPU: "2", limitsMemory: "1Gi"`, `limitsCPU: "1", limitsMemory: "512Mi"`, []string{
			"kubernetes.quota.limitsCPU", "CPU limits come to 1500m at full scale but the namespace quota's limitsCPU is 1: raise quota.limitsCPU or lower limits",
			"kubernetes.quota.limitsMemory", "memory limits come to 768Mi at full scale",
		}},
		"no limit and no default": {`defaultCPU: "500m", defaultMemory: "256Mi", defaultRequestCPU: "100m", defaultRequestMemory: "64Mi", `, ``, []string{
			"service worker sets no cpu limit, but the namespace quota bounds limits (quota.limitsCPU): the API server refuses its pods",
			"service worker sets no memory limit",
		}},
		"outside the LimitRange": {`minCPU: "50m", maxCPU: "1", minMemory: "32Mi", maxMemory: "512Mi"`, `minCPU: "200m", maxCPU: "400m", minMemory: "32Mi", maxMemory: "200Mi"`, []string{
			"service worker requests 100m cpu, below the namespace LimitRange's minCPU 200m",
			"service web limits 500m cpu, above the namespace LimitRange's maxCPU 400m",
			"service web limits 256Mi memory, above the namespace LimitRange's maxMemory 200Mi: the API server refuses its pods; change resources.limits.memory or kubernetes.limitRange.maxMemory",
		}},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(within, c.from) {
				t.Fatalf("the model no longer says %q", c.from)
			}
			got := violations(strings.Replace(within, c.from, c.to, 1))
			all := strings.Join(got, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("no violation says %q; got:\n%s", w, all)
				}
			}
			if slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "./envs/web.cue:") }) {
				t.Errorf("a violation is not positioned in the model:\n%s", all)
			}
		})
	}
}
