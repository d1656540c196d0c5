package compose

import (
	"strconv"

	"github.com/degen-dev/degen/generator/model"
)

// Compose has no replica with an identity of its own, so an ordinal
// service (model.Ordinal) becomes one Compose service per replica, named
// <name>-<ordinal> like the service's Kubernetes pods: the same name is the
// same replica, with the same ordinal and per-replica values, on both
// runtimes (docs/TARGETS.md "Ordinal services").

// ServiceNames returns the Compose services of the model service name:
// the service itself, or each replica of an ordinal service.
func ServiceNames(env *model.Environment, name string) []string {
	s := env.Services[name]
	if s == nil || s.Ordinal == nil {
		return []string{name}
	}
	var out []string
	for _, o := range s.Ordinals() {
		out = append(out, s.ReplicaName(o))
	}
	return out
}

// replicas turns svc, the Compose rendering of ordinal service s, into one
// service per replica: its hostname and container name, its host ports
// (hostPort + k × hostPortStep for the k-th replica), its per-replica
// variables and its own volumes. Every replica answers the service's
// hostname and its headless name too, as the Kubernetes Services do, and
// its pod's name under the headless one (model.Service.ReplicaPeerName).
func replicas(env *model.Environment, s *model.Service, svc *service) map[string]*service {
	out := map[string]*service{}
	own := map[string]bool{}
	for _, m := range s.Mounts {
		if m.Volume != "" {
			own[m.Volume] = true
		}
	}
	for _, o := range s.Ordinals() {
		r := *svc
		r.Hostname = s.ReplicaHostname(o)
		r.ContainerName = s.ReplicaContainerName(o)
		r.Ports = nil
		for _, p := range svc.Ports {
			mp, _ := s.Port(p.Name)
			p.Published = strconv.Itoa(s.ReplicaHostPort(mp, o))
			r.Ports = append(r.Ports, p)
		}
		if svc.DependsOn != nil {
			r.DependsOn = map[string]dependency{}
			for k, d := range svc.DependsOn {
				r.DependsOn[k] = d
			}
		}
		r.Environment = map[string]*string{}
		for k, v := range svc.Environment {
			r.Environment[k] = v
		}
		for _, k := range model.SortedKeys(s.Ordinal.Env) {
			// load.Validate has parsed every template.
			parts, _ := model.ParseTemplate(s.Ordinal.Env[k])
			v := escape(s.RenderReplica(parts, o, nil))
			r.Environment[k] = &v
		}
		r.Volumes = nil
		for _, v := range svc.Volumes {
			if v.Type == "volume" && own[v.Source] {
				v.Source = model.ReplicaVolume(v.Source, o)
			}
			r.Volumes = append(r.Volumes, v)
		}
		aliases := []string{s.Hostname, s.HeadlessService(), s.ReplicaPeerName(o)}
		if r.Hostname != s.ReplicaName(o) {
			aliases = append(aliases, r.Hostname)
		}
		nets := map[string]serviceNetwork{}
		for _, n := range s.Networks {
			nets[n] = serviceNetwork{Aliases: aliases}
		}
		r.Networks = nets
		out[s.ReplicaName(o)] = &r
	}
	return out
}

// expandDependencies makes a dependency on an ordinal service one on each
// of its replicas, with the same condition.
func expandDependencies(env *model.Environment, services map[string]*service) {
	for _, svc := range services {
		for _, dep := range model.SortedKeys(svc.DependsOn) {
			names := ServiceNames(env, dep)
			if len(names) == 1 && names[0] == dep {
				continue
			}
			d := svc.DependsOn[dep]
			delete(svc.DependsOn, dep)
			for _, n := range names {
				svc.DependsOn[n] = d
			}
		}
	}
}

// replicaVolumes maps each volume an ordinal service mounts to the
// service: Compose declares one volume per replica instead.
func replicaVolumes(env *model.Environment) map[string]*model.Service {
	out := map[string]*model.Service{}
	for _, s := range env.Services {
		if s.Ordinal == nil {
			continue
		}
		for _, m := range s.Mounts {
			if m.Volume != "" {
				out[m.Volume] = s
			}
		}
	}
	return out
}
