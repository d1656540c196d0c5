package load

import (
	"slices"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// ordinals checks the ordinal services (schema #Ordinal): what their
// replicas derive from their ordinals must tell the replicas apart, and the
// names and host ports the targets derive must not meet anything else's.
func (v *validator) ordinals() {
	env := v.env
	// What every service holds, gathered once: looked up per ordinal
	// service, not walked again for each (that was quadratic).
	var held *heldNames
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		if s.Ordinal == nil {
			continue
		}
		if s.Kind != "statefulset" {
			at := v.pos(svcSel(name, "kind")...)
			if !at.IsValid() || InSchema(at) {
				at = v.pos(svcSel(name, "ordinal", "replicas")...)
			}
			v.errorf(at, "service %q has ordinal replicas but is a %s: only a StatefulSet gives each pod an ordinal and a claim of its own; set kind: \"statefulset\"", name, s.Kind)
		}
		if s.Autoscaling != nil {
			v.errorf(v.pos(svcSel(name, "autoscaling", "minReplicas")...), "service %q has ordinal replicas and autoscales: its replicas are its identities (ordinal.replicas %d), which an autoscaler would add and remove; remove autoscaling or ordinal", name, s.Ordinal.Replicas)
		}
		if held == nil {
			held = gatherHeld(env)
		}
		v.replicaEnv(s)
		v.replicaNames(s, held)
		v.replicaVolumes(s, held)
		if env.Has("compose") {
			v.replicaHostPorts(s)
		}
	}
}

// replicaEnv checks the per-replica templates of s: each parses, names
// ports s has, is not also a shared variable nor one degen sets, and gives
// every replica its own value.
func (v *validator) replicaEnv(s *model.Service) {
	env := v.env
	for _, ev := range model.SortedKeys(s.Ordinal.Env) {
		at := v.pos(svcSel(s.Name, "ordinal", "env", ev)...)
		if slices.Contains(model.ReservedReplicaEnv(), ev) {
			v.errorf(at, "service %q: ordinal.env %s is a variable degen sets in every replica on Kubernetes (%v): rename it", s.Name, ev, model.ReservedReplicaEnv())
			continue
		}
		if _, ok := s.Env[ev]; ok {
			msg := "service %q: %s is both in env and in ordinal.env: keep it in env if the replicas share it, in ordinal.env if each has its own"
			v.errorf(v.pos(svcSel(s.Name, "env", ev)...), msg, s.Name, ev)
			v.errorf(at, msg, s.Name, ev)
			continue
		}
		parts, err := model.ParseTemplate(s.Ordinal.Env[ev])
		if err != nil {
			v.errorf(at, "service %q: ordinal.env %s: %v", s.Name, ev, err)
			continue
		}
		bad := false
		for _, p := range parts {
			if p.Placeholder != model.PlaceholderPublished {
				continue
			}
			if _, ok := s.Port(p.Arg); !ok {
				v.errorf(at, "service %q: ordinal.env %s: {{published:%s}} names no port of the service: use one of %v", s.Name, ev, p.Arg, portNames(s))
				bad = true
			}
		}
		if bad {
			continue
		}
		if !env.Has("compose") {
			// Kubernetes renders each placeholder from the pod (its
			// ordinal, name and namespace), so any placeholder tells
			// the replicas apart.
			if !slices.ContainsFunc(parts, func(p model.TemplatePart) bool { return p.Placeholder != "" }) && s.Ordinal.Replicas > 1 {
				o := s.Ordinals()
				v.errorf(at, replicaClash, s.Name, ev, s.Ordinal.Env[ev], s.ReplicaName(o[0]), s.ReplicaName(o[1]))
			}
			continue
		}
		// The values as Compose renders them (Kubernetes's come from the
		// pod, and differ wherever the template has a placeholder).
		seen := map[string]int{}
		for _, o := range s.Ordinals() {
			val := s.RenderReplica(parts, o, nil)
			if first, ok := seen[val]; ok {
				v.errorf(at, replicaClash, s.Name, ev, val, s.ReplicaName(first), s.ReplicaName(o))
				break
			}
			seen[val] = o
		}
	}
}

const replicaClash = "service %q: ordinal.env %s is %q for replicas %s and %s: a per-replica value must tell the replicas apart; use {{ordinal}}, {{host}} or {{published:PORT}} in it, or move it to env if the replicas share it"

func portNames(s *model.Service) []string {
	var out []string
	for _, p := range s.Ports {
		out = append(out, p.Name)
	}
	return out
}

// replicaNames refuses derived names that are no DNS label or that another
// service already has: a replica's name and Compose host and container
// names, and the headless Service.
func (v *validator) replicaNames(s *model.Service, held *heldNames) {
	at := v.pos(svcSel(s.Name, "ordinal", "replicas")...)
	last := s.Ordinal.Start + s.Ordinal.Replicas - 1
	for _, n := range []string{s.ReplicaName(last), s.ReplicaHostname(last), s.HeadlessService()} {
		if len(n) > 63 {
			v.errorf(at, "service %q: the replica name %s is longer than 63 characters, which DNS and Kubernetes refuse: shorten the service's name or hostname", s.Name, n)
			return
		}
	}
	clash := func(n, what string) bool {
		h, ok := held.other(n, s.Name)
		if !ok {
			return false
		}
		shown := strings.TrimPrefix(n, "container:")
		v.errorf(at, "service %q: %s %s is the %s of service %q: rename one of the two services (or set a hostname)", s.Name, what, shown, h.what, h.svc)
		v.errorf(v.pos(svcSel(h.svc)...), "service %q: its %s %s is also %s of the ordinal service %q: rename one of the two services (or set a hostname)", h.svc, h.what, shown, what, s.Name)
		return true
	}
	if clash(s.HeadlessService(), "the name of its headless Service") {
		return
	}
	for _, o := range s.Ordinals() {
		if clash(s.ReplicaName(o), "the name of its replica") || clash(s.ReplicaHostname(o), "the hostname of its replica") {
			return
		}
		if cn := s.ReplicaContainerName(o); cn != "" && clash("container:"+cn, "the container name of its replica") {
			return
		}
	}
}

