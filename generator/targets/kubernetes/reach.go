package kubernetes

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// Compose lets a container reach another by its name on any port, declared
// or not (DATABASE_URL=postgres://db:5432 with db declaring no port);
// Kubernetes only through a Service, which names its ports. This file is
// the one home of what the Kubernetes target makes of that: a service
// other services reach by name and that declares no port gets the ports
// those references name (a URL's port or scheme, a HOST/PORT pair) or,
// failing that, its image's well-known port, each reported
// (port-inferred); where none can be found the target warns at the
// reference (port-unknown) with the line that fixes it. The model is left
// as written: declaring the port there silences the warning.

// wellKnownPorts are the ports of well-known images, by the last element
// of the image's repository.
var wellKnownPorts = map[string]int{
	"postgres": 5432, "postgresql": 5432, "postgis": 5432, "pgvector": 5432, "pgvecto-rs": 5432, "timescaledb": 5432,
	"redis": 6379, "redis-stack-server": 6379, "valkey": 6379, "keydb": 6379, "dragonfly": 6379,
	"mysql": 3306, "mariadb": 3306, "percona": 3306, "percona-server": 3306,
	"mongo": 27017, "mongodb": 27017,
	"rabbitmq":      5672,
	"elasticsearch": 9200, "opensearch": 9200,
	"kafka": 9092, "cp-kafka": 9092, "cp-server": 9092,
	"zookeeper": 2181, "cp-zookeeper": 2181,
	"memcached":         11211,
	"clickhouse-server": 8123,
	"minio":             9000,
	"nats":              4222,
	"etcd":              2379,
	"cassandra":         9042,
	"influxdb":          8086,
}

// schemePorts are the default ports of URL schemes.
var schemePorts = map[string]int{
	"postgres": 5432, "postgresql": 5432, "redis": 6379, "rediss": 6379, "mysql": 3306, "mariadb": 3306,
	"mongodb": 27017, "amqp": 5672, "amqps": 5671, "http": 80, "https": 443, "ws": 80, "wss": 443,
	"memcache": 11211, "memcached": 11211, "nats": 4222, "kafka": 9092, "smtp": 25, "ldap": 389, "ldaps": 636,
}

// imagePort is the well-known port of image, or 0.
func imagePort(image string) int {
	repo := image
	if i := strings.IndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, '/'); i >= 0 {
		repo = repo[i+1:]
	}
	if i := strings.IndexByte(repo, ':'); i >= 0 {
		repo = repo[:i]
	}
	return wellKnownPorts[repo]
}

// reference is one place where a service names another: from's variable
// Var, whose value is Value; Port is the port it names, or 0.
type reference struct {
	from, variable, value string
	port                  int
}

var schemeBefore = regexp.MustCompile(`([A-Za-z][A-Za-z0-9.-]*)(?:\+[A-Za-z0-9.+-]*)?://[^\s/,;]*$`)

// hostChar reports whether c may be part of a host name (so that a match
// next to it is part of another name).
func hostChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// mentions returns the ports value names host on: one entry per mention,
// 0 when the mention names no port.
func mentions(value, host string) []int {
	var out []int
	for i := 0; ; {
		j := strings.Index(value[i:], host)
		if j < 0 {
			return out
		}
		start, end := i+j, i+j+len(host)
		i = end
		if start > 0 && (hostChar(value[start-1]) || value[start-1] == '.') {
			continue
		}
		if end < len(value) {
			c := value[end]
			// redis:// is a scheme, not the host redis.
			if hostChar(c) || strings.HasPrefix(value[end:], "://") {
				continue
			}
			// db.example.com is another host; "db." ending a sentence is db.
			if c == '.' && end+1 < len(value) && hostChar(value[end+1]) {
				continue
			}
		}
		port := 0
		if end < len(value) && value[end] == ':' {
			k := end + 1
			for k < len(value) && value[k] >= '0' && value[k] <= '9' {
				k++
			}
			if n, err := strconv.Atoi(value[end+1 : k]); err == nil && n > 0 && n < 65536 && (k == len(value) || !hostChar(value[k])) {
				port = n
			}
		}
		if port == 0 {
			if m := schemeBefore.FindStringSubmatch(value[:start]); m != nil {
				port = schemePorts[strings.ToLower(m[1])]
			}
		}
		out = append(out, port)
	}
}

// pairedPort is the port of a HOST/PORT pair: variable names the host
// alone (DB_HOST=db), and its sibling (DB_PORT) a number.
func pairedPort(s *model.Service, variable string) int {
	for _, suffix := range []string{"HOSTNAME", "HOST", "SERVER", "ADDR", "ADDRESS"} {
		i := strings.LastIndex(variable, suffix)
		if i < 0 {
			continue
		}
		e, ok := s.Env[variable[:i]+"PORT"+variable[i+len(suffix):]]
		if !ok || e.Value == nil {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSpace(*e.Value)); err == nil && n > 0 && n < 65536 {
			return n
		}
	}
	return 0
}

// references are the places other services of env name s (by its
// hostname, or its name), by referring service and variable.
func references(env *model.Environment, s *model.Service) []reference {
	hosts := []string{s.Hostname}
	if s.Name != s.Hostname {
		hosts = append(hosts, s.Name)
	}
	var out []reference
	for _, from := range env.ServiceNames() {
		o := env.Services[from]
		if from == s.Name {
			continue
		}
		for _, v := range o.EnvNames() {
			e := o.Env[v]
			if e.Value == nil {
				continue
			}
			for _, h := range hosts {
				for _, port := range mentions(*e.Value, h) {
					if port == 0 && strings.TrimSpace(*e.Value) == h {
						port = pairedPort(o, v)
					}
					out = append(out, reference{from: from, variable: v, value: *e.Value, port: port})
				}
			}
		}
	}
	return out
}

