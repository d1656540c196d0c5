package diff

import (
	"strings"
	"testing"
)

// TestIgnore: rules leave out whole objects, or fields and what is under
// them, matched by kind, name and field with * as any text; an object left
// with no change is gone and the counts follow.
func TestIgnore(t *testing.T) {
	dep := func(replicas, image, mem string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: de-prod\nspec:\n  replicas: " + replicas +
			"\n  template:\n    spec:\n      containers:\n      - name: api\n        image: " + image + "\n        resources: {limits: {memory: " + mem + "}}\n"
	}
	old := files("kubernetes/d.yaml", dep("1", "a:1", "1Gi"), "compose/c.yaml", "services: {kafka: {image: k:1}, redis: {image: r:1}}\n")
	new := files("kubernetes/d.yaml", dep("2", "a:2", "2Gi"), "compose/c.yaml", "services: {kafka: {image: k:2}, zk: {image: z:1}}\n")
	fields := func(rules ...string) string {
		var rs []Ignore
		for _, s := range rules {
			r, err := ParseIgnore(s)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		r := compare(t, old, new, Options{Ignore: rs})
		var out []string
		for _, o := range r.Objects {
			out = append(out, string(o.Status[0])+" "+o.ID)
			for _, c := range o.Changes {
				out = append(out, "  "+c.Field)
			}
		}
		if n := r.Added + r.Removed + r.Changed; n != len(r.Objects) {
			t.Errorf("%v: counts %d, objects %d", rules, n, len(r.Objects))
		}
		return strings.Join(out, "\n")
	}
	const (
		compose = "c service kafka\n  image\nr service redis\na service zk"
		kube    = "\nc apps/v1 Deployment de-prod/api\n  spec.replicas\n  spec.template.spec.containers[name=api].image\n  spec.template.spec.containers[name=api].resources.limits.memory"
	)
	if got := fields(); got != compose+kube {
		t.Fatalf("no rules:\n%s", got)
	}
	for _, tc := range []struct {
		rules []string
		want  string
	}{
		{[]string{"Deployment/api:spec.replicas"}, compose + strings.Replace(kube, "\n  spec.replicas", "", 1)},
		{[]string{"deployment/a*:spec.template.spec.containers[name=*].resources"}, compose + strings.Replace(kube, "\n  spec.template.spec.containers[name=api].resources.limits.memory", "", 1)},
		{[]string{"Deployment/api"}, compose},
		{[]string{"service/*:image", "service/redis"}, "a service zk" + kube},
		{[]string{"Service/api", "Deployment/api:spec.rep", "Deployment/ap"}, compose + kube},
	} {
		if got := fields(tc.rules...); got != tc.want {
			t.Errorf("%v:\n%s\nwant:\n%s", tc.rules, got, tc.want)
		}
	}
	for _, bad := range []string{"api", "/api", "Deployment/", ":x"} {
		if _, err := ParseIgnore(bad); err == nil {
			t.Errorf("ParseIgnore(%q) accepted", bad)
		}
	}
}
