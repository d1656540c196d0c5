package kubernetes

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"

	"github.com/degen-dev/degen/generator/model"
)

// Pod Security Admission (https://kubernetes.io/docs/concepts/security/pod-security-standards/):
// the Namespace enforces the environment's kubernetes.podSecurity, and
// every pod degen writes must meet it, or the API server refuses the pod
// (a Deployment is accepted and then never gets one).
//
// degen judges the pod spec it emits here, with the checks of the
// standards that such a pod can fail, and names the model field behind
// each. The reasons are the Pod Security admission checker's own
// (k8s.io/pod-security-admission/policy CheckResult.ForbiddenReason); the
// tests run that checker over every built pod and compare its reasons with
// these. The pods a Helm component renders are the chart's, decided by no
// model field: degen runs the checker itself on those
// (checkComponentPodSecurity).
const (
	levelPrivileged = "privileged"
	levelBaseline   = "baseline"
	levelRestricted = "restricted"

	labelPSAEnforce        = "pod-security.kubernetes.io/enforce"
	labelPSAEnforceVersion = "pod-security.kubernetes.io/enforce-version"
)

// violation is one Pod Security check a pod fails: the checker's reason,
// the model fields behind it (paths under services.<svc>) and what each
// says.
type violation struct {
	reason string
	fields []field
}

type field struct {
	path []string
	says string
}

// podSecurityViolations judges pod (the pod of s, with the model mount
// index of each hostPath volume in hostPaths) against level.
func podSecurityViolations(level string, s *model.Service, pod *corev1.PodSpec, hostPaths map[string]int) []violation {
	if level == levelPrivileged {
		return nil
	}
	var out []violation
	// baseline: host namespaces.
	var ns []field
	if pod.HostNetwork {
		ns = append(ns, field{[]string{"host", "network"}, "hostNetwork=true"})
	}
	if pod.HostPID {
		ns = append(ns, field{[]string{"host", "pid"}, "hostPID=true"})
	}
	if pod.HostIPC {
		ns = append(ns, field{[]string{"host"}, "hostIPC=true"})
	}
	if len(ns) > 0 {
		out = append(out, violation{"host namespaces", ns})
	}
	// baseline: hostPath volumes; restricted refuses them as a restricted
	// volume type instead (its check overrides baseline's).
	var hp []field
	for _, v := range pod.Volumes {
		if v.HostPath == nil {
			continue
		}
		hp = append(hp, field{[]string{"mounts", itoa(hostPaths[v.Name]), "hostPath"}, fmt.Sprintf("hostPath %q", v.HostPath.Path)})
	}
	// baseline: privileged containers and added capabilities come from
	// the model (privileged, capAdd); host ports and the rest are never
	// written by degen.
	if s.Privileged {
		out = append(out, violation{"privileged", []field{{[]string{"privileged"}, "privileged=true"}}})
	}
	var nonDefault []field
	for i, c := range s.CapAdd {
		if !baselineCap(strings.TrimPrefix(c, "CAP_")) {
			nonDefault = append(nonDefault, field{[]string{"capAdd", itoa(i)}, fmt.Sprintf("capability %s", c)})
		}
	}
	if level != levelRestricted {
		// baseline refuses an explicit Unconfined seccomp profile;
		// restricted's own check below refuses it too.
		if psc := pod.SecurityContext; psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeUnconfined {
			out = append(out, violation{"seccompProfile", []field{securityField(s, "seccompProfile", `"RuntimeDefault"`, "seccompProfile Unconfined")}})
		}
		if len(nonDefault) > 0 {
			out = append(out, violation{"non-default capabilities", nonDefault})
		}
		if len(hp) > 0 {
			out = append(out, violation{"hostPath volumes", hp})
		}
		return out
	}
	if len(hp) > 0 {
		out = append(out, violation{"restricted volume types", hp})
	}
	var root []field
	if psc := pod.SecurityContext; psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
		root = append(root, securityField(s, "runAsUser", "a non-root uid", "the pod's runAsUser is 0"))
	}
	for _, c := range pod.Containers {
		if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			root = append(root, field{[]string{"user"}, "user 0"})
		}
	}
	if len(root) > 0 {
		out = append(out, violation{"runAsUser=0", root})
	}
	podSC := pod.SecurityContext
	if podSC == nil {
		podSC = &corev1.PodSecurityContext{}
	}
	var ape, caps, nonRoot, seccomp []field
	for _, c := range pod.Containers {
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			ape = append(ape, securityField(s, "allowPrivilegeEscalation", "false", fmt.Sprintf("container %q does not set securityContext.allowPrivilegeEscalation=false", c.Name)))
		}
		if sc.Capabilities == nil || !dropsAll(sc.Capabilities.Drop) {
			caps = append(caps, securityField(s, "dropAllCapabilities", "true", fmt.Sprintf("container %q does not drop ALL capabilities", c.Name)))
		}
		if sc.Capabilities != nil {
			for i, a := range sc.Capabilities.Add {
				if a != "NET_BIND_SERVICE" {
					caps = append(caps, field{[]string{"capAdd", itoa(i)}, fmt.Sprintf("capability %s", a)})
				}
			}
		}
		if !isTrue(sc.RunAsNonRoot) && !(sc.RunAsNonRoot == nil && isTrue(podSC.RunAsNonRoot)) {
			nonRoot = append(nonRoot, securityField(s, "runAsNonRoot", "true", fmt.Sprintf("neither the pod nor container %q sets securityContext.runAsNonRoot=true", c.Name)))
		}
		if !seccompOK(sc.SeccompProfile) && !(sc.SeccompProfile == nil && seccompOK(podSC.SeccompProfile)) {
			seccomp = append(seccomp, securityField(s, "seccompProfile", `"RuntimeDefault"`, fmt.Sprintf("neither the pod nor container %q sets securityContext.seccompProfile.type to RuntimeDefault or Localhost", c.Name)))
		}
	}
	for _, v := range []violation{
		{"allowPrivilegeEscalation != false", ape},
		{"unrestricted capabilities", caps},
		{"runAsNonRoot != true", nonRoot},
		{"seccompProfile", seccomp},
	} {
		if len(v.fields) > 0 {
			out = append(out, v)
		}
	}
	return out
}

