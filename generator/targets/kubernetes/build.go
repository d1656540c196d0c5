package kubernetes

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// builder resolves one environment into its Kubernetes objects.
type builder struct {
	env *model.Environment
	// envOnly adds the objects that belong to an environment and never to
	// the base: its Namespace, quota, limits and secret references.
	envOnly bool
	// mounters counts the workloads (not StatefulSets) mounting each volume.
	mounters map[string]int
	// files are the config files services mount (configFiles).
	files    fileSet
	objs     []object
	warnings []target.Warning
	// from is the model path of what add's objects are made of (object.from).
	from string
	// waves are the Argo CD sync waves of the workloads (syncWaves).
	waves map[string]int
	// byName are the services others reach by their name, which is not
	// their hostname (kubernetesServices).
	byName map[string]bool
}

// resolve returns the environment's objects in the total order.
func resolve(env *model.Environment, envOnly bool) ([]object, []target.Warning, error) {
	b := &builder{env: env, envOnly: envOnly, mounters: map[string]int{}}
	b.env = b.kubernetesServices(env)
	b.waves = syncWaves(b.env)
	if err := b.build(); err != nil {
		return nil, nil, err
	}
	if err := b.patchAndExtend(); err != nil {
		return nil, nil, err
	}
	sortObjects(b.objs)
	return b.objs, b.warnings, nil
}

func (b *builder) build() error {
	env := b.env
	if err := b.checkOperator(); err != nil {
		return err
	}
	b.composeOnlyNetworksVolumes()
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		for _, m := range s.Mounts {
			if m.Volume != "" && !m.ComposeOnly && !s.Stateful() {
				b.mounters[m.Volume]++
			}
		}
	}
	if b.envOnly {
		if err := b.namespace(); err != nil {
			return err
		}
		b.externalSecrets()
	}
	// A model without flags gets no empty feature-flags ConfigMap.
	if len(env.Flags) > 0 {
		if err := b.add("config", flagsMap(env)); err != nil {
			return err
		}
	}
	if err := b.configFiles(); err != nil {
		return err
	}
	for _, vol := range model.SortedKeys(b.mounters) {
		if err := b.pvc(vol); err != nil {
			return err
		}
		// The classes are each environment's (its file may set them): the
		// base's claim is ReadWriteMany with no class, which the overlay
		// patches, so only an environment lacking one is refused.
		if b.mounters[vol] <= 1 || !b.envOnly {
			continue
		}
		classes := env.Kubernetes.StorageClasses
		if own := env.Volumes[vol].StorageClass; own != "" && !classes.ProvidesReadWriteMany(own) {
			return model.Errorf(env, model.P("volumes", vol, "storageClass"), "environment %s: volume %s is mounted by %d workloads, so its claim is ReadWriteMany, and its class %s is not one the environment says provides ReadWriteMany: add %s to kubernetes.storageClasses.readWriteManyClasses if it does, or name one that does (NFS, CephFS, EFS, Azure Files)", env.Name, vol, b.mounters[vol], own, own)
		}
		if b.oneNode(vol) {
			b.warnOneNode(vol)
		}
	}
	for _, name := range env.ServiceNames() {
		if err := b.service(env.Services[name]); err != nil {
			return err
		}
	}
	if err := b.ingress(); err != nil {
		return err
	}
	if err := b.networkPolicies(); err != nil {
		return err
	}
	if err := b.prometheusRules(); err != nil {
		return err
	}
	return b.components()
}

// add converts a typed object and files it under concern.
func (b *builder) add(concern string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		var err error
		if m, err = generic(v); err != nil {
			return err
		}
	}
	b.objs = append(b.objs, object{concern: concern, obj: m, from: b.from})
	return nil
}

// warn records a warning about subject (a service or component) at the
// model path where the value it is about is set.
func (b *builder) warn(subject, path, code, msg string) {
	b.warnings = append(b.warnings, target.Warning{Env: b.env.Name, Target: Name, Subject: subject, Code: code, Path: path, Message: msg})
}

