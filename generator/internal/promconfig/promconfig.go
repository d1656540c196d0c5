// Package promconfig renders the Prometheus configuration of §3.7 and
// Phase 6 of the seed plan: one scrape job per service that exposes metrics
// in the model, with the environment's global intervals. The prometheus
// target writes it under out/prometheus/; the Compose target mounts that
// file and the Kubernetes target puts the same rendering into the
// prometheus-config ConfigMap. Its name, path and content are decided here
// only.
//
// A Compose environment gets out/prometheus/<env>/prometheus.yml with static
// targets "<hostname>:<containerPort>", the names Compose DNS resolves on the
// shared networks (a service with several replicas is found through DNS
// discovery on its service name, which Compose answers with every replica).
// A Kubernetes environment gets targets that resolve inside
// its namespace: a service with exactly one pod is scraped through its
// Service ("<hostname>.<namespace>.svc:<port>"; the Kubernetes target names
// Services after the hostname and gives them the container port), while a
// service with several pods (a daemonset such as node-exporter, replicas > 1,
// or an autoscaler) is discovered pod by pod with dns_sd_configs on a
// headless Service ("<hostname>-pods", or a StatefulSet's own Service),
// whose A records are every ready pod: a Service address would reach one pod
// at random per scrape. DNS discovery rather than kubernetes_sd_configs keeps
// the file checkable by Debian's promtool 2.42, which is built without
// Kubernetes discovery, and needs no RBAC for Prometheus. An environment with both (dev) gets prometheus.yml for Compose
// and prometheus-kubernetes.yml for the ConfigMap of its cluster.
//
// The YAML mirrors Prometheus 2.x configuration (checked with promtool of
// 2.42) through the minimal structs below; the Prometheus module itself is
// deliberately not imported.
package promconfig

import (
	"fmt"
	"path"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
)

// Artefact is the artefact name environments list to get the configuration
// file written (the prometheus target).
const Artefact = "prometheus"

// File is the name a service mounts the configuration by (model
// Mount.Config), the file name of the environment's main runtime and the key
// of the Kubernetes ConfigMap that carries it.
const File = "prometheus.yml"

// Scrapers returns, sorted, the services of env that mount the
// configuration (a mount of config File): the Prometheus servers that
// scrape the others, whatever the model names them.
func Scrapers(env *model.Environment) []string {
	var out []string
	for _, name := range env.ServiceNames() {
		for _, m := range env.Services[name].Mounts {
			if m.Config == File {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// Mountable returns the config files a service may mount, sorted: degen
// generates this one only.
func Mountable() []string { return []string{File} }

// Flavour says how scrape targets are addressed.
type Flavour string

const (
	// Compose addresses targets by Compose host name.
	Compose Flavour = "compose"
	// Kubernetes addresses targets inside the environment's namespace.
	Kubernetes Flavour = "kubernetes"
)

// Flavours returns the runtimes env is generated for, Compose first.
func Flavours(env *model.Environment) []Flavour {
	var fs []Flavour
	if env.Has("compose") {
		fs = append(fs, Compose)
	}
	if env.Has("kubernetes") {
		fs = append(fs, Kubernetes)
	}
	return fs
}

// Path is where the configuration of env for flavour f is written: the
// environment's main runtime gets prometheus.yml; Kubernetes next to Compose
// gets prometheus-kubernetes.yml.
func Path(env *model.Environment, f Flavour) string {
	name := File
	if f == Kubernetes && env.Has("compose") {
		name = "prometheus-kubernetes.yml"
	}
	return path.Join("prometheus", env.Name, name)
}

// Config is the part of Prometheus' configuration file degen writes.
type Config struct {
	Global        Global         `json:"global"`
	ScrapeConfigs []ScrapeConfig `json:"scrape_configs"`
}

// Global is the global block.
type Global struct {
	ScrapeInterval     string            `json:"scrape_interval"`
	EvaluationInterval string            `json:"evaluation_interval"`
	ExternalLabels     map[string]string `json:"external_labels,omitempty"`
}

// ScrapeConfig is one scrape job.
type ScrapeConfig struct {
	JobName        string          `json:"job_name"`
	MetricsPath    string          `json:"metrics_path,omitempty"`
	StaticConfigs  []StaticConfig  `json:"static_configs,omitempty"`
	DNSSDConfigs   []DNSSDConfig   `json:"dns_sd_configs,omitempty"`
	RelabelConfigs []RelabelConfig `json:"relabel_configs,omitempty"`
}

// StaticConfig is a fixed list of targets.
type StaticConfig struct {
	Targets []string `json:"targets"`
}

// DNSSDConfig discovers targets from DNS records.
type DNSSDConfig struct {
	Names []string `json:"names"`
	Type  string   `json:"type"`
	Port  int      `json:"port"`
}

// RelabelConfig is one relabelling step.
type RelabelConfig struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Action       string   `json:"action,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
}

// Build returns the configuration of env for flavour f: one job per service
// with metrics, in service name order.
func Build(env *model.Environment, f Flavour) Config {
	cfg := Config{Global: Global{
		ScrapeInterval:     env.Monitoring.ScrapeInterval,
		EvaluationInterval: env.Monitoring.EvaluationInterval,
		ExternalLabels:     map[string]string{"environment": env.Name},
	}}
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		if s.Metrics == nil {
			continue
		}
		// Validation guarantees the port exists (load.Validate).
		port, _ := s.Port(s.Metrics.Port)
		job := ScrapeConfig{JobName: name, MetricsPath: s.Metrics.Path}
		switch {
		case f == Compose && s.Replicas > 1:
			// Compose DNS answers the service name with every replica.
			job.DNSSDConfigs = []DNSSDConfig{{Names: []string{s.Name}, Type: "A", Port: port.ContainerPort}}
		case f == Compose:
			job.StaticConfigs = []StaticConfig{{Targets: []string{fmt.Sprintf("%s:%d", s.Hostname, port.ContainerPort)}}}
		case s.PerPod():
			// DNS of a headless Service answers with every ready pod.
			name := fmt.Sprintf("%s.%s.svc.%s", s.PodsService(), env.Namespace, ClusterDomain)
			job.DNSSDConfigs = []DNSSDConfig{{Names: []string{name}, Type: "A", Port: port.ContainerPort}}
		default:
			job.StaticConfigs = []StaticConfig{{Targets: []string{fmt.Sprintf("%s.%s.svc:%d", s.Hostname, env.Namespace, port.ContainerPort)}}}
		}
		cfg.ScrapeConfigs = append(cfg.ScrapeConfigs, job)
	}
	return cfg
}

// ClusterDomain is the DNS domain of the cluster's Services.
const ClusterDomain = "cluster.local"

// Marshal renders cfg as YAML under a short header comment.
func Marshal(env *model.Environment, f Flavour, cfg Config) ([]byte, error) {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding prometheus config: %w", err)
	}
	header := fmt.Sprintf("# Generated by degen for environment %s (%s targets); do not edit.\n# Check with: promtool check config %s\n", env.Name, f, path.Base(Path(env, f)))
	return append([]byte(header), data...), nil
}

// Render returns the configuration file of env for flavour f.
func Render(env *model.Environment, f Flavour) ([]byte, error) {
	return Marshal(env, f, Build(env, f))
}
