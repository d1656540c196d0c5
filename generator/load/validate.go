package load

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/suggest"
)

// Validate checks what the schema cannot say on its own: references between
// services, networks, volumes, secrets, flags and topics, and the rules that
// span several values. Disabled services are dropped first, together with
// the dependencies on them. Each problem names the position of the value at
// fault.
func Validate(env *model.Environment) error {
	dropDisabled(env)
	v := &validator{env: env}
	v.envName()
	v.services()
	v.ordinals()
	v.mounts()
	v.alertsMounts()
	v.names()
	v.variables()
	v.cycles()
	v.runtimes()
	v.ingresses()
	v.workloads()
	if v.errs == nil {
		return nil
	}
	return cueerrors.Sanitize(v.errs)
}

// dropDisabled removes services with enabled: false and dependencies on
// them, noting each dropped dependency, and each env value that still names
// a disabled service's host, on the service that keeps it (model.Note).
func dropDisabled(env *model.Environment) {
	hosts := map[string]string{} // host name -> disabled service
	for name, s := range env.Services {
		if !s.Enabled {
			hosts[s.Hostname] = name
			hosts[name] = name
			delete(env.Services, name)
			// Its Compose-only fields (compose.patches) go with it.
			delete(env.Compose.Patches, name)
		}
	}
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		for _, dep := range model.SortedKeys(s.DependsOn) {
			if other, ok := env.Services[dep]; !ok && other == nil && disabledIn(env, dep) {
				delete(s.DependsOn, dep)
				env.Notes = append(env.Notes, model.Note{Subject: name, Code: "dependency-disabled", Path: model.P("services", name, "dependsOn", dep),
					Message: fmt.Sprintf("depends on %s, which is disabled here (enabled: false): the dependency is dropped, and %s starts without it", dep, name)})
			}
		}
		if len(hosts) == 0 {
			continue
		}
		for _, key := range model.SortedKeys(s.Env) {
			v := s.Env[key].Value
			if v == nil {
				continue
			}
			for _, h := range model.SortedKeys(hosts) {
				if namesHost(*v, h) {
					env.Notes = append(env.Notes, model.Note{Subject: name, Code: "env-names-disabled", Path: model.P("services", name, "env", key),
						Message: fmt.Sprintf("env %s = %q names %s, which is disabled here (enabled: false): nothing answers there", key, *v, hosts[h])})
					break
				}
			}
		}
	}
}

