package kubernetes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/degen-dev/degen/generator/model"
)

// hostnameKey is the node label every kubelet sets to its node's name.
const hostnameKey = "kubernetes.io/hostname"

// spread places the replicas of a Deployment or StatefulSet that runs 2 or
// more (or autoscales to 2 or more) apart, as the environment's
// kubernetes.spread says: across nodes, and across zones by the zone key.
// ScheduleAnyway keeps a cluster of one node or one zone working; the
// scheduler still prefers the spread placement. Without it every replica
// can land on one node, and a node's loss takes the whole service down.
func (b *builder) spread(s *model.Service, pod *corev1.PodSpec) error {
	if s.Kind != "deployment" && s.Kind != "statefulset" {
		return nil
	}
	most := s.Replicas
	if s.Autoscaling != nil {
		most = max(most, s.Autoscaling.MaxReplicas)
	}
	if most < 2 {
		return nil
	}
	sp := b.env.Kubernetes.Spread
	var keys []string
	if sp.Nodes {
		keys = append(keys, hostnameKey)
	}
	if sp.ZoneKey != "" {
		if errs := validation.IsQualifiedName(sp.ZoneKey); len(errs) > 0 {
			return b.errorAt(model.P("kubernetes", "spread", "zoneKey"), "kubernetes.spread.zoneKey %q is not a node label key (%s): give the label your nodes carry for their zone, usually topology.kubernetes.io/zone", sp.ZoneKey, strings.Join(errs, "; "))
		}
		keys = append(keys, sp.ZoneKey)
	}
	for _, k := range keys {
		pod.TopologySpreadConstraints = append(pod.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew:           1,
			TopologyKey:       k,
			WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector:     podSelector(s),
		})
	}
	return nil
}
