package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Ordinal is a replicated service whose replicas each have an identity of
// their own; see schema #Ordinal and docs/TARGETS.md "Ordinal services".
type Ordinal struct {
	// Replicas is the number of replicas (also the service's Replicas).
	Replicas int `json:"replicas"`
	// Start is the first ordinal.
	Start int `json:"start"`
	// HostPortStep spaces the replicas' Compose host ports.
	HostPortStep int `json:"hostPortStep"`
	// Env are the per-replica variables by name, each a template (see
	// ParseTemplate).
	Env map[string]string `json:"env,omitempty"`
}

// Ordinals returns the ordinals of s's replicas in order, or nil when s is
// not an ordinal service.
func (s *Service) Ordinals() []int {
	if s.Ordinal == nil {
		return nil
	}
	out := make([]int, s.Ordinal.Replicas)
	for i := range out {
		out[i] = s.Ordinal.Start + i
	}
	return out
}

// ReplicaName is the name of the replica with the given ordinal: the
// Compose service and the Kubernetes pod, <name>-<ordinal>.
func (s *Service) ReplicaName(ordinal int) string { return s.Name + "-" + strconv.Itoa(ordinal) }

// ReplicaHostname is the DNS name of a replica in Compose,
// <hostname>-<ordinal>.
func (s *Service) ReplicaHostname(ordinal int) string {
	return s.Hostname + "-" + strconv.Itoa(ordinal)
}

// ReplicaContainerName is a replica's Compose container name,
// <containerName>-<ordinal>, or "" when the model gives none.
func (s *Service) ReplicaContainerName(ordinal int) string {
	if s.ContainerName == "" {
		return ""
	}
	return s.ContainerName + "-" + strconv.Itoa(ordinal)
}

// ReplicaVolume is the Compose volume a replica mounts for a volume of
// the model, <volume>-<ordinal>: each replica has its own.
func ReplicaVolume(volume string, ordinal int) string { return volume + "-" + strconv.Itoa(ordinal) }

// ReplicaHostPort is the Compose host port the replica with the given
// ordinal publishes p on, or 0 when p has none.
func (s *Service) ReplicaHostPort(p Port, ordinal int) int {
	if p.HostPort == 0 || s.Ordinal == nil {
		return p.HostPort
	}
	return p.HostPort + (ordinal-s.Ordinal.Start)*s.Ordinal.HostPortStep
}

// HeadlessService is the name of an ordinal service's headless Kubernetes
// Service, which governs its StatefulSet and gives each pod its DNS name;
// in Compose every replica answers it too.
func (s *Service) HeadlessService() string { return s.Hostname + HeadlessSuffix }

// ReplicaPeerName is a replica's stable DNS name on both runtimes,
// <name>-<ordinal>.<hostname>-headless: the pod's record under its
// governing Service, which Kubernetes answers in the pod's namespace, and a
// network alias of the Compose replica. A member list (a ZooKeeper
// ensemble's servers) names the replicas so.
func (s *Service) ReplicaPeerName(ordinal int) string {
	return s.ReplicaName(ordinal) + "." + s.HeadlessService()
}

// HeadlessSuffix ends the name of an ordinal service's headless Service.
const HeadlessSuffix = "-headless"

// The placeholders of a per-replica template.
const (
	PlaceholderOrdinal   = "ordinal"
	PlaceholderHost      = "host"
	PlaceholderPublished = "published"
)

// TemplatePart is a piece of a per-replica template: literal Text, or a
// Placeholder (with Arg, the port name of "published").
type TemplatePart struct {
	Text        string
	Placeholder string
	Arg         string
}

// ParseTemplate splits a per-replica template into its parts. A
// placeholder is written {{ordinal}}, {{host}} or {{published:PORT}}; any
// other text between {{ and }}, or a {{ without its }}, is an error that
// says what is allowed. Literal text holds no "{{".
func ParseTemplate(tmpl string) ([]TemplatePart, error) {
	var parts []TemplatePart
	rest := tmpl
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			parts = append(parts, TemplatePart{Text: rest})
			break
		}
		if i > 0 {
			parts = append(parts, TemplatePart{Text: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("%q opens {{ at byte %d and never closes it: write {{ordinal}}, {{host}} or {{published:PORT}}", tmpl, len(tmpl)-len(rest)+i)
		}
		inner := strings.TrimSpace(rest[i+2 : i+j])
		name, arg, hasArg := strings.Cut(inner, ":")
		switch {
		case (name == PlaceholderOrdinal || name == PlaceholderHost) && !hasArg:
		case name == PlaceholderPublished && hasArg && arg != "":
		default:
			return nil, fmt.Errorf("%q holds the placeholder {{%s}}, which is none of {{ordinal}}, {{host}} and {{published:PORT}} (PORT names a port of the service)", tmpl, inner)
		}
		parts = append(parts, TemplatePart{Placeholder: name, Arg: arg})
		rest = rest[i+j+2:]
	}
	return parts, nil
}

// RenderTemplate joins parts, with each placeholder replaced by what value
// returns for it and each literal by what literal returns (the identity
// when literal is nil: a target escapes literals its runtime would expand).
func RenderTemplate(parts []TemplatePart, value func(TemplatePart) string, literal func(string) string) string {
	var b strings.Builder
	for _, p := range parts {
		switch {
		case p.Placeholder != "":
			b.WriteString(value(p))
		case literal != nil:
			b.WriteString(literal(p.Text))
		default:
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// RenderReplica renders the per-replica template parts for the replica
// with ordinal o as Compose runs it: {{ordinal}} is o, {{host}} the
// replica's hostname, and {{published:PORT}} the address PORT answers on,
// localhost:<the replica's host port> (ReplicaHostPort) when PORT has a
// host port, else <the replica's hostname>:<the container port>. literal
// is RenderTemplate's. The validator refuses a template whose PORT is no
// port of s before any target renders it.
func (s *Service) RenderReplica(parts []TemplatePart, o int, literal func(string) string) string {
	return RenderTemplate(parts, func(p TemplatePart) string {
		switch p.Placeholder {
		case PlaceholderOrdinal:
			return strconv.Itoa(o)
		case PlaceholderHost:
			return s.ReplicaHostname(o)
		}
		port, _ := s.Port(p.Arg)
		if hp := s.ReplicaHostPort(port, o); hp != 0 {
			return "localhost:" + strconv.Itoa(hp)
		}
		return s.ReplicaHostname(o) + ":" + strconv.Itoa(port.ContainerPort)
	}, literal)
}

// The variables the Kubernetes target gives the container of an ordinal
// service, from the downward API, for the per-replica templates to read:
// the pod's ordinal (its apps.kubernetes.io/pod-index label), name and
// namespace. The model may not name a variable of its own so.
const (
	EnvReplicaOrdinal   = "DEGEN_ORDINAL"
	EnvReplicaPod       = "DEGEN_POD_NAME"
	EnvReplicaNamespace = "DEGEN_POD_NAMESPACE"
)

// ReservedReplicaEnv returns the variables of an ordinal service's
// container that degen sets, in the order the container lists them.
func ReservedReplicaEnv() []string {
	return []string{EnvReplicaOrdinal, EnvReplicaPod, EnvReplicaNamespace}
}
