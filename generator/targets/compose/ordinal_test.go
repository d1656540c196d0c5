package compose_test

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// composeServices are the services the Compose files of env must hold, by
// Compose service name. An ordinal service is one service per replica, as
// docs/TARGETS.md says; the rules are written out here, not taken from the
// package under test: replica k (ordinal start+k) is <name>-<ordinal>, with
// hostname and container name suffixed alike, host ports hostPort + k ×
// hostPortStep, its per-replica variables rendered, its volumes
// <volume>-<ordinal>, and a dependency on an ordinal service is one on each
// of its replicas.
func composeServices(env *model.Environment) map[string]*model.Service {
	out := map[string]*model.Service{}
	for name, s := range env.Services {
		if s.Ordinal == nil {
			out[name] = s
			continue
		}
		for k := 0; k < s.Ordinal.Replicas; k++ {
			o := s.Ordinal.Start + k
			suffix := "-" + strconv.Itoa(o)
			r := *s
			r.Name, r.Hostname, r.Replicas, r.Ordinal = name+suffix, s.Hostname+suffix, 1, nil
			if s.ContainerName != "" {
				r.ContainerName = s.ContainerName + suffix
			}
			r.Ports = nil
			hostPorts := map[string]int{}
			for _, p := range s.Ports {
				if p.HostPort != 0 {
					p.HostPort += k * s.Ordinal.HostPortStep
				}
				hostPorts[p.Name] = p.HostPort
				r.Ports = append(r.Ports, p)
			}
			published := func(port string) string {
				if hp := hostPorts[port]; hp != 0 {
					return "localhost:" + strconv.Itoa(hp)
				}
				p, _ := s.Port(port)
				return r.Hostname + ":" + strconv.Itoa(p.ContainerPort)
			}
			r.Env = map[string]model.EnvVar{}
			for n, e := range s.Env {
				r.Env[n] = e
			}
			for n, tmpl := range s.Ordinal.Env {
				v := publishedRE.ReplaceAllStringFunc(tmpl, func(m string) string {
					return published(publishedRE.FindStringSubmatch(m)[1])
				})
				v = strings.NewReplacer("{{ordinal}}", strconv.Itoa(o), "{{host}}", r.Hostname).Replace(v)
				r.Env[n] = model.EnvVar{Value: &v}
			}
			r.Mounts = nil
			for _, m := range s.Mounts {
				if m.Volume != "" {
					m.Volume += suffix
				}
				r.Mounts = append(r.Mounts, m)
			}
			out[r.Name] = &r
		}
	}
	for name, s := range out {
		deps := map[string]model.Dependency{}
		for dep, d := range s.DependsOn {
			if t := env.Services[dep]; t != nil && t.Ordinal != nil {
				for k := 0; k < t.Ordinal.Replicas; k++ {
					deps[dep+"-"+strconv.Itoa(t.Ordinal.Start+k)] = d
				}
				continue
			}
			deps[dep] = d
		}
		c := *s
		c.DependsOn = deps
		out[name] = &c
	}
	return out
}

var publishedRE = regexp.MustCompile(`\{\{published:([a-z0-9-]+)\}\}`)

// composeVolumes are the top-level volumes env's Compose files declare,
// sorted: an ordinal service's volumes once per replica.
func composeVolumes(env *model.Environment) []string {
	perReplica := map[string]bool{}
	out := []string{}
	for _, s := range env.Services {
		for _, m := range s.Mounts {
			if m.Volume != "" && s.Ordinal != nil {
				perReplica[m.Volume] = true
				for k := 0; k < s.Ordinal.Replicas; k++ {
					out = append(out, m.Volume+"-"+strconv.Itoa(s.Ordinal.Start+k))
				}
			}
		}
	}
	for v := range env.Volumes {
		if !perReplica[v] {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// replicaOf is the ordinal service whose replica the Compose service name
// is, or "".
func replicaOf(env *model.Environment, name string) string {
	for n, s := range env.Services {
		if s.Ordinal == nil {
			continue
		}
		for k := 0; k < s.Ordinal.Replicas; k++ {
			if name == n+"-"+strconv.Itoa(s.Ordinal.Start+k) {
				return n
			}
		}
	}
	return ""
}
