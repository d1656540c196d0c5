package compose

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

type service struct {
	Image         string                `json:"image"`
	Hostname      string                `json:"hostname,omitempty"`
	ContainerName string                `json:"container_name,omitempty"`
	Command       []string              `json:"command,omitempty"`
	Entrypoint    []string              `json:"entrypoint,omitempty"`
	Ports         []port                `json:"ports,omitempty"`
	Expose        []string              `json:"expose,omitempty"`
	Environment   map[string]*string    `json:"environment,omitempty"`
	DependsOn     map[string]dependency `json:"depends_on,omitempty"`
	Healthcheck   *healthcheck          `json:"healthcheck,omitempty"`
	Deploy        *deploy               `json:"deploy,omitempty"`
	// Networks is a list, or a map with aliases when the hostname differs
	// from the service name.
	Networks    any           `json:"networks,omitempty"`
	NetworkMode string        `json:"network_mode,omitempty"`
	Volumes     []volumeMount `json:"volumes,omitempty"`
	Configs     []fileMount   `json:"configs,omitempty"`
	Secrets     []fileMount   `json:"secrets,omitempty"`
	Restart     string        `json:"restart,omitempty"`

	Build           *build            `json:"build,omitempty"`
	User            string            `json:"user,omitempty"`
	WorkingDir      string            `json:"working_dir,omitempty"`
	StopSignal      string            `json:"stop_signal,omitempty"`
	StopGracePeriod string            `json:"stop_grace_period,omitempty"`
	Init            *bool             `json:"init,omitempty"`
	StdinOpen       bool              `json:"stdin_open,omitempty"`
	TTY             bool              `json:"tty,omitempty"`
	Tmpfs           []string          `json:"tmpfs,omitempty"`
	ExtraHosts      []string          `json:"extra_hosts,omitempty"`
	Ulimits         map[string]any    `json:"ulimits,omitempty"`
	CapAdd          []string          `json:"cap_add,omitempty"`
	CapDrop         []string          `json:"cap_drop,omitempty"`
	ReadOnly        bool              `json:"read_only,omitempty"`
	Privileged      bool              `json:"privileged,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	Logging         *logging          `json:"logging,omitempty"`
	Profiles        []string          `json:"profiles,omitempty"`
	ShmSize         string            `json:"shm_size,omitempty"`
	SecurityOpt     []string          `json:"security_opt,omitempty"`
	Sysctls         map[string]string `json:"sysctls,omitempty"`
	PidsLimit       *int              `json:"pids_limit,omitempty"`
	Platform        string            `json:"platform,omitempty"`
	PullPolicy      string            `json:"pull_policy,omitempty"`

	// patched is the service as the model's compose patch leaves it
	// (JSON), written instead of the fields above; nil when unpatched.
	patched json.RawMessage
}

type build struct {
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile,omitempty"`
	Args       map[string]string `json:"args,omitempty"`
	Target     string            `json:"target,omitempty"`
}

type ulimit struct {
	Soft int `json:"soft"`
	Hard int `json:"hard"`
}

type logging struct {
	Driver  string            `json:"driver,omitempty"`
	Options map[string]string `json:"options,omitempty"`
}

// fileMount is the long syntax of a service's configs and secrets.
type fileMount struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// port uses the long syntax, which keeps the model's port name and
// application protocol.
type port struct {
	Name        string `json:"name,omitempty"`
	Target      int    `json:"target"`
	Published   string `json:"published"`
	Protocol    string `json:"protocol"`
	AppProtocol string `json:"app_protocol,omitempty"`
	HostIP      string `json:"host_ip,omitempty"`
	Mode        string `json:"mode,omitempty"`
}

type dependency struct {
	Condition string `json:"condition"`
	Restart   bool   `json:"restart,omitempty"`
	// Required is written only when false (Compose's default is true).
	Required *bool `json:"required,omitempty"`
}

type healthcheck struct {
	Test          []string `json:"test"`
	Interval      string   `json:"interval,omitempty"`
	Timeout       string   `json:"timeout,omitempty"`
	Retries       int      `json:"retries,omitempty"`
	StartPeriod   string   `json:"start_period,omitempty"`
	StartInterval string   `json:"start_interval,omitempty"`
}

type deploy struct {
	Replicas  *int       `json:"replicas,omitempty"`
	Resources *resources `json:"resources,omitempty"`
}

type resources struct {
	Limits       *quantities `json:"limits,omitempty"`
	Reservations *quantities `json:"reservations,omitempty"`
}

