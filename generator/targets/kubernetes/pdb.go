package kubernetes

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	policyv1 "k8s.io/api/policy/v1"

	"github.com/degen-dev/degen/generator/model"
)

// needsPDB reports whether s gets a PodDisruptionBudget: a Deployment or
// StatefulSet that runs several pods (replicas >= 2) or is autoscaled. A
// single pod gains nothing from a budget, a DaemonSet's pods are bound to
// their nodes, and a Job's pods are meant to end.
func needsPDB(s *model.Service) bool {
	if s.Kind != "deployment" && s.Kind != "statefulset" {
		return false
	}
	return s.Replicas >= 2 || s.Autoscaling != nil
}

// pdb is the PodDisruptionBudget of s: at most one of its pods evicted at a
// time. maxUnavailable rather than minAvailable, so that a drain always
// makes progress: even an autoscaled service scaled down to one pod, or a
// service whose pods are all on the node being drained, can lose one pod.
// The selector is the workload's own.
func pdb(project string, s *model.Service) *policyv1.PodDisruptionBudget {
	one := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: meta(s.Name, commonLabels(project, s.Name, s.Group)),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &one,
			Selector:       podSelector(s),
		},
	}
}
