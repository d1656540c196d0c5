package kubernetes

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/degen-dev/degen/generator/model"
)

// oneNode reports whether the workloads sharing vol share it on one node:
// several workloads mount it, and the environment names no class that
// provides ReadWriteMany (kubernetes.storageClasses.readWriteMany or the
// volume's own class). The claim is then ReadWriteOnce, which any cluster's
// default class provides and every pod on the node that attached it may
// mount; the pods that mount it are kept on that node (colocate). The
// base has no environment, so its claim stays ReadWriteMany and the
// overlay patches it.
func (b *builder) oneNode(vol string) bool {
	return b.envOnly && b.mounters[vol] > 1 &&
		b.env.Volumes[vol].StorageClass == "" && b.env.Kubernetes.StorageClasses.ReadWriteMany == ""
}

// sharers are the services whose workloads mount vol, sorted.
func (b *builder) sharers(vol string) []string {
	var names []string
	for _, name := range b.env.ServiceNames() {
		s := b.env.Services[name]
		if s.Stateful() {
			continue
		}
		for _, m := range s.Mounts {
			if m.Volume == vol && !m.ComposeOnly {
				names = append(names, name)
				break
			}
		}
	}
	return names
}

// colocate requires the pod of s to run on the node of the other pods that
// mount a volume it shares on one node (oneNode): pod affinity on the node's
// hostname to the pods of every sharer. The first of them to be scheduled
// matches its own term, so it goes anywhere and the others follow it.
func (b *builder) colocate(s *model.Service, pod *corev1.PodSpec) {
	var terms []corev1.PodAffinityTerm
	for _, m := range s.Mounts {
		if m.Volume == "" || m.ComposeOnly || s.Stateful() || !b.oneNode(m.Volume) {
			continue
		}
		terms = append(terms, corev1.PodAffinityTerm{
			LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: labelName, Operator: metav1.LabelSelectorOpIn, Values: b.sharers(m.Volume),
			}}},
			TopologyKey: hostnameKey,
		})
	}
	if len(terms) == 0 {
		return
	}
	if pod.Affinity == nil {
		pod.Affinity = &corev1.Affinity{}
	}
	pod.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
}

// warnOneNode says that the workloads sharing vol run on one node, and how
// to spread them.
func (b *builder) warnOneNode(vol string) {
	b.warn(vol, model.P("volumes", vol), "volume-one-node", fmt.Sprintf("volume %s is mounted by %d workloads (%s) and the environment names no class that provides ReadWriteMany: its claim is ReadWriteOnce and those pods run on one node (pod affinity); set kubernetes.storageClasses.readWriteMany to a class that provides it (NFS, CephFS, EFS, Azure Files) to spread them", vol, b.mounters[vol], strings.Join(b.sharers(vol), ", ")))
}
