package prometheus_test

import (
	"bytes"
	"flag"
	"fmt"
	"github.com/degen-dev/degen/generator/internal/golden"
	"github.com/degen-dev/degen/generator/internal/promconfig"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/prometheus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	once   sync.Once
	stack  *model.Model
	result *generator.Result
	err0   error
)

// generated loads the repository's model and runs the prometheus target
// through the pipeline for every environment.
func generated(t *testing.T) (*model.Model, *generator.Result) {
	t.Helper()
	once.Do(func() {
		stack, err0 = load.Load(load.Options{Dir: "../../.."})
		if err0 != nil {
			return
		}
		result, err0 = generator.Generate(stack, nil, []target.Target{prometheus.Target{}})
	})
	if err0 != nil {
		t.Fatalf("generating: %s", load.Format(err0, "../../.."))
	}
	return stack, result
}

// promFile is a generated configuration: the environment and flavour it
// was generated for.
type promFile struct {
	env     *model.Environment
	flavour promconfig.Flavour
}

// configs returns the default model's generated files (see configsOf).
func configs(t *testing.T) map[string]promFile {
	m, r := generated(t)
	return configsOf(t, m, r)
}

// configsOf returns, for every file of r, the environment of m and the
// flavour it was generated for; it fails when r holds other files or lacks
// one.
func configsOf(t *testing.T, m *model.Model, r *generator.Result) map[string]promFile {
	t.Helper()
	out := map[string]promFile{}
	for _, name := range m.EnvNames() {
		env := m.Envs[name]
		if !env.Has(prometheus.Name) {
			continue
		}
		for _, f := range promconfig.Flavours(env) {
			p := promconfig.Path(env, f)
			if _, ok := r.Files[p]; !ok {
				t.Fatalf("%s was not generated", p)
			}
			out[p] = promFile{env, f}
		}
	}
	rules := 0
	for p := range r.Files {
		if strings.Contains(p, "/"+promconfig.AlertsDir+"/") {
			rules++
		}
	}
	if len(out)+rules != len(r.Files) {
		t.Fatalf("generated %v, expected %d configuration files and %d rules files", r.Paths(), len(out), rules)
	}
	return out
}

func TestPaths(t *testing.T) {
	_, r := generated(t)
	var want []string
	for _, env := range []string{"dev", "local", "prod", "staging"} {
		for _, g := range []string{"flink", "kafka", "pipeline"} {
			want = append(want, "prometheus/"+env+"/alerts/"+g+".yml")
		}
		if env == "dev" {
			want = append(want, "prometheus/dev/prometheus-kubernetes.yml")
		}
		want = append(want, "prometheus/"+env+"/prometheus.yml")
	}
	if got, w := strings.Join(r.Paths(), " "), strings.Join(want, " "); got != w {
		t.Fatalf("paths = %s\nwant    %s", got, w)
	}
}

// promtool finds Prometheus' own checker: $PROMTOOL, else promtool on PATH.
func promtool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PROMTOOL"); p != "" {
		return p
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed: apt-get update && apt-get install -y prometheus (or set PROMTOOL)")
	}
	return p
}

// TestPromtool hands every generated file to promtool, Prometheus' own
// checker (Debian's 2.42, as CI installs it).
//
// The files are laid out as under out/, so that each configuration's
// rule_files (alerts/*.yml, relative to it) resolve: check config must
// find every rules file of its environment, and check rules must accept
// each of them.
func TestPromtool(t *testing.T) {
	_, r := generated(t)
	out := checkPromtool(t, r)
	for p, c := range configs(t) {
		n := len(c.env.Monitoring.AlertGroups)
		if n == 0 {
			t.Fatalf("%s: the default model has no alert rules", c.env.Name)
		}
		if want := fmt.Sprintf("SUCCESS: %d rule files found", n); !strings.Contains(out[p], want) {
			t.Errorf("promtool check config %s does not say %q: rule_files do not resolve\n%s", p, want, out[p])
		}
	}
}