// warnAt is warn with the arguments in the order of errors: code before
// path.
func (b *builder) warnAt(subject, code, path, msg string) {
	b.warn(subject, path, code, msg)
}

// errorf is an error at the CUE position of services.<svc>.<path…> (or the
// closest existing parent), naming the environment.
func (b *builder) errorf(svc string, p []string, format string, args ...any) error {
	parts := []any{"services", svc}
	for _, s := range p {
		if i, err := strconv.Atoi(s); err == nil {
			parts = append(parts, i)
			continue
		}
		parts = append(parts, s)
	}
	return b.errorAt(model.P(parts...), format, args...)
}

// errorAt is an error at path of the environment (model.P syntax); load
// gives it the position of the line that decided the value.
func (b *builder) errorAt(path string, format string, args ...any) error {
	return model.Errorf(b.env, path, format, args...)
}

func itoa(i int) string { return strconv.Itoa(i) }

// service emits everything one model service becomes.
func (b *builder) service(s *model.Service) error {
	b.from = model.P("services", s.Name)
	defer func() { b.from = "" }()
	if err := b.add(s.Group, serviceAccount(b.env.Project.Name, s)); err != nil {
		return err
	}
	if cm := plainConfig(b.env.Project.Name, s); cm != nil {
		if err := b.add(s.Group, cm); err != nil {
			return err
		}
	}
	w, err := b.workload(s)
	if err != nil {
		return err
	}
	if err := b.add(s.Group, w); err != nil {
		return err
	}
	for _, svc := range b.k8sServices(s) {
		b.markScraped(s, svc)
		if err := b.add(s.Group, svc); err != nil {
			return err
		}
	}
	if m := b.monitor(s); m != nil {
		if err := b.add(s.Group, m); err != nil {
			return err
		}
	}
	if a := s.Autoscaling; a != nil {
		if err := b.add(s.Group, hpa(b.env.Project.Name, s)); err != nil {
			return err
		}
		// The HPA owns the count: a replicas outside its range (or other
		// than its floor) changes nothing a reviewer would expect.
		if s.ReplicasOwnedByAutoscaler() && s.Replicas != a.MinReplicas {
			b.warn(s.Name, model.P("services", s.Name, "replicas"), "replicas-no-effect", fmt.Sprintf("replicas %d has no effect on Kubernetes: the HorizontalPodAutoscaler scales it between %d and %d; change autoscaling.minReplicas (or maxReplicas) instead", s.Replicas, a.MinReplicas, a.MaxReplicas))
		}
	}
	if needsPDB(s) {
		if err := b.add(s.Group, pdb(b.env.Project.Name, s)); err != nil {
			return err
		}
	}
	return nil
}

// plainConfig is the ConfigMap of the service's plain values, or nil.
func plainConfig(project string, s *model.Service) *corev1.ConfigMap {
	data := map[string]string{}
	for name, e := range s.Env {
		if e.Value != nil {
			data[name] = *e.Value
		}
	}
	if len(data) == 0 {
		return nil
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(s.Name+"-config", commonLabels(project, s.Name, s.Group)),
		Data:       data,
	}
}

// flagsMap is the feature-flags ConfigMap: one key per flag variable.
func flagsMap(env *model.Environment) *corev1.ConfigMap {
	data := map[string]string{}
	for _, f := range env.Flags {
		data[f.EnvVar] = f.String()
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(flagsConfigMap, commonLabels(env.Project.Name, flagsConfigMap, "")),
		Data:       data,
	}
}

func (b *builder) pvc(vol string) error {
	if _, ok := b.env.Volumes[vol]; !ok {
		return b.errorAt("volumes", "volume %q is mounted but not defined: add it under volumes", vol)
	}
	c := b.claim(vol)
	c.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"}
	c.Labels = commonLabels(b.env.Project.Name, model.KubeName(vol), "")
	return b.add("volumes", &c)
}