// kubernetesServices is env as the Kubernetes target runs it: without the
// services whose Compose profiles the environment does not enable, and
// with the ports inferred for the services others reach by name. env is
// not changed: the result shares what it does not replace.
func (b *builder) kubernetesServices(env *model.Environment) *model.Environment {
	out := *env
	out.Services = make(map[string]*model.Service, len(env.Services))
	var off []string
	for name, s := range env.Services {
		if len(s.Profiles) > 0 && !slices.ContainsFunc(s.Profiles, func(p string) bool { return slices.Contains(env.Kubernetes.Profiles, p) }) {
			off = append(off, name)
			continue
		}
		out.Services[name] = s
	}
	slices.Sort(off)
	for _, name := range out.ServiceNames() {
		s := out.Services[name]
		if len(s.Ports) > 0 || s.Batch() {
			continue
		}
		refs := references(&out, s)
		ports := map[int][]reference{}
		var unknown []reference
		for _, r := range refs {
			if r.port == 0 {
				unknown = append(unknown, r)
				continue
			}
			ports[r.port] = append(ports[r.port], r)
		}
		dependedOn := false
		for _, o := range out.Services {
			_, dep := o.DependsOn[name]
			dependedOn = dependedOn || dep
		}
		if len(ports) == 0 && (len(refs) > 0 || dependedOn) {
			if p := imagePort(s.Image); p != 0 {
				ports[p] = nil
				unknown = nil
			}
		}
		if len(ports) == 0 {
			if len(unknown) > 0 {
				r := unknown[0]
				b.warnAt(name, "port-unknown", model.P("services", r.from, "env", r.variable),
					fmt.Sprintf("%s declares no port, and %s reaches it by name (%s=%q) on a port degen cannot tell: on Kubernetes it gets no Service, so the name does not resolve; declare the port it listens on: services: %s: ports: [{name: \"http\", containerPort: 8080}] (your port)", name, r.from, r.variable, r.value, name))
			}
			continue
		}
		c := *s
		c.Ports = nil
		var why []string
		for _, n := range slices.Sorted(maps.Keys(ports)) {
			p := strconv.Itoa(n)
			c.Ports = append(c.Ports, model.Port{Name: "p" + p, ContainerPort: n, Protocol: "TCP", AppProtocol: "tcp"})
			if rs := ports[n]; len(rs) > 0 {
				why = append(why, fmt.Sprintf("%s from %s's %s", p, rs[0].from, rs[0].variable))
			} else {
				why = append(why, fmt.Sprintf("%s, image %s's well-known port", p, s.Image))
			}
		}
		out.Services[name] = &c
		b.warn(name, "port-inferred", fmt.Sprintf("%s declares no port, and other services reach it by name: its Service gets port %s; declare it to make it the model's: services: %s: ports: [{name: %q, containerPort: %d}]", name, strings.Join(why, ", port "), name, c.Ports[0].Name, c.Ports[0].ContainerPort))
	}
	for _, name := range off {
		s := env.Services[name]
		for _, from := range out.ServiceNames() {
			if _, dep := out.Services[from].DependsOn[name]; dep || len(references(&model.Environment{Services: map[string]*model.Service{from: out.Services[from]}}, s)) > 0 {
				b.warn(name, "profile-off", fmt.Sprintf("%s runs only with Compose profile %s, which kubernetes.profiles does not list, so it is not deployed, and %s, which needs it, will not find it: add kubernetes: profiles: [%q] to the environment to run it", name, strings.Join(s.Profiles, " or "), from, s.Profiles[0]))
				break
			}
		}
	}
	return &out
}

// syncWaveAnnotation orders an Argo CD sync: Argo CD applies a wave once
// the waves before it are healthy, and a Job is healthy once it has
// completed.
const syncWaveAnnotation = "argocd.argoproj.io/sync-wave"

// syncWaves are the sync waves of an environment in which a service waits
// for a Job to complete (dependsOn condition "completed", a migration or
// an init step): each workload's wave is its depth in the dependsOn graph,
// so that Argo CD runs the Job once what it needs is healthy, and its
// dependents once it has completed. Without such a Job, nil: the other
// conditions are the containers' own to wait for, as in Compose (a
// readiness probe keeps a pod out of its Service until it is ready). Flux
// applies an overlay at once: there the Job retries (backoffLimit) until
// what it needs is up, and its dependents restart until it has run.
func syncWaves(env *model.Environment) map[string]int {
	job := false
	for _, s := range env.Services {
		for d, dep := range s.DependsOn {
			if t, ok := env.Services[d]; ok && t.Kind == "job" && dep.Condition == "completed" {
				job = true
			}
		}
	}
	if !job {
		return nil
	}
	waves := map[string]int{}
	visiting := map[string]bool{}
	var depth func(string) int
	depth = func(name string) int {
		if w, ok := waves[name]; ok {
			return w
		}
		if visiting[name] {
			return 0 // a cycle: the loader refuses it; no order then
		}
		visiting[name] = true
		w := 0
		for _, d := range model.SortedKeys(env.Services[name].DependsOn) {
			if _, ok := env.Services[d]; ok {
				w = max(w, depth(d)+1)
			}
		}
		waves[name] = w
		return w
	}
	for _, name := range env.ServiceNames() {
		depth(name)
	}
	return waves
}
