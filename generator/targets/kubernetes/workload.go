package kubernetes

import (
	"fmt"
	"github.com/degen-dev/degen/generator/internal/k8smeta"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
)

const (
	labelName      = k8smeta.LabelName
	labelPartOf    = k8smeta.LabelPartOf
	labelManagedBy = k8smeta.LabelManagedBy
	labelComponent = k8smeta.LabelComponent
	// labelNetworkPrefix marks the pods of a model network; NetworkPolicies
	// select on it.
	labelNetworkPrefix = "network.degen.dev/"
	// secretDataKey is the key of the one value each ExternalSecret target
	// Secret holds.
	secretDataKey = "value"
	// flagsConfigMap holds every feature flag of the environment.
	flagsConfigMap = "feature-flags"
)

// commonLabels are the labels of every object degen emits for a service or
// concern.
func commonLabels(project, name, group string) map[string]string {
	return k8smeta.Labels(project, name, group)
}

func meta(name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: labels}
}

func podSelector(s *model.Service) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{labelName: s.Name}}
}

// podLabels are the service's labels plus one label per network it joins.
func podLabels(project string, s *model.Service) map[string]string {
	l := commonLabels(project, s.Name, s.Group)
	for _, n := range s.Networks {
		l[labelNetworkPrefix+model.KubeName(n)] = "true"
	}
	return l
}

// workload builds the Deployment, StatefulSet, DaemonSet or Job of s.
func (b *builder) workload(s *model.Service) (any, error) {
	pod, claims, err := b.podSpec(s)
	if err != nil {
		return nil, err
	}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: podLabels(b.env.Project.Name, s)}, Spec: pod}
	b.podMeta(s, &tmpl.ObjectMeta)
	if h := b.configHash(s); h != "" {
		if tmpl.Annotations == nil {
			tmpl.Annotations = map[string]string{}
		}
		tmpl.Annotations[configHashAnnotation] = h
	}
	m := meta(s.Name, commonLabels(b.env.Project.Name, s.Name, s.Group))
	if w := b.waves[s.Name]; w > 0 {
		m.Annotations = map[string]string{syncWaveAnnotation: strconv.Itoa(w)}
	}
	replicas := int32(s.Replicas)
	// An autoscaled Deployment leaves replicas to its HPA.
	var deployReplicas *int32
	if !s.ReplicasOwnedByAutoscaler() {
		deployReplicas = &replicas
	}
	switch s.Kind {
	case "statefulset":
		return &appsv1.StatefulSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
			ObjectMeta: m,
			Spec: appsv1.StatefulSetSpec{
				Replicas: &replicas, ServiceName: governingService(s), Selector: podSelector(s), Template: tmpl,
				Ordinals:             ordinals(s),
				PodManagementPolicy:  appsv1.ParallelPodManagement,
				UpdateStrategy:       appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
				VolumeClaimTemplates: claims,
			},
		}, nil
	case "daemonset":
		return &appsv1.DaemonSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
			ObjectMeta: m,
			Spec: appsv1.DaemonSetSpec{
				Selector: podSelector(s), Template: tmpl,
				UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			},
		}, nil
	case "cronjob":
		return b.cronJob(s, m, tmpl), nil
	case "job":
		tmpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		if s.Restart == "no" {
			tmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
		}
		// A Job's pod template is immutable: Argo CD and Flux must replace
		// it when the model changes it (e.g. a new bucket).
		if m.Annotations == nil {
			m.Annotations = map[string]string{}
		}
		m.Annotations["argocd.argoproj.io/sync-options"] = "Replace=true"
		m.Annotations["kustomize.toolkit.fluxcd.io/force"] = "enabled"
		job := &batchv1.Job{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
			ObjectMeta: m,
			Spec:       batchv1.JobSpec{Template: tmpl},
		}
		if s.RestartRetries > 0 {
			n := int32(s.RestartRetries)
			job.Spec.BackoffLimit = &n
		}
		return job, nil
	}
	zero, one := intstr.FromInt32(0), intstr.FromInt32(1)
	strategy := appsv1.DeploymentStrategy{
		Type:          appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &zero, MaxSurge: &one},
	}
	// A pod holding a ReadWriteOnce claim must stop before its successor
	// starts: a surge pod would wait on Multi-Attach (or the data's lock)
	// for ever, and the rollout with it.
	if vol := b.singleWriter(s); vol != "" {
		strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
		// Several pods cannot share a ReadWriteOnce claim unless they land
		// on one node.
		if s.Replicas > 1 || s.Autoscaling != nil {
			return nil, b.errorf(s.Name, []string{"replicas"}, "deployment %s runs several pods (replicas %d%s) on the ReadWriteOnce volume %s, which only one node can attach: make it a statefulset (a claim per pod), or run one replica", s.Name, s.Replicas, autoscaleNote(s), vol)
		}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: m,
		Spec: appsv1.DeploymentSpec{
			Replicas: deployReplicas, Selector: podSelector(s), Template: tmpl,
			Strategy: strategy,
		},
	}, nil
}

