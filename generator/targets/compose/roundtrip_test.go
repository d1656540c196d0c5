package compose_test

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/targets/compose"
)

// composeEnvs are the environments of the default model that run on
// Compose.
var composeEnvs = []string{"local", "dev"}

// TestComposeGoLoadsWholeSet loads every file of each Compose environment
// with compose-go and compares the loaded project with the model.
func TestComposeGoLoadsWholeSet(t *testing.T) {
	m := defaultModel(t)
	for _, name := range composeEnvs {
		t.Run(name, func(t *testing.T) { checkWholeSet(t, m, name) })
	}
}

// checkWholeSet loads the whole Compose set of one environment of m with
// compose-go, with the generated .env and every secret, and compares the
// loaded project with the model.
func checkWholeSet(t *testing.T, m *model.Model, name string) {
	t.Helper()
	env := m.Envs[name]
	res := generate(t, m, name)
	root := writeOut(t, res)
	vars := composeEnv(t, root, env)
	p, err := loadProject(t, root, name, composeFiles(res, env), vars)
	if err != nil {
		t.Fatalf("compose-go rejects the %s set: %v", name, err)
	}
	if p.Name != env.Compose.Project {
		t.Errorf("project name %q, want %q", p.Name, env.Compose.Project)
	}
	// Secrets reach the containers only through interpolation of the
	// dummy values in vars: compareProject checks each one.
	compareProject(t, root, env, p, vars)
}