// k8sServices are the Services of s, named after its hostname (the DNS
// name other services use): headless for a StatefulSet, NodePort when a
// port has a node port. A StatefulSet with node ports gets a second,
// NodePort Service "<hostname>-nodeport", since a headless Service cannot
// be one.
func (b *builder) k8sServices(s *model.Service) []*corev1.Service {
	if len(s.Ports) == 0 || s.Batch() {
		return nil
	}
	hasNode := false
	for _, p := range s.Ports {
		hasNode = hasNode || p.NodePort != 0
	}
	// mk builds a Service of s's ports; a NodePort Service gives each port
	// with a node port that node port (only those ports when onlyNode).
	mk := func(name string, nodePort, onlyNode bool) *corev1.Service {
		svc := &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: meta(name, commonLabels(b.env.Project.Name, s.Name, s.Group)),
			Spec:       corev1.ServiceSpec{Selector: map[string]string{labelName: s.Name}},
		}
		if nodePort {
			svc.Spec.Type = corev1.ServiceTypeNodePort
		}
		for _, p := range s.Ports {
			if onlyNode && p.NodePort == 0 {
				continue
			}
			sp := corev1.ServicePort{Name: p.Name, Port: int32(p.ContainerPort), TargetPort: intstr.FromString(p.Name), Protocol: corev1.Protocol(p.Protocol)}
			if p.AppProtocol != "" && p.AppProtocol != "tcp" {
				ap := p.AppProtocol
				sp.AppProtocol = &ap
			}
			if nodePort {
				sp.NodePort = int32(p.NodePort)
			}
			svc.Spec.Ports = append(svc.Spec.Ports, sp)
		}
		return svc
	}
	if s.Ordinal != nil {
		return ordinalServices(s, mk, hasNode)
	}
	// Others reach it by its service name, which Compose resolves
	// whatever its hostname: a Service of that name too.
	var byName []*corev1.Service
	if b.byName[s.Name] {
		byName = append(byName, mk(s.Name, false, false))
	}
	if s.Stateful() {
		h := mk(s.Hostname, false, false)
		h.Spec.ClusterIP = corev1.ClusterIPNone
		h.Spec.PublishNotReadyAddresses = true
		if hasNode {
			return append([]*corev1.Service{h, mk(s.Hostname+"-nodeport", true, true)}, byName...)
		}
		return append([]*corev1.Service{h}, byName...)
	}
	svcs := append([]*corev1.Service{mk(s.Hostname, hasNode, false)}, byName...)
	if s.NeedsPodsService() {
		// Prometheus finds every pod of a multi-pod service through this
		// headless Service's DNS records (see package promconfig).
		h := mk(s.PodsService(), false, false)
		h.Spec.ClusterIP = corev1.ClusterIPNone
		svcs = append(svcs, h)
	}
	return svcs
}

// hpa is the autoscaler of s with the behaviour of §4.3.
func hpa(project string, s *model.Service) *autoscalingv2.HorizontalPodAutoscaler {
	a := s.Autoscaling
	minR := int32(a.MinReplicas)
	kind := "Deployment"
	if s.Stateful() {
		kind = "StatefulSet"
	}
	h := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: meta(s.Name+"-hpa", commonLabels(project, s.Name, s.Group)),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: kind, Name: s.Name},
			MinReplicas:    &minR,
			MaxReplicas:    int32(a.MaxReplicas),
		},
	}
	metric := func(res corev1.ResourceName, pct int) {
		if pct == 0 {
			return
		}
		v := int32(pct)
		h.Spec.Metrics = append(h.Spec.Metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: res, Target: autoscalingv2.MetricTarget{
				Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &v,
			}},
		})
	}
	metric(corev1.ResourceCPU, a.CPUUtilization)
	metric(corev1.ResourceMemory, a.MemoryUtilization)
	rules := func(p *model.ScalePolicy) *autoscalingv2.HPAScalingRules {
		if p == nil {
			return nil
		}
		w := int32(p.StabilizationWindowSeconds)
		return &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: &w,
			Policies: []autoscalingv2.HPAScalingPolicy{{
				Type: autoscalingv2.PercentScalingPolicy, Value: int32(p.Percent), PeriodSeconds: int32(p.PeriodSeconds),
			}},
		}
	}
	if a.ScaleUp != nil || a.ScaleDown != nil {
		h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(a.ScaleUp), ScaleDown: rules(a.ScaleDown)}
	}
	return h
}

