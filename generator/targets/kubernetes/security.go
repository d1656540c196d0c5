package kubernetes

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"

	"github.com/degen-dev/degen/generator/model"
)

// security sets the securityContext of the pod and of its container from
// the environment's kubernetes.security under the service's own security:
// the pod gets the user, group, volume group, non-root rule and seccomp
// profile, the container the privilege escalation, capabilities and
// read-only root (process has set what the Compose fields say: user,
// readOnly, privileged, capAdd, capDrop).
func (b *builder) security(s *model.Service, pod *corev1.PodSpec, c *corev1.Container) error {
	eff := b.env.Kubernetes.Security.Over(s.Security)
	var psc corev1.PodSecurityContext
	if isTrue(eff.RunAsNonRoot) {
		psc.RunAsNonRoot = eff.RunAsNonRoot
	}
	psc.RunAsUser, psc.RunAsGroup, psc.FSGroup = eff.RunAsUser, eff.RunAsGroup, eff.FSGroup
	if eff.FSGroup != nil {
		// A large volume is walked once, not on every start.
		p := corev1.FSGroupChangeOnRootMismatch
		psc.FSGroupChangePolicy = &p
	}
	if eff.SeccompProfile != nil {
		psc.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileType(*eff.SeccompProfile)}
	}
	if psc.RunAsNonRoot != nil || psc.RunAsUser != nil || psc.RunAsGroup != nil || psc.FSGroup != nil || psc.SeccompProfile != nil {
		pod.SecurityContext = &psc
	}

	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	if isTrue(eff.RunAsNonRoot) {
		uid := sc.RunAsUser
		at := []string{"user"}
		if uid == nil {
			uid, at = eff.RunAsUser, []string{"security", "runAsUser"}
			if s.Security.RunAsUser == nil {
				at = nil
			}
		}
		if uid != nil && *uid == 0 {
			return b.errorf(s.Name, at, "service %q runs as uid 0 (root) while runAsNonRoot is true: the kubelet would refuse to start it; give it a non-root uid, or security: runAsNonRoot: false", s.Name)
		}
	}
	escalates := s.Privileged || hasCap(s.CapAdd, "SYS_ADMIN")
	if ape := eff.AllowPrivilegeEscalation; ape != nil && !*ape {
		switch {
		case escalates && s.Security.AllowPrivilegeEscalation != nil:
			return b.errorf(s.Name, []string{"security", "allowPrivilegeEscalation"}, "service %q is privileged (or adds SYS_ADMIN), which always allows privilege escalation: remove allowPrivilegeEscalation: false, or privileged", s.Name)
		case !escalates:
			f := false
			sc.AllowPrivilegeEscalation = &f
		}
	}
	if isTrue(eff.DropAllCapabilities) {
		if sc.Capabilities == nil {
			sc.Capabilities = &corev1.Capabilities{}
		}
		sc.Capabilities.Drop = []corev1.Capability{"ALL"}
	}
	if isTrue(eff.ReadOnlyRootFilesystem) {
		t := true
		sc.ReadOnlyRootFilesystem = &t
	}
	if !reflect.DeepEqual(*sc, corev1.SecurityContext{}) {
		c.SecurityContext = sc
	}
	return nil
}

func hasCap(list []string, c string) bool {
	for _, x := range list {
		if x == c || x == "CAP_"+c {
			return true
		}
	}
	return false
}