type quantities struct {
	CPUs   string `json:"cpus,omitempty"`
	Memory string `json:"memory,omitempty"`
}

type serviceNetwork struct {
	Aliases []string `json:"aliases"`
}

type volumeMount struct {
	Type     string `json:"type"`
	Source   string `json:"source,omitempty"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only,omitempty"`
	Bind     *bind  `json:"bind,omitempty"`
}

// bind are the options of a bind mount.
type bind struct {
	Propagation string `json:"propagation,omitempty"`
	SELinux     string `json:"selinux,omitempty"`
}

// condition maps a model dependency condition to Compose's.
func condition(c string) string {
	switch c {
	case "started":
		return "service_started"
	case "healthy":
		return "service_healthy"
	case "completed":
		return "service_completed_successfully"
	}
	return ""
}

// configFile returns the target that generates the config file a service
// mounts (model Mount.Config without content) and its path relative to
// out/, as package promconfig names it.
func configFile(env *model.Environment, name string) (artefact, file string, ok bool) {
	switch name {
	case promconfig.File:
		return promconfig.Artefact, promconfig.Path(env, promconfig.Compose), true
	case promconfig.AlertsConfig:
		return promconfig.Artefact, promconfig.AlertsPath(env), true
	}
	return "", "", false
}

// modelRoot is the model's root seen from an environment's Compose
// directory out/compose/<env>/: a relative bind mount of the model is
// relative to it, wherever out/ is.
func modelRoot(place target.Place) string {
	fromOut := place.ModelFromOut
	if fromOut == "" {
		fromOut = ".."
	}
	return path.Join("../..", fromOut)
}

