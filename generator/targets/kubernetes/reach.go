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
// failing that, the port its own health check reaches or its image's
// well-known port, each reported
// (port-inferred); where none can be found the target warns at the
// reference (port-unknown) with the line that fixes it. The model is left
// as written: declaring the port there silences the warning.

// wellKnownPorts are the ports of well-known images, by the last element
// of the image's repository.
func wellKnownPorts() map[string]int {
	return map[string]int{
		"postgres": 5432, "postgresql": 5432, "postgis": 5432, "pgvector": 5432, "pgvecto-rs": 5432, "timescaledb": 5432,
		"redis": 6379, "redis-stack-server": 6379, "valkey": 6379, "keydb": 6379, "dragonfly": 6379,
		"mysql": 3306, "mariadb": 3306, "percona": 3306, "percona-server": 3306,
		"mongo": 27017, "mongodb": 27017,
		"rabbitmq":      5672,
		"elasticsearch": 9200, "opensearch": 9200,
		"memcached":         11211,
		"clickhouse-server": 8123, "clickhouse": 8123,
		"nats":      4222,
		"etcd":      2379,
		"cassandra": 9042,
		"influxdb":  8086,
	}
}

// schemePorts are the default ports of URL schemes.
func schemePorts() map[string]int {
	return map[string]int{
		"postgres": 5432, "postgresql": 5432, "redis": 6379, "rediss": 6379, "mysql": 3306, "mariadb": 3306,
		"mongodb": 27017, "amqp": 5672, "amqps": 5671, "http": 80, "https": 443, "ws": 80, "wss": 443,
		"memcache": 11211, "memcached": 11211, "nats": 4222, "smtp": 25, "ldap": 389, "ldaps": 636,
	}
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
	if p, ok := wellKnownPorts()[repo]; ok {
		return p
	}
	// A vendor's build of one (zulip/zulip-postgresql, bitnami/redis-cluster).
	for _, k := range []string{"postgres", "redis", "mysql", "mariadb", "mongo", "rabbitmq", "memcached", "elasticsearch", "opensearch", "clickhouse"} {
		if strings.Contains(repo, k) {
			return wellKnownPorts()[k]
		}
	}
	return 0
}

// reference is one place where a service names another: from's variable
// Var, whose value is Value; Port is the port it names, or 0.
type reference struct {
	from, host, variable, value string
	port                        int
	// explicit: the value writes the port after the name (db:5432).
	explicit bool
}

var schemeBefore = regexp.MustCompile(`([A-Za-z][A-Za-z0-9.-]*)(?:\+[A-Za-z0-9.+-]*)?://[^\s/,;]*$`)

// hostChar reports whether c may be part of a host name (so that a match
// next to it is part of another name).
func hostChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// mention is one place a value names a host: port is the port it names
// (0 when it names none), explicit when written after the name.
type mention struct {
	port     int
	explicit bool
}

// hostVariable matches the names of variables that hold a host name.
var hostVariable = regexp.MustCompile(`HOST|SERVER|ADDR|URL|URI|ENDPOINT|BROKER|DSN|BOOTSTRAP|NODES|PEERS|SEEDS|UPSTREAM|PROXY|CLUSTER`)