// podSpec builds the pod of s and, for a StatefulSet, its claim templates.
func (b *builder) podSpec(s *model.Service) (corev1.PodSpec, []corev1.PersistentVolumeClaim, error) {
	c := corev1.Container{
		Name:            s.Name,
		Image:           s.Image,
		ImagePullPolicy: pullPolicy(s.Image),
		Command:         s.Entrypoint,
		Args:            s.Command,
	}
	for _, p := range s.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: p.Name, ContainerPort: int32(p.ContainerPort), Protocol: corev1.Protocol(p.Protocol)})
	}
	b.envVars(s, &c)
	replicaEnv(s, &c)
	b.process(s, &c)
	res, err := b.resources(s)
	if err != nil {
		return corev1.PodSpec{}, nil, err
	}
	c.Resources = res
	if err := b.probes(s, &c); err != nil {
		return corev1.PodSpec{}, nil, err
	}
	// Each workload runs as its own ServiceAccount, which mounts no API
	// token unless the model asks.
	pod := corev1.PodSpec{ServiceAccountName: s.Name, PriorityClassName: s.PriorityClassName}
	for _, t := range s.Tolerations {
		pod.Tolerations = append(pod.Tolerations, corev1.Toleration{
			Key: t.Key, Operator: corev1.TolerationOperator(t.Operator), Value: t.Value,
			Effect: corev1.TaintEffect(t.Effect), TolerationSeconds: t.TolerationSeconds,
		})
	}
	if s.Host != nil {
		pod.HostNetwork, pod.HostPID = s.Host.Network, s.Host.PID
		if pod.HostNetwork {
			// Still resolve the cluster's Service names.
			pod.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		}
	}
	// hostPaths maps each hostPath volume to its model mount, for the Pod
	// Security judgement.
	hostPaths := map[string]int{}
	var claims []corev1.PersistentVolumeClaim
	for i, m := range s.Mounts {
		if m.ComposeOnly {
			b.composeOnlyMount(s, i, m)
			continue
		}
		vm := corev1.VolumeMount{MountPath: m.Target, ReadOnly: m.ReadOnly}
		switch {
		case m.Anonymous:
			// A volume of the container's own, gone with it: an emptyDir.
			vm.Name = "anon" + volumeName(m.Target)
			pod.Volumes = append(pod.Volumes, corev1.Volume{Name: vm.Name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		case m.Volume != "":
			vm.Name, vm.SubPath = model.KubeName(m.Volume), m.SubPath
			if s.Stateful() {
				claims = append(claims, b.claim(m.Volume))
				break
			}
			pod.Volumes = append(pod.Volumes, corev1.Volume{Name: vm.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: vm.Name, ReadOnly: m.ReadOnly},
			}})
		case m.HostPath != "":
			if !path.IsAbs(m.HostPath) {
				return corev1.PodSpec{}, nil, b.errorf(s.Name, []string{"mounts", itoa(i), "hostPath"},
					"service %q mounts host path %q, which is relative: Kubernetes needs an absolute hostPath; make it absolute or mark the mount composeOnly: true", s.Name, m.HostPath)
			}
			vm.Name = "host" + volumeName(m.HostPath)
			hostPaths[vm.Name] = i
			pod.Volumes = append(pod.Volumes, corev1.Volume{Name: vm.Name, VolumeSource: corev1.VolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: m.HostPath},
			}})
		case m.Config != "":
			cm := b.files.configMap[s.Name][m.Config]
			vm.Name, vm.SubPath, vm.ReadOnly = cm, m.Config, true
			if m.Config == promconfig.AlertsConfig && !m.Given() {
				// A directory of rules files, which the kubelet updates.
				vm.SubPath = ""
			}
			if !hasVolume(pod.Volumes, cm) {
				pod.Volumes = append(pod.Volumes, corev1.Volume{Name: cm, VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm}},
				}})
			}
		case m.Secret != "":
			// The Secret its ExternalSecret makes holds one key.
			vm.Name, vm.SubPath, vm.ReadOnly = "secret-"+m.Secret, secretDataKey, true
			if !hasVolume(pod.Volumes, vm.Name) {
				pod.Volumes = append(pod.Volumes, corev1.Volume{Name: vm.Name, VolumeSource: corev1.VolumeSource{
					Secret: &corev1.SecretVolumeSource{SecretName: m.Secret},
				}})
			}
		}
		c.VolumeMounts = append(c.VolumeMounts, vm)
	}
	for _, t := range s.Tmpfs {
		// A memory-backed emptyDir is what a tmpfs mount is; Compose's
		// options after ":" (size, mode) have no equivalent but sizeLimit.
		t, _, _ = strings.Cut(t, ":")
		name := "tmpfs" + volumeName(t)
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: t})
	}
	b.podProcess(s, &pod)
	if err := b.spread(s, &pod); err != nil {
		return corev1.PodSpec{}, nil, err
	}
	b.colocate(s, &pod)
	if err := b.security(s, &pod, &c); err != nil {
		return corev1.PodSpec{}, nil, err
	}
	pod.Containers = []corev1.Container{c}
	if b.envOnly {
		// The level is the environment's Namespace's; the base has none.
		if err := b.checkPodSecurity(s, &pod, hostPaths); err != nil {
			return corev1.PodSpec{}, nil, err
		}
	}
	return pod, claims, nil
}