func convert(env *model.Environment, s *model.Service, root string) (*service, error) {
	out := &service{
		Image:         s.Image,
		Hostname:      s.Hostname,
		ContainerName: s.ContainerName,
		Command:       escapeAll(s.Command),
		Entrypoint:    escapeAll(s.Entrypoint),
		Restart:       s.Restart,
	}
	// An ordinal service's replicas are services of their own (replicas).
	if s.Replicas != 1 && s.Ordinal == nil {
		// Compose cannot give several replicas one container name.
		out.ContainerName = ""
		n := s.Replicas
		out.Deploy = &deploy{Replicas: &n}
	}
	var errs []error
	for i, p := range s.Ports {
		if p.HostPort == 0 {
			out.Expose = append(out.Expose, strconv.Itoa(p.ContainerPort))
			continue
		}
		if s.Replicas > 1 && s.Ordinal == nil {
			errs = append(errs, model.Errorf(env, model.P("services", s.Name, "ports", i, "hostPort"),
				"environment %s: service %q runs %d replicas but publishes host port %d: Compose cannot publish one host port from several containers; drop hostPort or run one replica", env.Name, s.Name, s.Replicas, p.HostPort))
			continue
		}
		out.Ports = append(out.Ports, port{
			Name: p.Name, Target: p.ContainerPort, Published: strconv.Itoa(p.HostPort),
			Protocol: strings.ToLower(p.Protocol), AppProtocol: p.AppProtocol, HostIP: p.HostIP, Mode: p.Mode,
		})
	}
	if len(s.Env) > 0 {
		out.Environment = map[string]*string{}
		for name, e := range s.Env {
			out.Environment[name] = environmentValue(env, e)
		}
	}
	if len(s.DependsOn) > 0 {
		out.DependsOn = map[string]dependency{}
		for name, d := range s.DependsOn {
			dep := dependency{Condition: condition(d.Condition), Restart: d.Restart}
			if !d.Required {
				dep.Required = new(bool)
			}
			out.DependsOn[name] = dep
		}
	}
	if s.RestartRetries > 0 {
		if s.Restart != "on-failure" {
			errs = append(errs, model.Errorf(env, model.P("services", s.Name, "restartRetries"),
				"environment %s: service %q sets restartRetries but restart is %q: retries bound restart \"on-failure\"; set restart: \"on-failure\" or drop restartRetries", env.Name, s.Name, s.Restart))
		}
		out.Restart = fmt.Sprintf("on-failure:%d", s.RestartRetries)
	}
	if h := s.Health; h != nil && h.Form == "CMD-SHELL" && len(h.Command) != 1 {
		errs = append(errs, model.Errorf(env, model.P("services", s.Name, "health", "form"),
			"environment %s: service %q health form CMD-SHELL runs one shell command, but command has %d elements: join them into one string or use form CMD", env.Name, s.Name, len(h.Command)))
	}
	out.Healthcheck = health(env, s)
	if r := limits(s.Resources); r != nil {
		if out.Deploy == nil {
			out.Deploy = &deploy{}
		}
		out.Deploy.Resources = r
	}
	out.Networks = networks(s)
	if s.NetworkMode != "" {
		// Docker refuses a hostname beside another container's or the
		// host's network stack.
		out.Networks, out.NetworkMode, out.Hostname = nil, s.NetworkMode, ""
	}
	process(s, out, root)
	for i, m := range s.Mounts {
		switch {
		case m.Secret != "":
			out.Secrets = append(out.Secrets, fileMount{Source: m.Secret, Target: m.Target})
			continue
		case m.Config != "" && m.Given():
			out.Configs = append(out.Configs, fileMount{Source: m.Config, Target: m.Target})
			continue
		}
		vm, err := mount(env, s, i, m, root)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if m.SELinux != "" && (m.HostPath != "" || m.Volume != "") {
			vm.Bind = &bind{SELinux: m.SELinux}
		}
		if m.Propagation != "" && m.HostPath != "" {
			if vm.Bind == nil {
				vm.Bind = &bind{}
			}
			vm.Bind.Propagation = m.Propagation
		}
		out.Volumes = append(out.Volumes, vm)
	}
	if errs != nil {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func networks(s *model.Service) any {
	var aliases []string
	if s.Hostname != "" && s.Hostname != s.Name {
		// Other services reach this one by its hostname; Docker's DNS
		// only knows service names and aliases.
		aliases = append(aliases, s.Hostname)
	}
	for _, a := range s.Aliases {
		if !slices.Contains(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	if len(aliases) == 0 {
		return s.Networks
	}
	m := map[string]serviceNetwork{}
	for _, n := range s.Networks {
		m[n] = serviceNetwork{Aliases: escapeAll(aliases)}
	}
	return m
}

// HealthTest returns the Compose healthcheck test of a model health check.
func HealthTest(s *model.Service) []string {
	h := s.Health
	switch {
	case h.Type == "none":
		return []string{"NONE"}
	case h.Form != "" && len(h.Command) > 0:
		return append([]string{h.Form}, h.Command...)
	case len(h.Command) == 1:
		return []string{"CMD-SHELL", h.Command[0]}
	case len(h.Command) > 1:
		return append([]string{"CMD"}, h.Command...)
	case h.Type == "http":
		p, _ := s.Port(h.Port)
		return []string{"CMD", "curl", "-f", fmt.Sprintf("http://localhost:%d%s", p.ContainerPort, h.Path)}
	default:
		p, _ := s.Port(h.Port)
		return []string{"CMD-SHELL", fmt.Sprintf("nc -z localhost %d", p.ContainerPort)}
	}
}

func health(env *model.Environment, s *model.Service) *healthcheck {
	if s.Health == nil {
		return nil
	}
	h := s.Health
	if h.Type == "none" {
		return &healthcheck{Test: HealthTest(s)}
	}
	test := escapeAll(HealthTest(s))
	// ${KEY} of a secret the command reads (escaped above) is the
	// interpolation of the secret's variable, which the user sets.
	for _, k := range model.SortedKeys(h.Secrets) {
		ref := required(env.Secrets[h.Secrets[k]].EnvVar)
		for i := range test {
			test[i] = strings.ReplaceAll(test[i], "$${"+k+"}", ref)
		}
	}
	return &healthcheck{
		Test:          test,
		Interval:      h.Interval,
		Timeout:       h.Timeout,
		Retries:       h.Retries,
		StartPeriod:   h.StartPeriod,
		StartInterval: h.StartInterval,
	}
}

func limits(r model.Resources) *resources {
	out := &resources{Limits: quantitiesOf(r.Limits), Reservations: quantitiesOf(r.Requests)}
	if out.Limits == nil && out.Reservations == nil {
		return nil
	}
	return out
}

func quantitiesOf(q model.Quantities) *quantities {
	if q.CPU == "" && q.Memory == "" {
		return nil
	}
	return &quantities{CPUs: CPUs(q.CPU), Memory: Memory(q.Memory)}
}

// CPUs renders a Kubernetes CPU quantity ("500m", "2") as Compose's decimal
// cpus ("0.5", "2"). The schema allows millicores at most, so the result is
// exact.
func CPUs(q string) string {
	if q == "" {
		return ""
	}
	rq := resource.MustParse(q)
	m := rq.MilliValue()
	s := strconv.FormatInt(m/1000, 10)
	if frac := m % 1000; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
	}
	return s
}

// Memory renders a Kubernetes binary memory quantity ("512Mi") in Docker's
// form ("512M"), which Docker reads as binary units too.
func Memory(q string) string {
	if q == "" {
		return ""
	}
	for _, u := range []string{"Ki", "Mi", "Gi", "Ti"} {
		if strings.HasSuffix(q, u) {
			return strings.TrimSuffix(q, u) + u[:1]
		}
	}
	return q
}

func mount(env *model.Environment, s *model.Service, i int, m model.Mount, root string) (volumeMount, error) {
	vm := volumeMount{Target: m.Target, ReadOnly: m.ReadOnly}
	switch {
	case m.Anonymous:
		vm.Type = "volume"
	case m.Volume != "":
		vm.Type, vm.Source = "volume", m.Volume
	case m.HostPath != "":
		vm.Type, vm.Source = "bind", m.HostPath
		if !path.IsAbs(m.HostPath) {
			vm.Source = path.Join(root, m.HostPath)
		}

	case m.Config != "":
		artefact, file, ok := configFile(env, m.Config)
		if !ok {
			return vm, model.Errorf(env, model.P("services", s.Name, "mounts", i, "config"),
				"environment %s: service %q mounts config %q, which degen does not generate: use one of %v or a hostPath", env.Name, s.Name, m.Config, promconfig.Mountable())
		}
		if !env.Has(artefact) {
			return vm, model.Errorf(env, model.P("services", s.Name, "mounts", i, "config"),
				"environment %s: service %q mounts config %q, generated by the %s target, which this environment does not get: add %q to artefacts", env.Name, s.Name, m.Config, artefact, artefact)
		}
		vm.Type, vm.Source = "bind", path.Join("../..", file)
	}
	if m.HostPath == "~" || strings.HasPrefix(m.HostPath, "~/") {
		// The home of whoever runs docker compose, which expands it; other
		// relative paths start at the model root.
		vm.Source = m.HostPath
	}
	return vm, nil
}

// warnings reports what Compose cannot carry for s.
func warnings(env *model.Environment, s *model.Service) []target.Warning {
	var ws []target.Warning
	at := func(field ...any) string { return model.P(append([]any{"services", s.Name}, field...)...) }
	add := func(path, code, format string, args ...any) {
		ws = append(ws, target.Warning{Env: env.Name, Target: "compose", Subject: s.Name, Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if a := s.Autoscaling; a != nil {
		add(at("autoscaling"), "autoscaling-not-carried", "autoscaling %d-%d replicas is not carried: Compose runs a fixed %d", a.MinReplicas, a.MaxReplicas, s.Replicas)
	}
	if in := s.Ingress; in != nil {
		p, _ := s.Port(in.Port)
		if p.HostPort != 0 {
			add(at("ingress"), "ingress-not-carried", "ingress %s is not carried: Compose has no ingress; the port is published on host port %d", in.Path, p.HostPort)
		} else {
			add(at("ingress"), "ingress-not-carried", "ingress %s is not carried: Compose has no ingress and port %s is not published on the host", in.Path, in.Port)
		}
	}
	for i, p := range s.Ports {
		if p.NodePort != 0 {
			if p.HostPort != 0 {
				add(at("ports", i, "nodePort"), "nodeport-kubernetes-only", "nodePort %d of port %s is Kubernetes only: Compose publishes host port %d", p.NodePort, p.Name, p.HostPort)
			} else {
				add(at("ports", i, "nodePort"), "nodeport-kubernetes-only", "nodePort %d of port %s is Kubernetes only and the port has no hostPort: it is not reachable from the host", p.NodePort, p.Name)
			}
		}
	}
	switch {
	case s.Kind == "daemonset":
		add(at("kind"), "daemonset-one-container", "daemonset runs one container on the Docker host, not one per node")
	case s.Batch() && (s.Restart == "always" || s.Restart == "unless-stopped"):
		add(at("restart"), "job-restarts", "%s with restart %q runs again after it completes in Compose: set restart to \"no\" or \"on-failure\"", s.Kind, s.Restart)
	case s.Kind == "statefulset" && s.Replicas > 1 && s.Ordinal == nil:
		add(at("replicas"), "statefulset-shared-volumes", "statefulset replicas share their volumes in Compose: there is no per-replica identity or claim")
	}
	if c := s.CronJob; c != nil {
		add(at("cronjob", "schedule"), "cronjob-not-scheduled", "schedule %q is not carried: Compose has no scheduler and runs the container once, when the stack starts; run it on schedule from the host's cron (docker compose run --rm %s), or give it a profile so that up skips it", c.Schedule, s.Name)
	}
	return ws
}