// ingress writes the Ingress (kubernetes.ingressName) routing every service
// that declares an ingress route, one rule per host, and, for the services
// that strip their path prefix, a second Ingress <ingressName>-rewrite with
// ingress-nginx's regex rewrite (an annotation holds for all of an
// Ingress's paths, so the two cannot share one object).
func (b *builder) ingress() error {
	env := b.env
	k := env.Kubernetes
	type route struct {
		host string
		path networkingv1.HTTPIngressPath
	}
	var plain, strip []route
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		in := s.Ingress
		if in == nil {
			continue
		}
		p, _ := s.Port(in.Port)
		host := in.Host
		if host == "" {
			host = k.IngressHost
		}
		r := route{host: host, path: networkingv1.HTTPIngressPath{
			Path: in.Path,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: s.Hostname, Port: networkingv1.ServiceBackendPort{Number: int32(p.ContainerPort)},
			}},
		}}
		if in.StripPrefix {
			// /api(/|$)(.*) → /$2: /api/graphql reaches the app as
			// /graphql, /api as /.
			r.path.Path = regexp.QuoteMeta(strings.TrimSuffix(in.Path, "/")) + "(/|$)(.*)"
			r.path.PathType = new(networkingv1.PathTypeImplementationSpecific)
			strip = append(strip, r)
		} else {
			r.path.PathType = new(networkingv1.PathTypePrefix)
			plain = append(plain, r)
		}
	}
	if len(plain)+len(strip) == 0 {
		return nil
	}
	if k.IngressTLS != nil && k.IngressHost == "" {
		return model.Errorf(env, model.P("kubernetes", "ingressTLS"), "environment %s: the Ingress serves TLS but kubernetes.ingressHost is not set: a certificate names its host; set ingressHost", env.Name)
	}
	// Every host any route uses, the environment's first: one certificate
	// names them all.
	hosts := []string{}
	seen := map[string]bool{}
	for _, r := range append(append([]route{{host: k.IngressHost}}, plain...), strip...) {
		if r.host != "" && !seen[r.host] {
			seen[r.host] = true
			hosts = append(hosts, r.host)
		}
	}
	build := func(name string, routes []route, annotations map[string]string) error {
		if len(routes) == 0 {
			return nil
		}
		var rules []networkingv1.IngressRule
		at := map[string]int{}
		for _, r := range routes {
			i, ok := at[r.host]
			if !ok {
				i = len(rules)
				at[r.host] = i
				rules = append(rules, networkingv1.IngressRule{Host: r.host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}})
			}
			rules[i].HTTP.Paths = append(rules[i].HTTP.Paths, r.path)
		}
		// The environment's host first, then the others by name.
		sort.SliceStable(rules, func(i, j int) bool {
			ei, ej := rules[i].Host == k.IngressHost, rules[j].Host == k.IngressHost
			if ei != ej {
				return ei
			}
			return rules[i].Host < rules[j].Host
		})
		class := k.IngressClass
		om := meta(name, commonLabels(env.Project.Name, name, ""))
		spec := networkingv1.IngressSpec{IngressClassName: &class, Rules: rules}
		if tls := k.IngressTLS; tls != nil {
			// The main Ingress names every host (cert-manager issues one
			// certificate for them all); the rewrite Ingress its own.
			tlsHosts := hosts
			if name != k.IngressName {
				tlsHosts = nil
				for _, r := range rules {
					tlsHosts = append(tlsHosts, r.Host)
				}
			}
			spec.TLS = []networkingv1.IngressTLS{{Hosts: tlsHosts, SecretName: tls.SecretName}}
		}
		if len(annotations) > 0 {
			om.Annotations = annotations
		}
		return b.add("ingress", &networkingv1.Ingress{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
			ObjectMeta: om,
			Spec:       spec,
		})
	}
	var main map[string]string
	if tls := k.IngressTLS; tls != nil && tls.ClusterIssuer != "" {
		// cert-manager's ingress-shim issues the certificate into
		// SecretName for the hosts of spec.tls. Only the main Ingress
		// asks: the rewrite Ingress names the same Secret, and two
		// requests would make two Certificates fight over it.
		main = map[string]string{"cert-manager.io/cluster-issuer": tls.ClusterIssuer}
	}
	if err := build(k.IngressName, plain, main); err != nil {
		return err
	}
	return build(k.IngressName+"-rewrite", strip, map[string]string{
		"nginx.ingress.kubernetes.io/use-regex":      "true",
		"nginx.ingress.kubernetes.io/rewrite-target": "/$2",
	})
}

