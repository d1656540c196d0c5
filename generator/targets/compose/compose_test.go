package compose_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/compose"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden pins the generated local and dev sets. The same bytes are what
// TestComposeGoLoadsWholeSet loads with compose-go, so the golden files are
// checked by the real consumer; run `go test -update` after a deliberate
// change and review the diff.
func TestGolden(t *testing.T) {
	m := defaultModel(t)
	for _, name := range composeEnvs {
		res := generate(t, m, name)
		dir := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range res.Paths() {
			golden := filepath.Join(dir, filepath.FromSlash(p))
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, res.Files[p], 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Errorf("%v (run go test -update)", err)
				continue
			}
			want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
			if diff := cmp.Diff(string(want), string(res.Files[p])); diff != "" {
				t.Errorf("%s differs from %s (-golden +generated):\n%s", p, golden, diff)
			}
		}
		var onDisk []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				onDisk = append(onDisk, filepath.ToSlash(rel))
			}
			return nil
		})
		if diff := cmp.Diff(res.Paths(), onDisk); diff != "" {
			t.Errorf("%s: generated paths differ from the golden files (-generated +golden):\n%s", name, diff)
		}
	}
}

// TestDeterministic generates every Compose environment twice and compares
// the bytes.
func TestDeterministic(t *testing.T) {
	m := defaultModel(t)
	for _, name := range composeEnvs {
		a, b := generate(t, m, name), generate(t, m, name)
		if diff := cmp.Diff(a.Files, b.Files); diff != "" {
			t.Errorf("%s: two runs differ:\n%s", name, diff)
		}
	}
}

// TestLayout checks the paths, headers and the project name.
func TestLayout(t *testing.T) {
	m := defaultModel(t)
	res := generate(t, m, "local")
	want := []string{"compose/local/base.yml"}
	for _, c := range compose.Groups(m.Envs["local"]) {
		want = append(want, "compose/local/"+c+".yml")
	}
	want = append(want, "compose/local/compose.yaml")
	sort.Strings(want)
	want = append(want, "env/.env.example", "env/.env.local")
	if diff := cmp.Diff(want, res.Paths()); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	for _, p := range res.Paths() {
		if !strings.HasPrefix(string(res.Files[p]), composevars.Header+"\n") {
			t.Errorf("%s does not start with the generated-code header", p)
		}
		if strings.Contains(string(res.Files[p]), repoAbs(t)) {
			t.Errorf("%s contains an absolute path", p)
		}
	}
	if !strings.Contains(string(res.Files["compose/local/base.yml"]), "--env-file ../../env/.env.local -f base.yml -f kafka.yml up -d") {
		t.Errorf("base.yml does not document the --env-file invocation")
	}
}

