package kubernetes

import (
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/degen-dev/degen/generator/model"
)

// An ordinal service (model.Ordinal) is one StatefulSet of replicas pods,
// <name>-<ordinal>, governed by the headless Service <hostname>-headless,
// which gives each pod the DNS name
// <name>-<ordinal>.<hostname>-headless.<namespace>.svc. One StatefulSet has
// one pod template, so what differs per replica is derived in the pod at
// run time: the per-replica templates become variables that Kubernetes
// expands from the pod's ordinal, name and namespace (the downward API).

// governingService is the Service that governs the StatefulSet of s and
// names its pods in DNS.
func governingService(s *model.Service) string {
	if s.Ordinal != nil {
		return s.HeadlessService()
	}
	return s.Hostname
}

// ordinals is the StatefulSet's first ordinal when the model starts
// elsewhere than 0.
func ordinals(s *model.Service) *appsv1.StatefulSetOrdinals {
	if s.Ordinal == nil || s.Ordinal.Start == 0 {
		return nil
	}
	return &appsv1.StatefulSetOrdinals{Start: int32(s.Ordinal.Start)}
}

// ordinalServices are the Services of an ordinal service: the ClusterIP
// Service <hostname> (NodePort when a port has a node port), which other
// services use and which balances over the ready pods, and the headless
// one, whose DNS names are every pod's, ready or not, so that replicas
// find each other while they start.
func ordinalServices(s *model.Service, mk func(name string, nodePort, onlyNode bool) *corev1.Service, hasNode bool) []*corev1.Service {
	h := mk(s.HeadlessService(), false, false)
	h.Spec.ClusterIP = corev1.ClusterIPNone
	h.Spec.PublishNotReadyAddresses = true
	return []*corev1.Service{mk(s.Hostname, hasNode, false), h}
}

// replicaEnv adds the per-replica variables of an ordinal service to its
// container, inline (Kubernetes expands $(VAR) in env values, never in a
// ConfigMap's): each placeholder becomes a reference to a variable the
// downward API fills, listed first since a reference reads the variables
// before it. Literal text has its "$" doubled, which Kubernetes reads back
// as one.
func replicaEnv(s *model.Service, c *corev1.Container) {
	if s.Ordinal == nil || len(s.Ordinal.Env) == 0 {
		return
	}
	used := map[string]bool{}
	ref := func(name string) string {
		used[name] = true
		return "$(" + name + ")"
	}
	host := func() string {
		return ref(model.EnvReplicaPod) + "." + s.HeadlessService() + "." + ref(model.EnvReplicaNamespace) + ".svc"
	}
	env := c.Env
	for _, name := range model.SortedKeys(s.Ordinal.Env) {
		// load.Validate has parsed every template.
		parts, _ := model.ParseTemplate(s.Ordinal.Env[name])
		val := model.RenderTemplate(parts, func(p model.TemplatePart) string {
			switch p.Placeholder {
			case model.PlaceholderOrdinal:
				return ref(model.EnvReplicaOrdinal)
			case model.PlaceholderHost:
				return host()
			}
			port, _ := s.Port(p.Arg)
			return host() + ":" + strconv.Itoa(port.ContainerPort)
		}, func(text string) string { return strings.ReplaceAll(text, "$", "$$") })
		env = append(env, corev1.EnvVar{Name: name, Value: val})
	}
	slices.SortFunc(env, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	fields := map[string]string{
		model.EnvReplicaOrdinal:   "metadata.labels['" + appsv1.PodIndexLabel + "']",
		model.EnvReplicaPod:       "metadata.name",
		model.EnvReplicaNamespace: "metadata.namespace",
	}
	var downward []corev1.EnvVar
	for _, name := range model.ReservedReplicaEnv() {
		if used[name] {
			downward = append(downward, corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: fields[name]},
			}})
		}
	}
	c.Env = append(downward, env...)
}