func hasVolume(vols []corev1.Volume, name string) bool {
	for _, v := range vols {
		if v.Name == name {
			return true
		}
	}
	return false
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// volumeName turns a path or file name into a DNS label fragment starting
// with "-": "/proc" becomes "-proc".
func volumeName(p string) string {
	return "-" + strings.Trim(nonName.ReplaceAllString(strings.ToLower(p), "-"), "-")
}

// configMapFor names the ConfigMap of a generated config file:
// "prometheus.yml" is read from "prometheus-config".
func configMapFor(file string) string {
	base := strings.TrimSuffix(file, path.Ext(file))
	return strings.TrimPrefix(volumeName(base), "-") + "-config"
}

// singleWriter returns the first volume s mounts that no other workload
// mounts, a ReadWriteOnce claim; "" when there is none.
func (b *builder) singleWriter(s *model.Service) string {
	for _, m := range s.Mounts {
		if m.Volume != "" && !m.ComposeOnly && b.mounters[m.Volume] == 1 {
			return m.Volume
		}
	}
	return ""
}

func autoscaleNote(s *model.Service) string {
	if a := s.Autoscaling; a != nil {
		return fmt.Sprintf(", autoscaling to %d", a.MaxReplicas)
	}
	return ""
}

// claim is the PersistentVolumeClaim (or claim template) of a model volume.
// A volume mounted by more than one workload is ReadWriteMany, unless the
// environment shares it on one node (oneNode). The class is
// the volume's own (volumes.<name>.storageClass), else the environment's
// for the access mode (kubernetes.storageClasses), else the cluster's
// default.
func (b *builder) claim(vol string) corev1.PersistentVolumeClaim {
	mode := corev1.ReadWriteOnce
	class := b.env.Kubernetes.StorageClasses.ReadWriteOnce
	if b.mounters[vol] > 1 && !b.oneNode(vol) {
		mode = corev1.ReadWriteMany
		class = b.env.Kubernetes.StorageClasses.ReadWriteMany
	}
	if own := b.env.Volumes[vol].StorageClass; own != "" {
		class = own
	}
	var className *string
	if class != "" {
		className = &class
	}
	return corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: model.KubeName(vol)},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: className,
			AccessModes:      []corev1.PersistentVolumeAccessMode{mode},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse(b.env.Volumes[vol].Size),
			}},
		},
	}
}