// mentions returns where value (of the variable) names host: after "//",
// "@", ",", ";", "=" or a space (a URL, a DSN, a list), or at its start
// when a port follows or the variable's name says it holds a host (so
// that DB_NAME=netbox does not name the service netbox).
func mentions(variable, value, host string) []mention {
	var out []mention
	for i := 0; ; {
		j := strings.Index(value[i:], host)
		if j < 0 {
			return out
		}
		start, end := i+j, i+j+len(host)
		i = end
		if start > 0 && !strings.HasSuffix(value[:start], "//") && !strings.ContainsRune("@,;= ", rune(value[start-1])) {
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
		m := mention{}
		if end < len(value) && value[end] == ':' {
			k := end + 1
			for k < len(value) && value[k] >= '0' && value[k] <= '9' {
				k++
			}
			if n, err := strconv.Atoi(value[end+1 : k]); err == nil && n > 0 && n < 65536 && (k == len(value) || !hostChar(value[k])) {
				m = mention{port: n, explicit: true}
			}
		}
		if m.port == 0 {
			if sc := schemeBefore.FindStringSubmatch(value[:start]); sc != nil {
				m.port = schemePorts()[strings.ToLower(sc[1])]
			} else if start == 0 && !hostVariable.MatchString(strings.ToUpper(variable)) {
				continue
			}
		}
		out = append(out, m)
	}
}

// healthPort is the port a service's own health check reaches it on
// (curl -f http://localhost:5000/status), which it listens on, or 0.
func healthPort(s *model.Service) int {
	if s.Health == nil {
		return 0
	}
	for _, cmd := range s.Health.Command {
		for _, host := range []string{"localhost", "127.0.0.1", s.Hostname, s.Name} {
			for _, m := range mentions("URL", cmd, host) {
				if m.explicit {
					return m.port
				}
			}
		}
	}
	return 0
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
	return newReach(env).references(s)
}

// reach indexes what the services of an environment write in their
// variables, so that finding who names a service reads only the values
// that hold its name: every service is looked for, and a scan of every
// value for each would grow with the square of the services.
type reach struct {
	vars []envValue
	// byWord lists, for each word a value holds (a longest run of
	// hostChar), the indices in vars of the values that hold it.
	byWord map[string][]int
	// hostnames are the services' hostnames, and dependedOn the services
	// some service depends on.
	hostnames, dependedOn map[string]bool
}

// envValue is a variable of a service with a literal value.
type envValue struct {
	from     string
	service  *model.Service
	variable string
	value    string
}

func newReach(env *model.Environment) *reach {
	x := &reach{byWord: map[string][]int{}, hostnames: map[string]bool{}, dependedOn: map[string]bool{}}
	for _, from := range env.ServiceNames() {
		o := env.Services[from]
		x.hostnames[o.Hostname] = true
		for d := range o.DependsOn {
			x.dependedOn[d] = true
		}
		for _, v := range o.EnvNames() {
			e := o.Env[v]
			if e.Value == nil {
				continue
			}
			i := len(x.vars)
			x.vars = append(x.vars, envValue{from: from, service: o, variable: v, value: *e.Value})
			for _, w := range words(*e.Value) {
				if ws := x.byWord[w]; len(ws) == 0 || ws[len(ws)-1] != i {
					x.byWord[w] = append(ws, i)
				}
			}
		}
	}
	return x
}

// words are the longest runs of hostChar in value.
func words(value string) []string {
	var out []string
	for i := 0; i < len(value); {
		if !hostChar(value[i]) {
			i++
			continue
		}
		j := i
		for j < len(value) && hostChar(value[j]) {
			j++
		}
		out = append(out, value[i:j])
		i = j
	}
	return out
}

// candidates are the indices in x.vars, ascending, of the values that may
// name host: a mention stands between characters that are not hostChar,
// so the value holds host's first word whole. All of them when host does
// not start with a word.
func (x *reach) candidates(host string) []int {
	if host == "" || !hostChar(host[0]) {
		all := make([]int, len(x.vars))
		for i := range all {
			all[i] = i
		}
		return all
	}
	return x.byWord[words(host)[0]]
}

func (x *reach) references(s *model.Service) []reference {
	hosts := []string{s.Hostname}
	idx := x.candidates(s.Hostname)
	if s.Name != s.Hostname {
		hosts = append(hosts, s.Name)
		idx = slices.Concat(idx, x.candidates(s.Name))
		slices.Sort(idx)
		idx = slices.Compact(idx)
	}
	var out []reference
	for _, i := range idx {
		ev := x.vars[i]
		if ev.from == s.Name {
			continue
		}
		for _, h := range hosts {
			for _, m := range mentions(ev.variable, ev.value, h) {
				if m.port == 0 && strings.TrimSpace(ev.value) == h {
					m.port = pairedPort(ev.service, ev.variable)
				}
				out = append(out, reference{from: ev.from, host: h, variable: ev.variable, value: ev.value, port: m.port, explicit: m.explicit})
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
	x := newReach(&out)
	for _, name := range out.ServiceNames() {
		if c := b.inferPorts(x, out.Services[name]); c != nil {
			out.Services[name] = c
		}
	}
	for _, name := range off {
		s := env.Services[name]
		for _, from := range out.ServiceNames() {
			if _, dep := out.Services[from].DependsOn[name]; dep || len(references(&model.Environment{Services: map[string]*model.Service{from: out.Services[from]}}, s)) > 0 {
				b.warn(name, model.P("services", name, "profiles"), "profile-off", fmt.Sprintf("%s runs only with Compose profile %s, which kubernetes.profiles does not list, so it is not deployed, and %s, which needs it, will not find it: add kubernetes: profiles: [%q] to the environment to run it", name, strings.Join(s.Profiles, " or "), from, s.Profiles[0]))
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

// inferPorts returns s with the ports other services reach it on by name
// and that it does not declare, or nil when it needs none. A service that
// declares ports gets those that references write out (broker:29092); one
// that declares none also those a URL's scheme or a HOST/PORT pair names
// or, failing them, the port its own health check reaches or its image's
// well-known port.
func (b *builder) inferPorts(x *reach, s *model.Service) *model.Service {
	if s.Batch() {
		return nil
	}
	declared := map[int]bool{}
	for _, p := range s.Ports {
		declared[p.ContainerPort] = true
	}
	refs := x.references(s)
	if s.Name != s.Hostname && !x.hostnames[s.Name] && slices.ContainsFunc(refs, func(r reference) bool { return r.host == s.Name }) {
		if b.byName == nil {
			b.byName = map[string]bool{}
		}
		b.byName[s.Name] = true
	}
	ports := map[int]string{}
	var unknown []reference
	for _, r := range refs {
		switch {
		case r.port == 0:
			unknown = append(unknown, r)
		case declared[r.port] || len(s.Ports) > 0 && !r.explicit:
		case ports[r.port] == "":
			ports[r.port] = fmt.Sprintf("%s's %s", r.from, r.variable)
		}
	}
	if len(s.Ports) > 0 {
		unknown = nil
	} else if len(ports) == 0 && (len(refs) > 0 || x.dependedOn[s.Name]) {
		if p := healthPort(s); p != 0 {
			ports[p] = "the port its own health check reaches"
			unknown = nil
		} else if p := imagePort(s.Image); p != 0 {
			ports[p] = fmt.Sprintf("image %s's well-known port", s.Image)
			unknown = nil
		}
	}
	if len(unknown) > 0 && len(ports) == 0 {
		r := unknown[0]
		b.warnAt(s.Name, "port-unknown", model.P("services", r.from, "env", r.variable),
			fmt.Sprintf("%s declares no port, and %s reaches it by name (%s=%q) on a port degen cannot tell: on Kubernetes it gets no Service, so the name does not resolve; declare the port it listens on: services: %s: ports: [{name: \"http\", containerPort: 8080}] (your port)", s.Name, r.from, r.variable, r.value, s.Name))
		return nil
	}
	if len(ports) == 0 {
		return nil
	}
	c := *s
	c.Ports = slices.Clone(s.Ports)
	var why []string
	for _, n := range slices.Sorted(maps.Keys(ports)) {
		c.Ports = append(c.Ports, model.Port{Name: "p" + strconv.Itoa(n), ContainerPort: n, Protocol: "TCP", AppProtocol: "tcp"})
		why = append(why, fmt.Sprintf("%d (%s)", n, ports[n]))
	}
	first := c.Ports[len(s.Ports)]
	b.warn(s.Name, model.P("services", s.Name, "ports"), "port-inferred", fmt.Sprintf("%s is reached by name on ports it does not declare: its Service gets port %s; declare them to make them the model's: services: %s: ports: [{name: %q, containerPort: %d}, …]", s.Name, strings.Join(why, ", "), s.Name, first.Name, first.ContainerPort))
	return &c
}