// replicaVolumes refuses a volume of an ordinal service that another
// service mounts too: each replica has its own claim (Kubernetes) or
// volume (Compose), which no other service can share.
func (v *validator) replicaVolumes(s *model.Service, held *heldNames) {
	env := v.env
	for i, m := range s.Mounts {
		if m.Volume == "" {
			continue
		}
		// The first other service, in name order, that mounts it.
		for _, u := range held.volumes[m.Volume] {
			if u.svc == s.Name {
				continue
			}
			other, j := u.svc, u.mount
			v.errorf(v.pos(svcSel(s.Name, "mounts", strconv.Itoa(i), "volume")...), "service %q has ordinal replicas, each with its own copy of volume %s, which service %q mounts too: give %q a volume of its own", s.Name, m.Volume, other, other)
			v.errorf(v.pos(svcSel(other, "mounts", strconv.Itoa(j), "volume")...), "service %q mounts volume %s, of which each replica of the ordinal service %q has its own copy: give %q a volume of its own", other, m.Volume, s.Name, other)
			return
		}
		if !env.Has("compose") {
			continue
		}
		for _, o := range s.Ordinals() {
			if n := model.ReplicaVolume(m.Volume, o); hasVolume(env, n) {
				v.errorf(v.pos(svcSel(s.Name, "mounts", strconv.Itoa(i), "volume")...), "service %q: replica %s mounts the Compose volume %s, which is also a volume of the model: rename one of them", s.Name, s.ReplicaName(o), n)
				return
			}
		}
	}
}

// replicaHostPorts refuses two replicas (or two ports of one) that Compose
// would publish on one host port, and a derived port above 65535.
func (v *validator) replicaHostPorts(s *model.Service) {
	type use struct {
		ordinal int
		port    string
	}
	seen := map[int]use{}
	for i, p := range s.Ports {
		if p.HostPort == 0 {
			continue
		}
		at := v.pos(svcSel(s.Name, "ports", strconv.Itoa(i), "hostPort")...)
		for _, o := range s.Ordinals() {
			hp := s.ReplicaHostPort(p, o)
			if hp > 65535 {
				v.errorf(at, "service %q: replica %s would publish port %s on host port %d, above 65535: lower hostPort or ordinal.hostPortStep", s.Name, s.ReplicaName(o), p.Name, hp)
				return
			}
			if u, ok := seen[hp]; ok {
				v.errorf(at, "service %q: replicas %s (port %s) and %s (port %s) would both publish host port %d in Compose (the k-th replica publishes hostPort + k × ordinal.hostPortStep): space the ports' hostPorts at least %d apart (ordinal.replicas × hostPortStep), or change hostPortStep", s.Name, s.ReplicaName(u.ordinal), u.port, s.ReplicaName(o), p.Name, hp, s.Ordinal.Replicas*s.Ordinal.HostPortStep)
				return
			}
			seen[hp] = use{o, p.Name}
		}
	}
}

// heldNames is what the services of an environment hold, for the checks of
// the ordinal services.
type heldNames struct {
	// names maps a hostname, a service name, or "container:" and a
	// container name to the services holding it, in service name order
	// (hostname, name, container name for each).
	names map[string][]holder
	// volumes maps a volume to its mounts, in service name order.
	volumes map[string][]volumeUse
}

type holder struct{ svc, what string }

type volumeUse struct {
	svc   string
	mount int
}

func gatherHeld(env *model.Environment) *heldNames {
	h := &heldNames{names: map[string][]holder{}, volumes: map[string][]volumeUse{}}
	for _, name := range env.ServiceNames() {
		o := env.Services[name]
		h.names[o.Hostname] = append(h.names[o.Hostname], holder{name, "hostname"})
		h.names[name] = append(h.names[name], holder{name, "name"})
		if o.ContainerName != "" {
			h.names["container:"+o.ContainerName] = append(h.names["container:"+o.ContainerName], holder{name, "container name"})
		}
		for j, m := range o.Mounts {
			if m.Volume != "" {
				h.volumes[m.Volume] = append(h.volumes[m.Volume], volumeUse{name, j})
			}
		}
	}
	return h
}

// other is the holder of n other than the service self: the last one, as
// a map filled in service name order would keep.
func (h *heldNames) other(n, self string) (holder, bool) {
	hs := h.names[n]
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].svc != self {
			return hs[i], true
		}
	}
	return holder{}, false
}

func hasVolume(env *model.Environment, name string) bool {
	_, ok := env.Volumes[name]
	return ok
}
