package kubernetes

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/degen-dev/degen/generator/model"
)

// TestCheckQuotaScale: the quota check costs the same for 10¹² replicas as
// for 3 (it multiplies a request by the pod count instead of adding it once
// per pod), and its sums are exact.
func TestCheckQuotaScale(t *testing.T) {
	for _, tc := range []struct {
		replicas int
		want     string
	}{
		{3, "1500m CPU"},
		{1_000_000_000_000, "500G CPU"},
	} {
		env := &model.Environment{Name: "prod", Services: map[string]*model.Service{
			"api": {Name: "api", Kind: "deployment", Replicas: tc.replicas, Resources: model.Resources{Requests: model.Quantities{CPU: "500m", Memory: "1Gi"}}},
			"web": {Name: "web", Kind: "deployment", Replicas: 1},
		}}
		env.Kubernetes.Quota.Pods = 1 << 62
		b := &builder{env: env}
		start := time.Now()
		err := b.checkQuota(resource.MustParse("1"), resource.MustParse("1Ei"))
		if d := time.Since(start); d > time.Second {
			t.Errorf("replicas %d: the check took %v", tc.replicas, d)
		}
		if err == nil || !strings.Contains(err.Error(), "below the "+tc.want+" the workloads request") {
			t.Errorf("replicas %d: got %v, want the CPU sum %s", tc.replicas, err, tc.want)
		}
	}
}
