package kubernetes

import (
	"fmt"
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
	if err := b.checkHardened(s, eff); err != nil {
		return err
	}
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
			return b.errorf(s.Name, at, "service %q runs as uid 0 (root) while runAsNonRoot is true: the kubelet would refuse to start it; give it a non-root uid, or let it run as root with the reason: security: relaxedAllowed: runAsNonRoot: \"<reason>\"", s.Name)
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

// checkHardened is an error when, in a staging or production
// environment, s runs without runAsNonRoot or keeps capabilities and does
// not say why in security.relaxedAllowed: at the service's own field when
// it turns it off, else at the environment's. The base has no stage of its
// own: each environment's build judges its services.
func (b *builder) checkHardened(s *model.Service, eff model.Security) error {
	if !b.envOnly || !b.env.Hardened() {
		return nil
	}
	for _, f := range []struct {
		name, does string
		v          *bool
	}{
		{"runAsNonRoot", "may run as root", eff.RunAsNonRoot},
		{"dropAllCapabilities", "keeps the runtime's default capabilities", eff.DropAllCapabilities},
	} {
		if isTrue(f.v) || s.Security.RelaxedAllowed[f.name] != "" {
			continue
		}
		how := fmt.Sprintf("say why on the service with security: relaxedAllowed: %s: \"<reason>\" (e.g. its image starts as root and switches user itself)", f.name)
		if f.name == "runAsNonRoot" {
			how += ", or give it the non-root uid its image runs as (security.runAsUser) and drop the override"
		} else {
			how += ", or drop the override and give back the capabilities it needs with capAdd"
		}
		msg := "service %q %s (%s false) in environment %s, whose stage %s turns %s on for every container unless the service says why not: %s"
		args := []any{s.Name, f.does, f.name, b.env.Name, b.env.Stage, f.name, how}
		if s.Security.RunAsNonRoot != nil && f.name == "runAsNonRoot" || s.Security.DropAllCapabilities != nil && f.name == "dropAllCapabilities" {
			return b.errorf(s.Name, []string{"security", f.name}, msg, args...)
		}
		return b.errorAt(model.P("kubernetes", "security", f.name), msg, args...)
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