// TestSingleFileIsTheWholeSet loads compose.yaml alone, as `docker compose
// up` with no -f does, and compares it with the model and with the load of
// base.yml and every group file: the two are the same project.
func TestSingleFileIsTheWholeSet(t *testing.T) {
	m := defaultModel(t)
	for _, name := range composeEnvs {
		t.Run(name, func(t *testing.T) {
			env := m.Envs[name]
			if !env.Compose.SingleFile {
				t.Fatalf("%s does not get compose.yaml (compose.singleFile)", name)
			}
			res := generate(t, m, name)
			root := writeOut(t, res)
			vars := composeEnv(t, root, env)
			single, err := loadProject(t, root, name, []string{compose.SingleFile}, vars)
			if err != nil {
				t.Fatalf("compose-go rejects compose.yaml: %v", err)
			}
			compareProject(t, root, env, single, vars)
			set, err := loadProject(t, root, name, composeFiles(res, env), vars)
			if err != nil {
				t.Fatal(err)
			}
			set.ComposeFiles, single.ComposeFiles = nil, nil
			// As JSON: compose-go's types hold unexported fields.
			a, err := json.MarshalIndent(set, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(single, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(a), string(b)); diff != "" {
				t.Errorf("compose.yaml differs from the per-group set (-set +compose.yaml):\n%s", diff)
			}
			for _, f := range composeFiles(res, env) {
				if !strings.Contains(string(res.Files[composevars.Dir(name)+"/"+f]), "docker compose --env-file ../../env/.env."+name+" up -d") {
					t.Errorf("%s does not say how to start compose.yaml", f)
				}
			}
		})
	}
}

// TestComposeGoLoadsEachConcern loads base.yml with each concern file and
// the concerns it needs, as its header says to run it. A concern that needs
// others must fail alone, so the header's list is not padding.
func TestComposeGoLoadsEachConcern(t *testing.T) {
	m := defaultModel(t)
	for _, name := range composeEnvs {
		checkEachGroup(t, m, name)
	}
}

// checkEachGroup loads, for one environment of m, base.yml with each group's
// file and the groups it needs, as the file's header says to run it, as a
// subtest per group.
func checkEachGroup(t *testing.T, m *model.Model, name string) {
	t.Helper()
	env := m.Envs[name]
	res := generate(t, m, name)
	root := writeOut(t, res)
	vars := composeEnv(t, root, env)
	for _, f := range composeFiles(res, env)[1:] {
		concern := strings.TrimSuffix(f, ".yml")
		t.Run(name+"/"+concern, func(t *testing.T) {
			needs := compose.Needs(env, concern)
			files := []string{"base.yml"}
			for _, c := range compose.Groups(env) {
				if c == concern || contains(needs, c) {
					files = append(files, c+".yml")
				}
			}
			p, err := loadProject(t, root, name, files, vars)
			if err != nil {
				t.Fatalf("compose-go rejects %v: %v", files, err)
			}
			var want []string
			for name, s := range composeServices(env) {
				if g := s.Group; g == concern || contains(needs, g) {
					want = append(want, name)
				}
			}
			sort.Strings(want)
			if diff := cmp.Diff(want, p.ServiceNames()); diff != "" {
				t.Errorf("services of %v (-model +loaded):\n%s", files, diff)
			}
			header := string(res.Files[composevars.Dir(name)+"/"+f])
			if !strings.Contains(header, "-f "+strings.Join(files, " -f ")+" up") {
				t.Errorf("%s header does not say to run %v", f, files)
			}
			if len(needs) == 0 {
				return
			}
			if _, err := loadProject(t, root, name, []string{"base.yml", f}, vars); err == nil || !strings.Contains(err.Error(), "depends on undefined service") {
				t.Errorf("%s loads without %v (err %v): Needs is wrong", f, needs, err)
			}
		})
	}
}

// conditions is the Compose specification's name of each model condition,
// written out here rather than taken from the package under test.
var conditions = map[string]string{
	"started":   "service_started",
	"healthy":   "service_healthy",
	"completed": "service_completed_successfully",
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func compareProject(t *testing.T, root string, env *model.Environment, p *types.Project, vars map[string]string) {
	t.Helper()
	services := composeServices(env)
	if diff := cmp.Diff(model.SortedKeys(services), p.ServiceNames()); diff != "" {
		t.Errorf("services (-model +loaded):\n%s", diff)
	}
	if diff := cmp.Diff(model.SortedKeys(env.Networks), model.SortedKeys(p.Networks)); diff != "" {
		t.Errorf("networks (-model +loaded):\n%s", diff)
	}
	for name, n := range env.Networks {
		if got := p.Networks[name].Driver; got != n.Driver {
			t.Errorf("network %s driver %q, want %q", name, got, n.Driver)
		}
	}
	if diff := cmp.Diff(composeVolumes(env), model.SortedKeys(p.Volumes)); diff != "" {
		t.Errorf("volumes (-model +loaded):\n%s", diff)
	}
	for _, name := range model.SortedKeys(services) {
		ps, err := p.GetService(name)
		if err != nil {
			continue
		}
		compareService(t, root, env, services[name], replicaOf(env, name), ps, p, vars)
	}
}

// compareService compares the loaded Compose service ps with s, the model
// service it is (or, when of names an ordinal service, one replica of it).
func compareService(t *testing.T, root string, env *model.Environment, s *model.Service, of string, ps types.ServiceConfig, p *types.Project, vars map[string]string) {
	t.Helper()
	check := func(field string, want, got any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s/%s %s (-model +loaded):\n%s", env.Name, s.Name, field, diff)
		}
	}
	check("image", s.Image, ps.Image)
	check("hostname", s.Hostname, ps.Hostname)
	if s.Replicas == 1 {
		check("container_name", s.ContainerName, ps.ContainerName)
	} else {
		check("container_name", "", ps.ContainerName)
		check("replicas", s.Replicas, *ps.Deploy.Replicas)
	}
	check("command", s.Command, []string(ps.Command))
	check("entrypoint", s.Entrypoint, []string(ps.Entrypoint))
	check("restart", s.Restart, ps.Restart)

	var wantPorts []types.ServicePortConfig
	var wantExpose []string
	for _, port := range s.Ports {
		if port.HostPort == 0 {
			wantExpose = append(wantExpose, strconv.Itoa(port.ContainerPort))
			continue
		}
		wantPorts = append(wantPorts, types.ServicePortConfig{
			Name: port.Name, Mode: "ingress", Target: uint32(port.ContainerPort),
			Published: strconv.Itoa(port.HostPort), Protocol: strings.ToLower(port.Protocol), AppProtocol: port.AppProtocol,
		})
	}
	check("ports", wantPorts, ps.Ports)
	check("expose", wantExpose, []string(ps.Expose))

	wantEnv := map[string]string{}
	for name, e := range s.Env {
		switch {
		case e.Secret != "":
			wantEnv[name] = secretValue(env.Secrets[e.Secret].EnvVar)
		case e.Flag != "":
			wantEnv[name] = env.Flags[e.Flag].String()
		default:
			wantEnv[name] = *e.Value
		}
	}
	gotEnv := map[string]string{}
	for name, v := range ps.Environment {
		if v == nil {
			t.Errorf("%s/%s env %s has no value", env.Name, s.Name, name)
			continue
		}
		gotEnv[name] = *v
	}
	check("environment", wantEnv, gotEnv)

	wantDeps := map[string]string{}
	for name, d := range s.DependsOn {
		wantDeps[name] = conditions[d.Condition]
	}
	gotDeps := map[string]string{}
	for name, d := range ps.DependsOn {
		gotDeps[name] = d.Condition
		if !d.Required {
			t.Errorf("%s/%s depends_on %s is not required", env.Name, s.Name, name)
		}
	}
	check("depends_on", wantDeps, gotDeps)

	compareHealth(t, env, s, ps)
	compareResources(t, env, s, ps)

	wantNets := append([]string(nil), s.Networks...)
	sort.Strings(wantNets)
	check("networks", wantNets, model.SortedKeys(ps.Networks))
	var aliases []string
	if s.Hostname != s.Name {
		aliases = append(aliases, s.Hostname)
	}
	if o := env.Services[of]; o != nil {
		// Every replica answers the service's hostname and headless name.
		aliases = append(aliases, o.Hostname, o.Hostname+"-headless")
	}
	for _, a := range aliases {
		for n, cfg := range ps.Networks {
			if cfg == nil || !contains(cfg.Aliases, a) {
				t.Errorf("%s/%s: network %s has no alias %s, so other services cannot resolve it", env.Name, s.Name, n, a)
			}
		}
	}

	var wantVols, gotVols []string
	var wantFiles, gotFiles []string
	for _, mnt := range s.Mounts {
		typ, src := "volume", mnt.Volume
		switch {
		case mnt.Secret != "":
			// The file the developer's variable names, never under out/.
			wantFiles = append(wantFiles, "secret "+mnt.Secret+" "+mnt.Target+" file="+vars[composevars.SecretFile(env, mnt.Secret).Name])
			continue
		case mnt.Config != "" && mnt.Given():
			// The content is the model's, inline: Compose reads no file.
			wantFiles = append(wantFiles, "config "+mnt.Config+" "+mnt.Target+" content="+mnt.Text)
			continue
		case mnt.Config == "prometheus-alerts":
			typ, src = "bind", filepath.Join(root, "out", "prometheus", env.Name, "alerts")
		case mnt.HostPath != "":
			typ, src = "bind", mnt.HostPath
			if !filepath.IsAbs(src) {
				src = filepath.Join(root, filepath.FromSlash(mnt.HostPath))
			}
		case mnt.Config != "":
			typ, src = "bind", filepath.Join(root, "out", "prometheus", env.Name, mnt.Config)
		}
		wantVols = append(wantVols, typ+" "+src+" "+mnt.Target+" ro="+strconv.FormatBool(mnt.ReadOnly))
	}
	for _, v := range ps.Volumes {
		gotVols = append(gotVols, v.Type+" "+v.Source+" "+v.Target+" ro="+strconv.FormatBool(v.ReadOnly))
	}
	check("volumes", wantVols, gotVols)
	for _, c := range ps.Secrets {
		gotFiles = append(gotFiles, "secret "+c.Source+" "+c.Target+" file="+p.Secrets[c.Source].File)
	}
	for _, c := range ps.Configs {
		gotFiles = append(gotFiles, "config "+c.Source+" "+c.Target+" content="+p.Configs[c.Source].Content)
	}
	sort.Strings(wantFiles)
	sort.Strings(gotFiles)
	check("configs and secrets", wantFiles, gotFiles)
}

func compareHealth(t *testing.T, env *model.Environment, s *model.Service, ps types.ServiceConfig) {
	t.Helper()
	h := s.Health
	if h == nil {
		if ps.HealthCheck != nil {
			t.Errorf("%s/%s has a healthcheck the model does not give", env.Name, s.Name)
		}
		return
	}
	hc := ps.HealthCheck
	if hc == nil {
		t.Errorf("%s/%s has no healthcheck", env.Name, s.Name)
		return
	}
	var want []string
	switch {
	case len(h.Command) == 1:
		want = []string{"CMD-SHELL", h.Command[0]}
	case len(h.Command) > 1:
		want = append([]string{"CMD"}, h.Command...)
	case h.Type == "http":
		port, _ := s.Port(h.Port)
		want = []string{"CMD", "curl", "-f", "http://localhost:" + strconv.Itoa(port.ContainerPort) + h.Path}
	}
	if want != nil {
		if diff := cmp.Diff(want, []string(hc.Test)); diff != "" {
			t.Errorf("%s/%s healthcheck test (-want +loaded):\n%s", env.Name, s.Name, diff)
		}
	}
	dur := func(field, model string, got *types.Duration) {
		var w time.Duration
		if model != "" {
			var err error
			if w, err = time.ParseDuration(model); err != nil {
				t.Fatal(err)
			}
		}
		var g time.Duration
		if got != nil {
			g = time.Duration(*got)
		}
		if g != w {
			t.Errorf("%s/%s healthcheck %s %v, want %v", env.Name, s.Name, field, g, w)
		}
	}
	dur("interval", h.Interval, hc.Interval)
	dur("timeout", h.Timeout, hc.Timeout)
	dur("start_period", h.StartPeriod, hc.StartPeriod)
	if hc.Retries == nil || *hc.Retries != uint64(h.Retries) {
		t.Errorf("%s/%s healthcheck retries %v, want %d", env.Name, s.Name, hc.Retries, h.Retries)
	}
}

// compareResources checks limits and reservations against the model's
// Kubernetes quantities, parsed by Kubernetes' own resource package.
func compareResources(t *testing.T, env *model.Environment, s *model.Service, ps types.ServiceConfig) {
	t.Helper()
	var r types.Resources
	if ps.Deploy != nil {
		r = ps.Deploy.Resources
	}
	one := func(kind string, q model.Quantities, got *types.Resource) {
		if q.CPU == "" && q.Memory == "" {
			if got != nil {
				t.Errorf("%s/%s has %s the model does not give", env.Name, s.Name, kind)
			}
			return
		}
		if got == nil {
			t.Errorf("%s/%s has no %s", env.Name, s.Name, kind)
			return
		}
		if q.CPU != "" {
			want := resource.MustParse(q.CPU)
			if w := float32(want.MilliValue()) / 1000; float32(got.NanoCPUs) != w {
				t.Errorf("%s/%s %s cpus %v, want %v (%s)", env.Name, s.Name, kind, got.NanoCPUs, w, q.CPU)
			}
		}
		if q.Memory != "" {
			want := resource.MustParse(q.Memory)
			if int64(got.MemoryBytes) != want.Value() {
				t.Errorf("%s/%s %s memory %d bytes, want %d (%s)", env.Name, s.Name, kind, got.MemoryBytes, want.Value(), q.Memory)
			}
		}
	}
	one("limits", s.Resources.Limits, r.Limits)
	one("reservations", s.Resources.Requests, r.Reservations)
}