func repoAbs(t *testing.T) string {
	abs, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestUnsetVariablesRefuse proves the Compose files fail loudly when the
// .env file or a secret is missing instead of starting with empty values.
func TestUnsetVariablesRefuse(t *testing.T) {
	m := defaultModel(t)
	env := m.Envs["local"]
	res := generate(t, m, "local")
	root := writeOut(t, res)
	files := composeFiles(res, m.Envs["local"])
	for _, missing := range []string{"MINIO_ROOT_PASSWORD", "TRADES_PER_SECOND", "ENABLE_SCD_TYPE3", "GRAFANA_PASSWORD_FILE"} {
		vars := composeEnv(t, root, env)
		delete(vars, missing)
		_, err := loadProject(t, root, "local", files, vars)
		if err == nil || !strings.Contains(err.Error(), missing+" must be set") {
			t.Errorf("without %s: err = %v, want it to say the variable must be set", missing, err)
		}
	}
}

// TestWarnings checks that what Compose cannot carry is reported, from
// the target itself: a build drops those the model acknowledges.
func TestWarnings(t *testing.T) {
	m := defaultModel(t)
	out, err := compose.Target{}.Generate(target.Input{Env: m.Envs["dev"]})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range out.Warnings {
		if w.Target == "compose" {
			got = append(got, w.Subject+": "+w.Message)
		}
	}
	for _, want := range []string{
		"kafka-ui: nodePort 30080 of port http is Kubernetes only: Compose publishes host port 8080",
		"node-exporter: daemonset runs one container on the Docker host, not one per node",
		"grafana: ingress /grafana is not carried: Compose has no ingress; the port is published on host port 3001",
	} {
		if !contains(got, want) {
			t.Errorf("missing warning %q in %q", want, got)
		}
	}

	// prod, had it run on Compose: three graphql-api replicas cannot share
	// host port 8000, and kafka-consumer's autoscaler is not carried.
	prod := withArtefacts(m.Envs["prod"], "compose", "env", "prometheus")
	_, err = compose.Target{}.Generate(target.Input{Env: prod, Base: m.Base})
	if err == nil || !strings.Contains(err.Error(), `"graphql-api" runs 3 replicas but publishes host port 8000`) {
		t.Errorf("prod: err = %v, want the replicas/host port conflict", err)
	}
	delete(prod.Services, "graphql-api")
	out, err = compose.Target{}.Generate(target.Input{Env: prod, Base: m.Base})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range out.Warnings {
		found = found || w.Subject == "kafka-consumer" && w.Message == "autoscaling 3-6 replicas is not carried: Compose runs a fixed 3"
	}
	if !found {
		t.Errorf("no autoscaling warning for kafka-consumer in %v", out.Warnings)
	}
}

// withArtefacts returns a shallow copy of env with its own artefacts and
// service map.
func withArtefacts(env *model.Environment, artefacts ...string) *model.Environment {
	c := *env
	c.Artefacts = artefacts
	c.Services = map[string]*model.Service{}
	for k, v := range env.Services {
		c.Services[k] = v
	}
	return &c
}

// TestGroupsFollowTheModel: the Compose split follows the groups the model
// chooses, in its groupOrder first, the rest sorted, with "default" for a
// service that names none; no group name is known to Go.
func TestGroupsFollowTheModel(t *testing.T) {
	env := &model.Environment{
		Name: "x",
		Services: map[string]*model.Service{
			"web":    {Name: "web", Group: "frontend"},
			"api":    {Name: "api", Group: "backend"},
			"db":     {Name: "db", Group: "data"},
			"worker": {Name: "worker", Group: "default"},
		},
	}
	if got := strings.Join(compose.Groups(env), " "); got != "backend data default frontend" {
		t.Errorf("sorted groups = %s", got)
	}
	env.Compose.GroupOrder = []string{"frontend", "missing", "frontend"}
	if got := strings.Join(compose.Groups(env), " "); got != "frontend missing backend data default" {
		t.Errorf("ordered groups = %s", got)
	}
}

// TestKubernetesOnlyPodFields: a priority class and ephemeral storage,
// which Compose has no equivalent of, leave the Compose output and its
// warnings as they were (docs/TARGETS.md: not carried).
func TestKubernetesOnlyPodFields(t *testing.T) {
	m := defaultModel(t)
	env := m.Envs["dev"]
	before, err := compose.Target{}.Generate(target.Input{Env: env, Base: m.Base})
	if err != nil {
		t.Fatal(err)
	}
	changed := withArtefacts(env, env.Artefacts...)
	names := 0
	for name, s := range changed.Services {
		c := *s
		c.PriorityClassName = "business-critical"
		c.Resources.Requests.EphemeralStorage = "512Mi"
		c.Resources.Limits.EphemeralStorage = "2Gi"
		changed.Services[name] = &c
		names++
	}
	if names == 0 {
		t.Fatal("dev has no services")
	}
	after, err := compose.Target{}.Generate(target.Input{Env: changed, Base: m.Base})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Error("a priority class or ephemeral storage changed the Compose output or its warnings")
	}
}
