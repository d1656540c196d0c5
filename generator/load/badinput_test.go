package load_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
)

// tinyStack is a complete one-environment model: one broker, one topic, one
// flag and one service with metrics. Each case below edits one line of it.
const tinyStack = `package envs

import "degen.dev/schema"

#Base: schema.#Environment & {
	name:      _
	namespace: "de-\(name)"
	artefacts: ["compose", "prometheus", "terraform", "flags"]
	params: {}
	compose: project: "de-\(name)"
	project: name: "tiny"
	monitoring: {scrapeInterval: "15s", evaluationInterval: "15s"}
	kubernetes: {
		secretStore: "vault"
		ingressHost: "de.local"
		quota: {cpu: "1", memory: "1Gi", pods: 1}
		limitRange: {defaultCPU: "1", defaultMemory: "1Gi", defaultRequestCPU: "1", defaultRequestMemory: "1Gi"}
	}
	networks: mon: description: "Metrics"
	volumes: {}
	flags: enable_x: {description: "X", envVar: "ENABLE_X", value: true}
	secrets: {}
	services: app: {
		group: "services"
		image: "app:1.0"
		ports: [{name: "metrics", containerPort: 9400}]
		env: ENABLE_X: flag: "FLAG"
		resources: {}
		networks: ["mon"]
		metrics: port: "METRICSPORT"
	}
}

environments: [Name=string]: #Base & {name: Name}
environments: tiny: {}
`

// writeModel writes a model module into a temporary directory: the
// repository's cue.mod (the schema is degen's), and tinyStack with the replacements.
func writeModel(t *testing.T, repl ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"cue.mod/module.cue"} {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), data)
	}
	// The case's replacements first, then the valid defaults.
	src := strings.NewReplacer(repl...).Replace(tinyStack)
	src = strings.NewReplacer("REPLICATION", "1", "ISR", "1", "FLAG", "enable_x", "METRICSPORT", "metrics").Replace(src)
	writeFile(t, filepath.Join(dir, "envs/stack.cue"), []byte(src))
	return dir
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// lineOf returns the 1-based line of tinyStack holding marker.
func lineOf(t *testing.T, marker string) int {
	t.Helper()
	for i, l := range strings.Split(tinyStack, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("no %s in tinyStack", marker)
	return 0
}

func TestTinyModelLoads(t *testing.T) {
	dir := writeModel(t)
	if _, err := load.Load(load.Options{Dir: dir}); err != nil {
		t.Fatalf("the unedited tiny model must load: %s", load.Format(err, dir))
	}
}

// TestBadInput checks each refused model names the file, line and column of
// the value at fault and says what to do.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name, marker string
		repl         []string
		want         string
	}{
		{"metrics port not exposed", "METRICSPORT", []string{"METRICSPORT", "prom"}, `metrics uses port "prom", which the service does not expose: add it to ports`},
		{"undefined flag", "FLAG", []string{"FLAG", "enable_y"}, `references flag "enable_y", which is not defined: add it under flags`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeModel(t, c.repl...)
			_, err := load.Load(load.Options{Dir: dir})
			if err == nil {
				t.Fatal("the model loaded")
			}
			msg := load.Format(err, dir)
			if !strings.Contains(msg, c.want) {
				t.Fatalf("error does not say %q:\n%s", c.want, msg)
			}
			pos := regexp.MustCompile(`(?m)^\./envs/stack\.cue:(\d+):(\d+): .*` + regexp.QuoteMeta(c.want))
			m := pos.FindStringSubmatch(msg)
			if m == nil {
				t.Fatalf("error does not start with ./envs/stack.cue:line:col:\n%s", msg)
			}
			if want := lineOf(t, c.marker); m[1] != strconv.Itoa(want) {
				t.Errorf("error names line %s, the value is on line %d:\n%s", m[1], want, msg)
			}
		})
	}
}

// TestNameLengths: a name is a DNS-1123 label of at most 63 characters, a
// port name at most 15 (the schema's patterns carry the lengths).
func TestNameLengths(t *testing.T) {
	cases := []struct {
		old, new string
		ok       bool
	}{
		{"services: app:", `services: "` + strings.Repeat("a", 63) + `":`, true},
		{"services: app:", `services: "` + strings.Repeat("a", 64) + `":`, false},
		{"services: app:", `services: "a-":`, false},
		{`name: "metrics"`, `name: "` + strings.Repeat("m", 15) + `"`, true},
		{`name: "metrics"`, `name: "` + strings.Repeat("m", 16) + `"`, false},
	}
	for _, c := range cases {
		repl := []string{c.old, c.new}
		if strings.HasPrefix(c.old, "name") {
			repl = append(repl, "METRICSPORT", strings.Trim(strings.TrimPrefix(c.new, "name: "), `"`))
		}
		dir := writeModel(t, repl...)
		_, err := load.Load(load.Options{Dir: dir})
		if c.ok && err != nil {
			t.Errorf("%s: refused: %s", c.new, load.Format(err, dir))
		}
		if !c.ok && err == nil {
			t.Errorf("%s: accepted", c.new)
		}
	}
}

// TestBaseDefaultClash: a default in the base on a field the schema also
// defaults (`replicas: *2 | int` against the schema's `*1 | int`) leaves no
// default, an error CUE reports with no position; it names the base's line.
func TestBaseDefaultClash(t *testing.T) {
	dir := writeModel(t, `image: "app:1.0"`, "image: \"app:1.0\"\n\t\treplicas: *2 | int")
	_, err := load.Load(load.Options{Dir: dir})
	if err == nil {
		t.Fatal("the model loaded")
	}
	msg := load.Format(err, dir)
	want := fmt.Sprintf("./envs/stack.cue:%d:13: error: schema (tiny): services.app.replicas: two defaults met here and cancelled each other", lineOf(t, `image: "app:1.0"`)+1)
	if !strings.HasPrefix(msg, want) {
		t.Errorf("error does not start with %q:\n%s", want, msg)
	}
}

// TestArgoCDFields: kubernetes.argocd decodes with today's Application as
// its defaults, and a model's project and sync policy replace them.
func TestArgoCDFields(t *testing.T) {
	for _, tt := range []struct {
		name, repl string
		want       model.ArgoCD
	}{
		{"defaults", "", model.ArgoCD{Project: "default", Automated: model.ArgoAutomated{Prune: true, SelfHeal: true}, SyncOptions: []string{"CreateNamespace=false"}}},
		{"the model's", `argocd: {project: "platform", automated: {prune: false, selfHeal: false}, syncOptions: ["ServerSideApply=true"]}`,
			model.ArgoCD{Project: "platform", SyncOptions: []string{"ServerSideApply=true"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModel(t, "secretStore: \"vault\"", "secretStore: \"vault\"\n\t\t"+tt.repl)
			m, err := load.Load(load.Options{Dir: dir})
			if err != nil {
				t.Fatal(load.Format(err, dir))
			}
			if got := m.Envs["tiny"].Kubernetes.ArgoCD; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("argocd %+v, want %+v", got, tt.want)
			}
		})
	}
}