// env wires plain values through the service's ConfigMap and secrets and
// flags through references, sorted by variable name.
func (b *builder) envVars(s *model.Service, c *corev1.Container) {
	plain := false
	for _, name := range s.EnvNames() {
		e := s.Env[name]
		switch {
		case e.Secret != "":
			c.Env = append(c.Env, corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: e.Secret}, Key: secretDataKey},
			}})
		case e.Flag != "":
			c.Env = append(c.Env, corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
				ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: flagsConfigMap}, Key: b.env.Flags[e.Flag].EnvVar},
			}})
		case e.Value != nil:
			plain = true
		default:
			// A variable alone: Compose passes it through from the
			// environment of docker compose; a pod has no such environment.
			b.warn(s.Name, model.P("services", s.Name, "env", name), "env-passed-through", "env "+name+" is a variable alone ("+e.Variable+"), which Compose passes through from the shell that runs it: Kubernetes leaves it unset; give it a value or a secret in this environment's file")
		}
	}
	if plain {
		c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: s.Name + "-config"}}}}
	}
}

// resources parses the model's quantities; a quantity the API would refuse,
// or a request above its limit, is an error at its CUE position.
func (b *builder) resources(s *model.Service) (corev1.ResourceRequirements, error) {
	var r corev1.ResourceRequirements
	type q struct {
		kind, res, val string
		list           *corev1.ResourceList
	}
	for _, x := range []q{
		{"requests", "cpu", s.Resources.Requests.CPU, &r.Requests},
		{"requests", "memory", s.Resources.Requests.Memory, &r.Requests},
		{"limits", "cpu", s.Resources.Limits.CPU, &r.Limits},
		{"limits", "memory", s.Resources.Limits.Memory, &r.Limits},
		{"requests", "ephemeralStorage", s.Resources.Requests.EphemeralStorage, &r.Requests},
		{"limits", "ephemeralStorage", s.Resources.Limits.EphemeralStorage, &r.Limits},
	} {
		if x.val == "" {
			continue
		}
		qty, err := resource.ParseQuantity(x.val)
		if err != nil {
			return r, b.errorf(s.Name, []string{"resources", x.kind, x.res}, "service %q: %s %s %q is not a Kubernetes quantity (%v): write e.g. \"250m\" or \"512Mi\"", s.Name, x.kind, x.res, x.val, err)
		}
		if *x.list == nil {
			*x.list = corev1.ResourceList{}
		}
		(*x.list)[resourceName(x.res)] = qty
	}
	// A request above its limit is denied by policies/resources.cue
	// (requests-within-limits).
	return r, nil
}

// resourceName is the Kubernetes name of a model resource field.
func resourceName(field string) corev1.ResourceName {
	if field == "ephemeralStorage" {
		return corev1.ResourceEphemeralStorage
	}
	return corev1.ResourceName(field)
}

// probe maps a model health check to a probe: http and tcp checks probe the
// named port, exec checks run the command (a one-element command through
// the shell, as Compose's CMD-SHELL does).
func probe(h *model.HealthCheck) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:        handler(h.Type, h.Path, h.Port, h.Command),
		InitialDelaySeconds: int32(h.InitialDelaySeconds),
		PeriodSeconds:       int32(h.PeriodSeconds),
		TimeoutSeconds:      seconds(h.Timeout),
		FailureThreshold:    int32(h.Retries),
	}
}

// seconds rounds a model duration up to whole seconds, at least one.
func seconds(d string) int32 {
	v, err := time.ParseDuration(d)
	if err != nil || v < time.Second {
		return 1
	}
	return int32((v + time.Second - 1) / time.Second)
}