// namesHost reports whether value holds host as a whole host name: "h",
// "h:80", "ws://h:8765/x", "a,h" — not "h2" or "other-h".
func namesHost(value, host string) bool {
	for i := 0; ; {
		j := strings.Index(value[i:], host)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(host)
		before := start == 0 || !hostChar(value[start-1])
		after := end == len(value) || !hostChar(value[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func hostChar(c byte) bool {
	return c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// disabledIn reports whether name is a service of env's CUE value that was
// dropped for enabled: false (and not a misspelt name).
func disabledIn(env *model.Environment, name string) bool {
	v, unlock, ok := EnvValue(env)
	defer unlock()
	if !ok || !v.Exists() {
		return false
	}
	en := v.LookupPath(cue.MakePath(cue.Str("services"), cue.Str(name), cue.Str("enabled")))
	b, err := en.Bool()
	return err == nil && !b
}

type validator struct {
	env  *model.Environment
	errs cueerrors.Error
}

// envName checks that an environment whose block sets neither stage nor
// artefacts (only overrides) is not a misspelt name of another: such a
// block would silently build an environment of its own, and never change
// the one meant.
func (v *validator) envName() {
	t, name := TreesOf(v.env), v.env.Name
	if t == nil || name == model.BaseName || t.writes(name, "stage") || t.writes(name, "artefacts") {
		return
	}
	others := slices.DeleteFunc(t.envLabels(), func(n string) bool { return n == name })
	near := didYouMean(name, others)
	if near == "" {
		return
	}
	v.errorf(v.pos(), "its block sets neither stage nor artefacts, so it builds as an environment of its own: %sgive %s a stage and artefacts if it is a new environment", near, name)
}

// pos returns the position of the value at the given path selectors: the
// locator's line in the Load's syntax trees (Line), nothing evaluated.
func (v *validator) pos(sel ...cue.Selector) token.Pos {
	return Line(v.env, cue.MakePath(sel...).String())
}

func (v *validator) errorf(pos token.Pos, format string, args ...any) {
	msg := fmt.Sprintf("environment %s: ", v.env.Name) + fmt.Sprintf(format, args...)
	v.errs = cueerrors.Append(v.errs, cueerrors.Newf(pos, "%s", msg))
}

func svcSel(name string, rest ...string) []cue.Selector {
	sel := []cue.Selector{cue.Str("services"), cue.Str(name)}
	for _, r := range rest {
		if i, err := strconv.Atoi(r); err == nil {
			sel = append(sel, cue.Index(i))
			continue
		}
		sel = append(sel, cue.Str(r))
	}
	return sel
}

func (v *validator) services() {
	env := v.env
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		for _, dep := range model.SortedKeys(s.DependsOn) {
			if _, ok := env.Services[dep]; !ok {
				v.errorf(v.pos(svcSel(name, "dependsOn", dep)...), "service %q depends on %q, which is not a service of this environment: add the service or remove the dependency", name, dep)
			}
		}
		for i, n := range s.Networks {
			if _, ok := env.Networks[n]; !ok {
				v.errorf(v.pos(svcSel(name, "networks", strconv.Itoa(i))...), "service %q joins network %q, which is not defined: %s", name, n, networksHint(env))
			}
		}
		ports := map[string]bool{}
		for i, p := range s.Ports {
			if ports[p.Name] {
				v.errorf(v.pos(svcSel(name, "ports", strconv.Itoa(i), "name")...), "service %q has two ports named %q: give each port its own name, e.g. %q", name, p.Name, p.Name+"-2")
			}
			ports[p.Name] = true
		}
		v.portRef(name, ports, s.Health != nil && s.Health.Port != "", func() string { return s.Health.Port }, "health", "port")
		v.portRef(name, ports, s.Metrics != nil, func() string { return s.Metrics.Port }, "metrics", "port")
		v.portRef(name, ports, s.Ingress != nil, func() string { return s.Ingress.Port }, "ingress", "port")
		for _, ev := range s.EnvNames() {
			v.envVar(name, ev, s.Env[ev])
		}
		if s.Health != nil {
			for _, k := range model.SortedKeys(s.Health.Secrets) {
				if _, ok := env.Secrets[s.Health.Secrets[k]]; !ok {
					v.errorf(v.pos(svcSel(name, "health", "secrets", k)...), "service %q: health reads secret %q as ${%s}, which is not defined: add it under secrets", name, s.Health.Secrets[k], k)
				}
			}
		}
		if s.Autoscaling != nil {
			// The autoscaling struct's own position is the schema's; its
			// required minReplicas is where the model writes it.
			at := v.pos(svcSel(name, "autoscaling", "minReplicas")...)
			if s.Kind == "statefulset" && s.Autoscaling.CPUUtilization == 0 && s.Autoscaling.MemoryUtilization == 0 {
				v.errorf(at, "service %q autoscales without a metric: set cpuUtilization or memoryUtilization", name)
			}
			if s.Kind == "daemonset" || s.Batch() {
				v.errorf(at, "service %q is a %s, which cannot autoscale: remove autoscaling or make it a deployment", name, s.Kind)
			}
		}
	}
}

// ingresses checks the Ingress routes: no two services on one host and
// path, and a prefix stripped only where degen can write the rewrite.
func (v *validator) ingresses() {
	env := v.env
	taken := map[[2]string]string{}
	for _, name := range env.ServiceNames() {
		in := env.Services[name].Ingress
		if in == nil {
			continue
		}
		host := in.Host
		if host == "" {
			host = env.Kubernetes.IngressHost
		}
		route := [2]string{host, in.Path}
		if other, ok := taken[route]; ok {
			where := "host " + strconv.Quote(host)
			if host == "" {
				where = "every host (kubernetes.ingressHost is not set)"
			}
			v.errorf(v.pos(svcSel(name, "ingress", "path")...), "services %q and %q both route path %s on %s: give one another path or an ingress.host", other, name, in.Path, where)
			continue
		}
		taken[route] = name
		if !in.StripPrefix {
			continue
		}
		switch {
		case in.Path == "/":
			v.errorf(v.pos(svcSel(name, "ingress", "stripPrefix")...), "service %q strips the prefix of path /, which is no prefix: remove stripPrefix or route a sub-path", name)
		case env.Kubernetes.IngressController != "ingress-nginx":
			v.errorf(v.pos(svcSel(name, "ingress", "stripPrefix")...), "service %q strips its path prefix, which degen writes as ingress-nginx's rewrite, but kubernetes.ingressController is %q: route the service by ingress.host, or set the app's own base path and remove stripPrefix", name, env.Kubernetes.IngressController)
		}
	}
}

func (v *validator) portRef(svc string, ports map[string]bool, set bool, port func() string, field, sub string) {
	if !set {
		return
	}
	if p := port(); !ports[p] {
		v.errorf(v.pos(svcSel(svc, field, sub)...), "service %q: %s uses port %q, which the service does not expose: add it to ports or use one of %v", svc, field, p, model.SortedKeys(ports))
	}
}

func (v *validator) envVar(svc, name string, e model.EnvVar) {
	n := 0
	for _, set := range []bool{e.Value != nil, e.Secret != "", e.Flag != ""} {
		if set {
			n++
		}
	}
	if n == 0 && e.Variable != "" {
		return // passed through from the environment of docker compose
	}
	if n != 1 {
		v.errorf(v.pos(svcSel(svc, "env", name)...), "service %q: env %s needs exactly one of value, secret or flag (or a variable alone, which Compose passes through)", svc, name)
		return
	}
	if e.Secret != "" {
		if _, ok := v.env.Secrets[e.Secret]; !ok {
			v.errorf(v.pos(svcSel(svc, "env", name, "secret")...), "service %q: env %s references secret %q, which is not defined: add it under secrets", svc, name, e.Secret)
		}
	}
	if e.Flag != "" {
		if _, ok := v.env.Flags[e.Flag]; !ok {
			v.errorf(v.pos(svcSel(svc, "env", name, "flag")...), "service %q: env %s references flag %q, which is not defined: add it under flags", svc, name, e.Flag)
		}
	}
	if e.Variable != "" && e.Value == nil {
		v.errorf(v.pos(svcSel(svc, "env", name)...), "service %q: env %s has a variable beside a secret or flag, which name their own variables: drop variable", svc, name)
	}
}

// names refuses two services with one hostname (their DNS name, which also
// names their Kubernetes Service) or one Compose container name, naming
// both services.
func (v *validator) names() {
	v.kubeNames("networks", model.SortedKeys(v.env.Networks))
	v.kubeNames("volumes", model.SortedKeys(v.env.Volumes))
	for _, field := range []struct {
		name, what string
		get        func(*model.Service) string
	}{
		{"hostname", "DNS name and names its Kubernetes Service", func(s *model.Service) string { return s.Hostname }},
		{"containerName", "Compose container name", func(s *model.Service) string { return s.ContainerName }},
	} {
		owner := map[string]string{}
		for _, name := range v.env.ServiceNames() {
			n := field.get(v.env.Services[name])
			if n == "" {
				continue
			}
			o, ok := owner[n]
			if !ok {
				owner[n] = name
				continue
			}
			v.errorf(v.svcPos(name, field.name), "services %q and %q both have %s %q, which is a service's %s: give one of them another %s", name, o, field.name, n, field.what, field.name)
			v.errorf(v.svcPos(o, field.name), "services %q and %q both have %s %q, which is a service's %s: give one of them another %s", o, name, field.name, n, field.what, field.name)
		}
	}
}

// kubeNames refuses two volume or network names that Kubernetes would
// give one name (model.KubeName): "db_data" and "db.data" both become
// "db-data".
func (v *validator) kubeNames(field string, names []string) {
	owner := map[string]string{}
	for _, n := range names {
		k := model.KubeName(n)
		if o, ok := owner[k]; ok {
			v.errorf(v.pos(cue.Str(field), cue.Str(n)), "%s %q and %q both get the Kubernetes name %q: rename one of them", field, o, n, k)
			continue
		}
		owner[k] = n
	}
}

// svcPos is the position of a service's field in the model, or of the
// service when the field keeps the schema's default.
func (v *validator) svcPos(svc, field string) token.Pos {
	p := v.pos(svcSel(svc, field)...)
	if !p.IsValid() || InSchema(p) {
		p = v.pos(svcSel(svc)...)
	}
	return p
}

// variables checks that a Compose variable carries one value in the
// environment, since .env can hold only one.
func (v *validator) variables() {
	type use struct{ svc, env, value string }
	seen := map[string]use{}
	for _, name := range v.env.ServiceNames() {
		s := v.env.Services[name]
		for _, ev := range s.EnvNames() {
			e := s.Env[ev]
			if e.Variable == "" || e.Value == nil {
				continue
			}
			if u, ok := seen[e.Variable]; ok && u.value != *e.Value {
				v.errorf(v.pos(svcSel(name, "env", ev, "value")...), "variable %s is %q here but %q in %s.%s: one Compose variable carries one value", e.Variable, *e.Value, u.value, u.svc, u.env)
				continue
			}
			seen[e.Variable] = use{name, ev, *e.Value}
		}
	}
}

// cycles refuses dependsOn cycles, which Compose cannot start.
func (v *validator) cycles() {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		s := v.env.Services[n]
		deps := model.SortedKeys(s.DependsOn)
		for _, d := range deps {
			if _, ok := v.env.Services[d]; !ok {
				continue
			}
			switch color[d] {
			case grey:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				cycle := append(append([]string{}, stack[i:]...), d)
				v.errorf(v.pos(svcSel(n, "dependsOn", d)...), "dependsOn cycle %s: Compose cannot start any of these services; remove one dependency", strings.Join(cycle, " → "))
				return true
			case white:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	names := v.env.ServiceNames()
	sort.Strings(names)
	for _, n := range names {
		if color[n] == white {
			stack = stack[:0]
			if visit(n) {
				return
			}
		}
	}
}

// runtimes checks what a runtime needs of the environment and the schema
// leaves optional: the secret store the Kubernetes ExternalSecrets read,
// and the selectors of the Prometheus Operator's Prometheus.
func (v *validator) runtimes() {
	env := v.env
	if env.Has("kubernetes") && len(env.Secrets) > 0 && env.Kubernetes.SecretStore == "" {
		v.errorf(v.pos(cue.Str("secrets")), "it has secrets and gets kubernetes, but kubernetes.secretStore is not set: name the external-secrets store its ExternalSecrets read, e.g. kubernetes: secretStore: \"vault\"")
	}
	if op := env.Monitoring.Operator; op != nil {
		at := v.pos(cue.Str("monitoring"), cue.Str("operator"))
		if len(op.PodSelector) == 0 {
			v.errorf(at, "monitoring.operator has no podSelector: give the labels of the operator's Prometheus pods (kube-prometheus-stack: app.kubernetes.io/name: \"prometheus\"), which the scrape NetworkPolicies admit")
		}
		if len(op.MonitorLabels) == 0 {
			v.errorf(at, "monitoring.operator has no monitorLabels: give the labels its serviceMonitorSelector and podMonitorSelector match (kube-prometheus-stack: release: \"<helm release>\"), or Prometheus selects none of the monitors")
		}
	}
}

// networksHint says what to do about a network that is not defined.
func networksHint(env *model.Environment) string {
	if len(env.Networks) == 0 {
		return "add it under networks (networks: NAME: description: \"…\"), or remove it: the environment defines none"
	}
	return fmt.Sprintf("add it under networks or fix the name (defined: %v)", model.SortedKeys(env.Networks))
}

// didYouMean is "did you mean "x"? or " when names hold a name close to
// want (suggest.Closest), else "".
func didYouMean(want string, names []string) string {
	idx := suggest.Closest(want, names)
	if len(idx) == 0 {
		return ""
	}
	var near []string
	for _, i := range idx {
		near = append(near, strconv.Quote(names[i]))
	}
	return "did you mean " + strings.Join(near, " or ") + "? or "
}