// securityField is the violation of the service's security field f (want
// is the value that meets the level): at security.f when the service sets
// it; otherwise the value is the environment's default or nobody's, the
// error is at the service, and says where to set it.
func securityField(s *model.Service, f, want, says string) field {
	set := map[string]bool{
		"runAsNonRoot":             s.Security.RunAsNonRoot != nil,
		"runAsUser":                s.Security.RunAsUser != nil,
		"seccompProfile":           s.Security.SeccompProfile != nil,
		"allowPrivilegeEscalation": s.Security.AllowPrivilegeEscalation != nil,
		"dropAllCapabilities":      s.Security.DropAllCapabilities != nil,
	}
	if set[f] {
		return field{[]string{"security", f}, says}
	}
	return field{nil, says + ": set kubernetes.security." + f + " or the service's security." + f + " to " + want}
}

// baselineCap reports whether Pod Security "baseline" lets a container add
// capability c.
func baselineCap(c string) bool {
	switch c {
	case "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT":
		return true
	}
	return false
}

func isTrue(b *bool) bool { return b != nil && *b }

func dropsAll(caps []corev1.Capability) bool {
	for _, c := range caps {
		if c == "ALL" {
			return true
		}
	}
	return false
}

func seccompOK(p *corev1.SeccompProfile) bool {
	return p != nil && (p.Type == corev1.SeccompProfileTypeRuntimeDefault || p.Type == corev1.SeccompProfileTypeLocalhost)
}

