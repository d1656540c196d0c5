package kubernetes

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/degen-dev/degen/generator/model"
)

// probes gives the container its probes: readiness from health, liveness
// from liveness or else health, startup from startup. A long-running
// service that opens ports and has neither readiness nor liveness is a
// warning: Kubernetes would send it traffic before it listens and never
// restart it when it hangs.
func (b *builder) probes(s *model.Service, c *corev1.Container) error {
	if h := s.Health; h != nil && h.Type != "none" {
		if err := b.healthSecrets(s, c); err != nil {
			return err
		}
		c.ReadinessProbe = probe(h)
		c.LivenessProbe = lenient(probe(h))
	}
	if s.Liveness != nil {
		c.LivenessProbe = modelProbe(s.Liveness)
	}
	if s.Startup != nil {
		c.StartupProbe = modelProbe(s.Startup)
	}
	if s.LongRunning() && len(s.Ports) > 0 && c.ReadinessProbe == nil && c.LivenessProbe == nil {
		names := make([]string, 0, len(s.Ports))
		for _, p := range s.Ports {
			names = append(names, p.Name)
		}
		sort.Strings(names)
		b.warn(s.Name, model.P("services", s.Name, "ports"), "no-probe", "opens ports ("+strings.Join(names, ", ")+") but has no probe: Kubernetes sends it traffic before it listens and never restarts it when it hangs; give it health (readiness and liveness) or liveness")
	}
	return nil
}

// healthSecrets gives the container the variables its health check's
// command reads from secrets (${KEY}): the probe runs the command through
// the shell, which expands them from the container's environment; an exec
// probe's command is not expanded, so a command that is no shell command
// is refused.
func (b *builder) healthSecrets(s *model.Service, c *corev1.Container) error {
	h := s.Health
	if len(h.Secrets) == 0 {
		return nil
	}
	if len(h.Command) != 1 || h.Form == "CMD" {
		return b.errorf(s.Name, []string{"health", "secrets"}, "service %q: health reads secrets (%s) in a command Kubernetes runs without a shell, so nothing expands them: write the command as one shell command (form \"CMD-SHELL\") or drop the secrets from this environment", s.Name, strings.Join(model.SortedKeys(h.Secrets), ", "))
	}
	for _, k := range model.SortedKeys(h.Secrets) {
		sec := h.Secrets[k]
		if e, ok := s.Env[k]; ok {
			if e.Secret == sec {
				continue // the container has it already
			}
			return b.errorf(s.Name, []string{"health", "secrets", k}, "service %q: health reads secret %q as ${%s}, but env %s says something else, and on Kubernetes the shell reads ${%s} from the container's environment: give the health check another variable name", s.Name, sec, k, k, k)
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: sec}, Key: secretDataKey},
		}})
	}
	return nil
}

// modelProbe maps a model probe: http and tcp probe the named port, exec
// runs the command (a one-element command through the shell).
func modelProbe(m *model.Probe) *corev1.Probe {
	p := &corev1.Probe{
		InitialDelaySeconds: int32(m.InitialDelaySeconds),
		PeriodSeconds:       int32(m.PeriodSeconds),
		TimeoutSeconds:      int32(m.TimeoutSeconds),
		FailureThreshold:    int32(m.FailureThreshold),
	}
	p.ProbeHandler = handler(m.Type, m.Path, m.Port, m.Command)
	return p
}

// handler is the probe's action.
func handler(typ, path, port string, command []string) corev1.ProbeHandler {
	switch typ {
	case "http":
		return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port)}}
	case "tcp":
		return corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(port)}}
	case "exec":
		if len(command) == 1 {
			command = []string{"sh", "-c", command[0]}
		}
		return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: command}}
	}
	return corev1.ProbeHandler{}
}

// livenessFactor is how many times longer a liveness probe derived from the
// health check waits than readiness before it acts.
const livenessFactor = 3

// lenient derives a liveness probe from the readiness probe p: the same
// check, but failing only after livenessFactor times as many failures (at
// least 6) and with livenessFactor times the timeout. An overloaded pod
// first leaves the Service (readiness) and is restarted only if it stays
// unhealthy much longer; a liveness probe equal to readiness restarts
// exactly the pods that are merely busy, and a broker in a long log
// recovery would loop for ever. A model that wants another liveness gives
// liveness (or startup, for a slow start).
func lenient(p *corev1.Probe) *corev1.Probe {
	l := p.DeepCopy()
	threshold := max(p.FailureThreshold, 3) * livenessFactor
	l.FailureThreshold = max(threshold, 6)
	l.TimeoutSeconds = max(p.TimeoutSeconds, 1) * livenessFactor
	return l
}