// checkPromtool lays the files of r out as under out/, runs promtool check
// config on every configuration (its rule_files resolve against the rules
// files next to it) and check rules on every rules file, and returns
// check config's output by path.
func checkPromtool(t *testing.T, r *generator.Result) map[string]string {
	t.Helper()
	bin := promtool(t)
	dir := writeTree(t, r)
	outs := map[string]string{}
	for _, p := range r.Paths() {
		cmd := "config"
		if strings.Contains(p, "/"+promconfig.AlertsDir+"/") {
			cmd = "rules"
		}
		t.Run(p, func(t *testing.T) {
			out, err := exec.Command(bin, "check", cmd, filepath.Join(dir, p)).CombinedOutput()
			if err != nil {
				t.Errorf("promtool check %s %s: %v\n%s", cmd, p, err, out)
			}
			outs[p] = string(out)
		})
	}
	return outs
}

// writeTree writes the generated files into a temporary out/ layout.
func writeTree(t *testing.T, r *generator.Result) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range r.Paths() {
		file := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, r.Files[p], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestAlertRulesUnit runs promtool test rules on the hand-written unit
// tests of testdata/rules/<env>.test.yml against the generated rules of
// that environment: every alert of the default model fires on sample
// series that should fire it, with the labels §7.2 routes it by, and
// stays silent on series that should not. Production's tests cover every
// alert of the model, so a new alert without tests fails here; the other
// environments' check their routing.
func TestAlertRulesUnit(t *testing.T) {
	bin := promtool(t)
	m, r := generated(t)
	dir := writeTree(t, r)
	tests, err := filepath.Glob(filepath.Join("testdata", "rules", "*.test.yml"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no rule unit tests in testdata/rules: %v", err)
	}
	for _, test := range tests {
		env := strings.TrimSuffix(filepath.Base(test), ".test.yml")
		t.Run(env, func(t *testing.T) {
			e := m.Envs[env]
			if e == nil {
				t.Fatalf("%s tests environment %s, which the model does not define", test, env)
			}
			data, err := os.ReadFile(test)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range model.SortedKeys(e.Monitoring.AlertGroups) {
				if e.Stage != "production" {
					break // production's tests cover every alert
				}
				for _, a := range model.SortedKeys(e.Monitoring.AlertGroups[g].Rules) {
					if !strings.Contains(string(data), "alertname: "+a+"\n") {
						t.Errorf("%s does not test alert %s", test, a)
					}
				}
			}
			// The test file names its rules files relative to itself.
			file := filepath.Join(dir, "prometheus", env, "alerts.test.yml")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "test", "rules", file).CombinedOutput()
			if err != nil {
				t.Errorf("promtool test rules %s: %v\n%s", test, err, out)
			}
		})
	}
}

// job is a scrape job as read back from YAML, without degen's structs.
type job struct {
	JobName       string `json:"job_name"`
	MetricsPath   string `json:"metrics_path"`
	StaticConfigs []struct {
		Targets []string `json:"targets"`
	} `json:"static_configs"`
	DNSSDConfigs []struct {
		Names []string `json:"names"`
		Type  string   `json:"type"`
		Port  int      `json:"port"`
	} `json:"dns_sd_configs"`
	RelabelConfigs []struct {
		SourceLabels []string `json:"source_labels"`
		Regex        string   `json:"regex"`
		Action       string   `json:"action"`
		TargetLabel  string   `json:"target_label"`
	} `json:"relabel_configs"`
}

type file struct {
	Global struct {
		ScrapeInterval     string            `json:"scrape_interval"`
		EvaluationInterval string            `json:"evaluation_interval"`
		ExternalLabels     map[string]string `json:"external_labels"`
	} `json:"global"`
	RuleFiles     []string `json:"rule_files"`
	ScrapeConfigs []job    `json:"scrape_configs"`
}

// TestTargetsExist checks that every scrape target names a service and a
// port of the same environment: a Compose host name and container port, or
// a Kubernetes Service (named after the host name) in the environment's
// namespace, or a pod label and port name that discovery keeps.
func TestTargetsExist(t *testing.T) {
	m, r := generated(t)
	checkTargets(t, m, r)
}

// checkTargets checks every scrape job of every file of r against the
// services of m (see TestTargetsExist).
func checkTargets(t *testing.T, m *model.Model, r *generator.Result) {
	t.Helper()
	for p, c := range configsOf(t, m, r) {
		var f file
		if err := yaml.UnmarshalStrict(r.Files[p], &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		env := c.env
		if f.Global.ScrapeInterval != env.Monitoring.ScrapeInterval || f.Global.EvaluationInterval != env.Monitoring.EvaluationInterval {
			t.Errorf("%s: global %+v, want the model's %+v", p, f.Global, env.Monitoring)
		}
		jobs := map[string]bool{}
		for _, j := range f.ScrapeConfigs {
			jobs[j.JobName] = true
			if err := checkJob(env, c.flavour, j); err != nil {
				t.Errorf("%s: job %s: %v", p, j.JobName, err)
			}
		}
		for _, name := range env.ServiceNames() {
			if env.Services[name].Metrics != nil && !jobs[name] {
				t.Errorf("%s: service %s exposes metrics but has no job", p, name)
			}
		}
	}
}

func checkJob(env *model.Environment, fl promconfig.Flavour, j job) error {
	s, ok := env.Services[j.JobName]
	if !ok {
		return fmt.Errorf("no service of that name")
	}
	if s.Metrics == nil || j.MetricsPath != s.Metrics.Path {
		return fmt.Errorf("metrics_path %q, model says %+v", j.MetricsPath, s.Metrics)
	}
	if len(j.DNSSDConfigs) > 0 {
		d := j.DNSSDConfigs[0]
		want := s.Name // Compose DNS answers a service name with every replica
		if fl == promconfig.Kubernetes {
			if !s.PerPod() {
				return fmt.Errorf("DNS discovery for %s, which runs one pod", s.Name)
			}
			want = s.PodsService() + "." + env.Namespace + ".svc.cluster.local"
		}
		if len(d.Names) != 1 || d.Names[0] != want || d.Type != "A" {
			return fmt.Errorf("DNS discovery %+v, want A records of %s", d, want)
		}
		if !hasContainerPort(s, d.Port) {
			return fmt.Errorf("DNS discovery port %d: service %s has no such port", d.Port, s.Name)
		}
		return nil
	}
	if len(j.StaticConfigs) != 1 || len(j.StaticConfigs[0].Targets) == 0 {
		return fmt.Errorf("neither static targets nor discovery")
	}
	if fl == promconfig.Compose && s.Ordinal != nil && len(j.StaticConfigs[0].Targets) != s.Ordinal.Replicas {
		return fmt.Errorf("targets %v: want one per replica of %d", j.StaticConfigs[0].Targets, s.Ordinal.Replicas)
	}
	for _, tg := range j.StaticConfigs[0].Targets {
		host, portStr, ok := strings.Cut(tg, ":")
		port, err := strconv.Atoi(portStr)
		if !ok || err != nil {
			return fmt.Errorf("target %q is not host:port", tg)
		}
		if fl == promconfig.Kubernetes {
			svc, ok := strings.CutSuffix(host, "."+env.Namespace+".svc")
			if !ok {
				return fmt.Errorf("target %q is not a Service of namespace %s", tg, env.Namespace)
			}
			host = svc
		}
		owner := byHostname(env, host)
		if owner == nil {
			return fmt.Errorf("target %q: no service has host name %s", tg, host)
		}
		if owner != s {
			return fmt.Errorf("target %q belongs to service %s", tg, owner.Name)
		}
		if !hasContainerPort(s, port) {
			return fmt.Errorf("target %q: service %s has no port %d", tg, s.Name, port)
		}
	}
	return nil
}

// byHostname is the service Compose DNS answers host for: a service's
// hostname, or <hostname>-<ordinal>, the hostname of a replica of an
// ordinal service, each replica a Compose service of its own.
func byHostname(env *model.Environment, host string) *model.Service {
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		if s.Hostname == host {
			return s
		}
		if s.Ordinal == nil {
			continue
		}
		for k := 0; k < s.Ordinal.Replicas; k++ {
			if host == s.Hostname+"-"+strconv.Itoa(s.Ordinal.Start+k) {
				return s
			}
		}
	}
	return nil
}

func hasContainerPort(s *model.Service, port int) bool {
	for _, p := range s.Ports {
		if p.ContainerPort == port {
			return true
		}
	}
	return false
}

// TestKubernetesChoices pins the addressing decisions on the real stack:
// node-exporter (a daemonset) and prod's autoscaled graphql-api are found
// pod by pod; single-pod services go through their Service.
func TestKubernetesChoices(t *testing.T) {
	_, r := generated(t)
	prod := string(r.Files["prometheus/prod/prometheus.yml"])
	for _, want := range []string{
		"kafka-exporter.de-prod.svc:9308",
		"minio.de-prod.svc:9000",
		"metrics_path: /minio/v2/metrics/cluster",
		"node-exporter-pods.de-prod.svc.cluster.local",
		"graphql-api-pods.de-prod.svc.cluster.local",
	} {
		if !strings.Contains(prod, want) {
			t.Errorf("prod prometheus.yml lacks %q", want)
		}
	}
	if strings.Contains(prod, "trade-generator") {
		t.Error("prod scrapes trade-generator, which prod disables")
	}
	local := string(r.Files["prometheus/local/prometheus.yml"])
	for _, want := range []string{"kafka-exporter:9308", "node-exporter:9100", "prometheus:9090", "trade-generator:9400"} {
		if !strings.Contains(local, want) {
			t.Errorf("local prometheus.yml lacks %q", want)
		}
	}
	if strings.Contains(local, ".svc") {
		t.Error("local (Compose) prometheus.yml uses Kubernetes addressing")
	}
}

func TestGolden(t *testing.T) {
	_, r := generated(t)
	for _, p := range r.Paths() {
		golden.Check(t, filepath.Join("testdata", strings.ReplaceAll(strings.TrimPrefix(p, "prometheus/"), "/", "_")), r.Files[p], *update)
	}
}

func TestNoRuntimeIsAnError(t *testing.T) {
	env := &model.Environment{Name: "x", Artefacts: []string{"prometheus"}}
	_, err := prometheus.Target{}.Generate(target.Input{Env: env})
	if err == nil || !strings.Contains(err.Error(), "add compose or kubernetes") {
		t.Fatalf("want an error asking for a runtime, got %v", err)
	}
}

func TestNetworkWarning(t *testing.T) {
	env := &model.Environment{Name: "x", Artefacts: []string{"compose", "prometheus"}, Services: map[string]*model.Service{
		// The scraper is the service that mounts the configuration,
		// whatever its name.
		"scraper": {Name: "scraper", Hostname: "scraper", Networks: []string{"mon"},
			Ports: []model.Port{{Name: "http", ContainerPort: 9090}}, Metrics: &model.Metrics{Port: "http", Path: "/metrics"},
			Mounts: []model.Mount{{Config: "prometheus.yml", Target: "/etc/prometheus/prometheus.yml"}}},
		"app": {Name: "app", Hostname: "app", Networks: []string{"other"},
			Ports: []model.Port{{Name: "m", ContainerPort: 1}}, Metrics: &model.Metrics{Port: "m", Path: "/metrics"}},
	}}
	out, err := prometheus.Target{}.Generate(target.Input{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Warnings) != 1 || out.Warnings[0].Subject != "app" || out.Warnings[0].ID() != "prometheus/metrics-unreachable/app" ||
		!strings.Contains(out.Warnings[0].Message, "shares no network with scraper ([mon])") {
		t.Fatalf("want one warning about app and scraper, got %v", out.Warnings)
	}
}

// TestDeterministic generates every environment again and compares with the
// first run.
func TestDeterministic(t *testing.T) {
	m, first := generated(t)
	again, err := generator.Generate(m, nil, []target.Target{prometheus.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	for p := range first.Files {
		if !bytes.Equal(first.Files[p], again.Files[p]) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

// TestComposeReplicas checks that a Compose service with several replicas is
// found through DNS discovery, accepted by promtool and by checkJob.
func TestComposeReplicas(t *testing.T) {
	env := &model.Environment{Name: "x", Artefacts: []string{"compose", "prometheus"},
		Monitoring: model.Monitoring{ScrapeInterval: "5s", EvaluationInterval: "30s"},
		Services: map[string]*model.Service{
			"worker": {Name: "worker", Hostname: "worker", Replicas: 3, Networks: []string{"mon"},
				Ports: []model.Port{{Name: "metrics", ContainerPort: 9400}}, Metrics: &model.Metrics{Port: "metrics", Path: "/metrics"}},
		}}
	out, err := prometheus.Target{}.Generate(target.Input{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	var f file
	if err := yaml.UnmarshalStrict(out.Files[0].Data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.ScrapeConfigs) != 1 || len(f.ScrapeConfigs[0].DNSSDConfigs) != 1 {
		t.Fatalf("want one job with DNS discovery:\n%s", out.Files[0].Data)
	}
	if err := checkJob(env, promconfig.Compose, f.ScrapeConfigs[0]); err != nil {
		t.Error(err)
	}
	bin := promtool(t)
	file := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(file, out.Files[0].Data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "config", file).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}

// ruleErrors hands each alert rule of env alone to promtool check rules
// and returns, for each rule it rejects, degen's positioned error at the
// rule's expr in the model (load.Locate, load.Format), so that a rejected
// expression is reported where the model writes it.
func ruleErrors(t *testing.T, bin string, m *model.Model, env *model.Environment) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for _, g := range model.SortedKeys(env.Monitoring.AlertGroups) {
		for _, a := range model.SortedKeys(env.Monitoring.AlertGroups[g].Rules) {
			r := env.Monitoring.AlertGroups[g].Rules[a]
			data, err := yaml.Marshal(promconfig.RuleGroups{Groups: []promconfig.RuleGroup{{Name: g, Rules: []promconfig.Rule{{
				Alert: r.Alert, Expr: r.Expr, For: r.For, Labels: r.Labels, Annotations: r.Annotations,
			}}}}})
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, g+"-"+a+".yml")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := exec.Command(bin, "check", "rules", file).CombinedOutput()
			if err == nil {
				continue
			}
			why := strings.TrimSpace(string(res))
			if i := strings.LastIndex(why, "\n"); i >= 0 {
				why = why[i+1:]
			}
			merr := model.Errorf(env, model.P("monitoring", "alertGroups", g, "rules", a, "expr"), "environment %s: promtool rejects alert %s: %s", env.Name, a, why)
			out = append(out, load.Format(load.Locate(m, merr), m.Root))
		}
	}
	return out
}

// TestPromtoolAcceptsEveryRule: no alert rule of the default model is
// rejected on its own.
func TestPromtoolAcceptsEveryRule(t *testing.T) {
	bin := promtool(t)
	m, _ := generated(t)
	for _, name := range m.EnvNames() {
		for _, e := range ruleErrors(t, bin, m, m.Envs[name]) {
			t.Error(e)
		}
	}
}

// TestPromtoolRejectionAtModelPosition adds an expression promtool
// rejects to the default model and requires the error at its line.
func TestPromtoolRejectionAtModelPosition(t *testing.T) {
	bin := promtool(t)
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "envs", "infra"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("../../..", d))); err != nil {
			t.Fatal(err)
		}
	}
	bad := "package envs\n\nenvironments: prod: monitoring: alertGroups: kafka: rules: Broken: {expr: \"sum(up\", labels: severity: \"warning\"}\n"
	if err := os.WriteFile(filepath.Join(dir, "envs", "zz_bad.cue"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := load.Load(load.Options{Dir: dir, Envs: []string{"prod"}})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	errs := ruleErrors(t, bin, m, m.Envs["prod"])
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "./envs/zz_bad.cue:3:") || !strings.Contains(errs[0], "promtool rejects alert Broken") {
		t.Fatalf("want one error at ./envs/zz_bad.cue:3 naming Broken, got %q", errs)
	}
}