// checkPodSecurity is an error at the first model field of s that keeps
// its pod from the environment's Pod Security level, listing every
// check the pod fails and the fields behind each.
func (b *builder) checkPodSecurity(s *model.Service, pod *corev1.PodSpec, hostPaths map[string]int) error {
	level := b.env.Kubernetes.PodSecurity
	vs := podSecurityViolations(level, s, pod, hostPaths)
	if len(vs) == 0 {
		return nil
	}
	var first []string
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		var says []string
		for _, f := range v.fields {
			if first == nil && f.path != nil {
				first = f.path
			}
			if f.path != nil {
				says = append(says, strings.Join(f.path, ".")+": "+f.says)
			} else {
				says = append(says, f.says)
			}
		}
		parts = append(parts, v.reason+" ("+strings.Join(says, ", ")+")")
	}
	return b.errorf(s.Name, first,
		"service %q cannot run in namespace %s at Pod Security level %q (kubernetes.podSecurity): %s; change these fields (the environment's defaults are kubernetes.security, a service's own security overrides them), or set kubernetes.podSecurity to a level the pod meets (\"privileged\" admits any pod)",
		s.Name, b.env.Namespace, level, strings.Join(parts, "; "))
}

// podChecker is the Pod Security admission's own evaluator, for the pods
// of Helm components at the environment's level: nil at "privileged",
// which admits any pod, and for the base, which has no Namespace (an
// environment's build judges the base's components at its level).
func (b *builder) podChecker() (psapolicy.Evaluator, error) {
	if !b.envOnly || b.env.Kubernetes.PodSecurity == levelPrivileged {
		return nil, nil
	}
	return psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
}

// checkComponentPodSecurity is an error at the component's chart when o,
// an object the chart renders from file, creates a pod (a Pod, or the pod
// template of a workload of the core, apps or batch group) that the
// environment's Pod Security level refuses, giving the checker's reasons.
func (b *builder) checkComponentPodSecurity(e psapolicy.Evaluator, component, sel, file string, o object) error {
	if e == nil {
		return nil
	}
	pod, ok, err := renderedPod(o)
	if !ok {
		return nil
	}
	if err != nil {
		return b.errorAt(sel, "component %q: %s renders %s %s whose pod is not a Kubernetes pod: %v", component, file, o.kind(), o.name(), err)
	}
	level := b.env.Kubernetes.PodSecurity
	lv, err := psaapi.ParseLevel(level)
	if err != nil {
		return err
	}
	agg := psapolicy.AggregateCheckResults(e.EvaluatePod(psaapi.LevelVersion{Level: lv, Version: psaapi.LatestVersion()}, &pod.ObjectMeta, &pod.Spec))
	if agg.Allowed {
		return nil
	}
	parts := make([]string, 0, len(agg.ForbiddenReasons))
	for i, r := range agg.ForbiddenReasons {
		if d := agg.ForbiddenDetails[i]; d != "" {
			r += " (" + d + ")"
		}
		parts = append(parts, r)
	}
	return b.errorAt(sel,
		"component %q: %s %s of %s cannot run in namespace %s at Pod Security level %q (kubernetes.podSecurity): %s; change the component's values so that the chart's pods meet the level, or set kubernetes.podSecurity to a level they meet (\"privileged\" admits any pod)",
		component, o.kind(), o.name(), file, b.env.Namespace, level, strings.Join(parts, "; "))
}

// renderedPod is the pod o creates as the API server sees it, and whether
// o creates one.
func renderedPod(o object) (*corev1.PodTemplateSpec, bool, error) {
	group := ""
	if i := strings.LastIndex(o.apiVersion(), "/"); i >= 0 {
		group = o.apiVersion()[:i]
	}
	spec, _ := o.obj["spec"].(map[string]any)
	var tmpl any
	switch group + "/" + o.kind() {
	case "/Pod":
		tmpl = map[string]any{"metadata": o.obj["metadata"], "spec": o.obj["spec"]}
	case "/ReplicationController", "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet", "batch/Job":
		tmpl = spec["template"]
	case "batch/CronJob":
		jt, _ := spec["jobTemplate"].(map[string]any)
		js, _ := jt["spec"].(map[string]any)
		tmpl = js["template"]
	default:
		return nil, false, nil
	}
	data, err := json.Marshal(tmpl)
	if err != nil {
		return nil, true, err
	}
	var pod corev1.PodTemplateSpec
	if err := json.Unmarshal(data, &pod); err != nil {
		return nil, true, err
	}
	return &pod, true, nil
}