// namespace emits the environment's Namespace, and its ResourceQuota and
// LimitRange when the model gives them.
func (b *builder) namespace() error {
	env := b.env
	k := env.Kubernetes
	q := func(path []string, v string) (resource.Quantity, error) {
		qty, err := resource.ParseQuantity(v)
		if err != nil {
			parts := []any{"kubernetes"}
			for _, p := range path {
				parts = append(parts, p)
			}
			return qty, b.errorAt(model.P(parts...), "%q is not a Kubernetes quantity (%v): write e.g. \"500m\" or \"512Mi\"", v, err)
		}
		return qty, nil
	}
	var errs []error
	must := func(path []string, v string) resource.Quantity {
		qty, err := q(path, v)
		if err != nil {
			errs = append(errs, err)
		}
		return qty
	}
	var quota corev1.ResourceList
	if k.Quota != nil {
		quota = corev1.ResourceList{
			corev1.ResourceRequestsCPU:    must([]string{"quota", "cpu"}, k.Quota.CPU),
			corev1.ResourceRequestsMemory: must([]string{"quota", "memory"}, k.Quota.Memory),
			corev1.ResourcePods:           *resource.NewQuantity(int64(k.Quota.Pods), resource.DecimalSI),
		}
		if k.Quota.LimitsCPU != "" {
			quota[corev1.ResourceLimitsCPU] = must([]string{"quota", "limitsCPU"}, k.Quota.LimitsCPU)
		}
		if k.Quota.LimitsMemory != "" {
			quota[corev1.ResourceLimitsMemory] = must([]string{"quota", "limitsMemory"}, k.Quota.LimitsMemory)
		}
	}
	var lr *corev1.LimitRangeItem
	if k.LimitRange != nil {
		lr = &corev1.LimitRangeItem{
			Type:           corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{corev1.ResourceCPU: must([]string{"limitRange", "defaultCPU"}, k.LimitRange.DefaultCPU), corev1.ResourceMemory: must([]string{"limitRange", "defaultMemory"}, k.LimitRange.DefaultMemory)},
			DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: must([]string{"limitRange", "defaultRequestCPU"}, k.LimitRange.DefaultRequestCPU), corev1.ResourceMemory: must([]string{"limitRange", "defaultRequestMemory"}, k.LimitRange.DefaultRequestMemory)},
		}
		bound := func(field, v string, name corev1.ResourceName, into *corev1.ResourceList) {
			if v == "" {
				return
			}
			if *into == nil {
				*into = corev1.ResourceList{}
			}
			(*into)[name] = must([]string{"limitRange", field}, v)
		}
		bound("minCPU", k.LimitRange.MinCPU, corev1.ResourceCPU, &lr.Min)
		bound("minMemory", k.LimitRange.MinMemory, corev1.ResourceMemory, &lr.Min)
		bound("maxCPU", k.LimitRange.MaxCPU, corev1.ResourceCPU, &lr.Max)
		bound("maxMemory", k.LimitRange.MaxMemory, corev1.ResourceMemory, &lr.Max)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	if lr != nil {
		if err := b.limitRangeOrder(lr); err != nil {
			return err
		}
	}
	// Whether the quota admits the workloads is a judgement, with a
	// severity per environment: policies/quota.cue (namespace-quota).
	labels := commonLabels(b.env.Project.Name, env.Namespace, "")
	// GitOps never prunes the Namespace: deleting it deletes every object
	// in it, PersistentVolumeClaims and their data included, e.g. when the
	// overlay is renamed or its Kustomization or Application removed.
	nsLabels := commonLabels(b.env.Project.Name, env.Namespace, "")
	// Pod Security Admission enforces the model's level on every pod of
	// the namespace, at the rules of the cluster's own version.
	nsLabels[labelPSAEnforce] = k.PodSecurity
	nsLabels[labelPSAEnforceVersion] = "latest"
	// And warns and audits at restricted whatever it enforces: kubectl
	// and the audit log name every pod that could be hardened further.
	for _, mode := range []string{"warn", "audit"} {
		nsLabels["pod-security.kubernetes.io/"+mode] = levelRestricted
		nsLabels["pod-security.kubernetes.io/"+mode+"-version"] = "latest"
	}
	nsMeta := meta(env.Namespace, nsLabels)
	nsMeta.Annotations = map[string]string{
		"kustomize.toolkit.fluxcd.io/prune": "disabled",
		"argocd.argoproj.io/sync-options":   "Prune=false",
	}
	objs := []any{&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: nsMeta}}
	if quota != nil {
		objs = append(objs, &corev1.ResourceQuota{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"}, ObjectMeta: meta("compute-quota", labels), Spec: corev1.ResourceQuotaSpec{Hard: quota}})
	}
	if lr != nil {
		objs = append(objs, &corev1.LimitRange{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"}, ObjectMeta: meta("default-limits", labels), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{*lr}}})
	}
	for _, o := range objs {
		if err := b.add("namespace", o); err != nil {
			return err
		}
	}
	return nil
}

// limitRangeOrder refuses, at the model's field, a LimitRange the API
// server refuses: for each resource, min ≤ defaultRequest ≤ default ≤ max.
func (b *builder) limitRangeOrder(lr *corev1.LimitRangeItem) error {
	for _, r := range []struct {
		name  corev1.ResourceName
		field string
	}{{corev1.ResourceCPU, "CPU"}, {corev1.ResourceMemory, "Memory"}} {
		chain := []struct {
			field string
			list  corev1.ResourceList
		}{{"min", lr.Min}, {"defaultRequest", lr.DefaultRequest}, {"default", lr.Default}, {"max", lr.Max}}
		var lo string
		var loQty resource.Quantity
		for _, c := range chain {
			q, ok := c.list[r.name]
			if !ok {
				continue
			}
			if lo != "" && loQty.Cmp(q) > 0 {
				return b.errorAt(model.P("kubernetes", "limitRange", c.field+r.field), "%s %s is below %s %s: the API server refuses a LimitRange unless min ≤ defaultRequest ≤ default ≤ max; raise %s%s or lower %s%s", c.field+r.field, q.String(), lo+r.field, loQty.String(), c.field, r.field, lo, r.field)
			}
			lo, loQty = c.field, q
		}
	}
	return nil
}

// externalSecrets emits one ExternalSecret per model secret: the value
// stays in the environment's store; the cluster gets a Secret of the same
// name with one key, "value".
func (b *builder) externalSecrets() {
	env := b.env
	for _, name := range model.SortedKeys(env.Secrets) {
		sec := env.Secrets[name]
		b.objs = append(b.objs, object{concern: "secrets", obj: map[string]any{
			"apiVersion": "external-secrets.io/v1",
			"kind":       "ExternalSecret",
			"metadata":   map[string]any{"name": name, "labels": anyMap(commonLabels(b.env.Project.Name, name, ""))},
			"spec": map[string]any{
				"refreshInterval": "1h",
				"secretStoreRef":  map[string]any{"name": env.Kubernetes.SecretStore, "kind": env.Kubernetes.SecretStoreKind},
				"target":          map[string]any{"name": name, "creationPolicy": "Owner"},
				"data": []any{map[string]any{
					"secretKey": secretDataKey,
					"remoteRef": map[string]any{"key": sec.Key},
				}},
			},
		}})
	}
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
