package explain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
)

func loadModel(t *testing.T) *model.Model {
	t.Helper()
	m, err := load.Load(load.Options{Dir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lineOf finds the 1-based line of file holding text after the first line
// holding after, so the test follows edits of the model.
func lineOf(t *testing.T, file, after, text string) int {
	t.Helper()
	data, err := os.ReadFile("../../" + file)
	if err != nil {
		t.Fatal(err)
	}
	seen := after == ""
	for i, l := range strings.Split(string(data), "\n") {
		if !seen && strings.Contains(l, after) {
			seen = true
		}
		if seen && strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q after %q", file, text, after)
	return 0
}

func TestProdReplicas(t *testing.T) {
	m := loadModel(t)
	x, err := Explain(m, "prod", "services.graphql-api.replicas")
	if err != nil {
		t.Fatal(err)
	}
	prodLine := lineOf(t, "envs/prod.cue", `"graphql-api": {`, "replicas: 3")
	schemaLine := lineOf(t, "schema/schema.cue", "#Service: {", "replicas: int")
	defaultLine := lineOf(t, "schema/schema.cue", "#Service: {", "replicas: *1")
	want := &Explanation{
		Env: "prod", Path: `services."graphql-api".replicas`, Value: "3",
		Sources: []Source{
			{Pos: fmt.Sprintf("./envs/prod.cue:%d:4", prodLine), Layer: "environment prod", Role: Sets, Line: "replicas: 3"},
			{Pos: fmt.Sprintf("degen.dev/schema@v1.0.0/schema.cue:%d:2", schemaLine), Layer: "schema", Role: Constrains, Line: "replicas: int & >=0 & <=#MaxReplicas"},
			// A service without ordinal replicas runs one unless it says.
			{Pos: fmt.Sprintf("degen.dev/schema@v1.0.0/schema.cue:%d:3", defaultLine), Layer: "schema", Role: Default, Line: "replicas: *1 | _"},
		},
		DecidedBy: fmt.Sprintf("./envs/prod.cue:%d:4", prodLine),
	}
	if d := cmp.Diff(want, x); d != "" {
		t.Errorf("explanation (-want +got):\n%s", d)
	}
	var b bytes.Buffer
	x.WriteText(&b)
	if !strings.HasPrefix(b.String(), "prod.services.\"graphql-api\".replicas = 3\n* ./envs/prod.cue:") {
		t.Errorf("text:\n%s", b.String())
	}
}

func TestQuotedPathAndDefault(t *testing.T) {
	m := loadModel(t)
	x, err := Explain(m, "local", `params."logLevel"`)
	if err != nil {
		t.Fatal(err)
	}
	line := lineOf(t, "envs/stack.cue", "#Params: {", "logLevel:")
	if x.Value != `"DEBUG"` || len(x.Sources) != 1 || x.Sources[0].Role != Default || x.Sources[0].Layer != "base model" ||
		x.DecidedBy != fmt.Sprintf("./envs/stack.cue:%d:2", line) {
		t.Errorf("local logLevel: %+v", x)
	}
}

func TestUnknownPathAndEnv(t *testing.T) {
	m := loadModel(t)
	_, err := Explain(m, "prod", "services.graphql-api.replicaz")
	var ce cueerrors.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `no field replicaz in services."graphql-api": did you mean replicas? it has `) || !strings.Contains(err.Error(), ` name, group, `) {
		t.Errorf("err = %v, want a CUE error listing the fields", err)
	}
	if len(cueerrors.Positions(err)) == 0 {
		t.Error("the error has no position")
	}
	var ue *load.UnknownEnvError
	if _, err := Explain(m, "qa", "params"); !errors.As(err, &ue) {
		t.Errorf("err = %v, want *load.UnknownEnvError", err)
	}
}

func TestParsePath(t *testing.T) {
	for in, want := range map[string]cue.Path{
		`services.graphql-api.replicas`:    cue.MakePath(cue.Str("services"), cue.Str("graphql-api"), cue.Str("replicas")),
		`services."graphql-api".replicas`:  cue.MakePath(cue.Str("services"), cue.Str("graphql-api"), cue.Str("replicas")),
		`services.kafka.ports[0].hostPort`: cue.MakePath(cue.Str("services"), cue.Str("kafka"), cue.Str("ports"), cue.Index(0), cue.Str("hostPort")),
		`flags."a.b\"c".value`:             cue.MakePath(cue.Str("flags"), cue.Str(`a.b"c`), cue.Str("value")),
	} {
		got, err := ParsePath(in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", in, err)
			continue
		}
		if got.String() != want.String() {
			t.Errorf("ParsePath(%q) = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "a..b", `a."b`, "a[x]", "a[1", "a.", "a]b"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted", bad)
		}
	}
}

func TestModelPath(t *testing.T) {
	for in, want := range map[string]string{
		"Deployment/graphql-api.spec.replicas": `services."graphql-api".replicas`,
		"StatefulSet/kafka:spec.replicas":      `services."kafka".replicas`,
		"Deployment/graphql-api.spec.template.spec.containers[name=graphql-api].resources.limits.memory": `services."graphql-api".resources.limits.memory`,
		"Deployment/graphql-api.spec.template.spec.containers[name=graphql-api].image":                   `services."graphql-api".image`,
		"Deployment/graphql-api.spec.template.spec.containers[name=sidecar].image":                       "",
		"Service/graphql-api.spec.ports": "",
		"services.graphql-api.replicas":  "",
	} {
		got, ok := ModelPath(in)
		if got != want || ok != (want != "") {
			t.Errorf("ModelPath(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	m := loadModel(t)
	p, _ := ModelPath("Deployment/graphql-api.spec.replicas")
	if x, err := Explain(m, "prod", p); err != nil || x.Value != "3" {
		t.Errorf("explaining the generated replicas: %+v, %v", x, err)
	}
}

// TestFollowsReferences: flink-taskmanager's replicas are written in the
// base as P.flinkTaskManagers; explain follows the reference to the prod
// delta that sets the number.
func TestFollowsReferences(t *testing.T) {
	m := loadModel(t)
	x, err := Explain(m, "prod", "services.flink-taskmanager.replicas")
	if err != nil {
		t.Fatal(err)
	}
	if x.Value != "4" {
		t.Fatalf("value = %s, want 4", x.Value)
	}
	stackLine := lineOf(t, "envs/stack.cue", `"flink-taskmanager": {`, "replicas: P.flinkTaskManagers")
	prodLine := lineOf(t, "envs/prod.cue", "params: {", "flinkTaskManagers:")
	var via *Explanation
	for _, s := range x.Sources {
		if s.Pos == fmt.Sprintf("./envs/stack.cue:%d:4", stackLine) {
			if s.Role != "refers" {
				t.Errorf("the base's reference has role %q, want refers", s.Role)
			}
			via = s.Via
		}
	}
	if via == nil {
		t.Fatalf("no source at envs/stack.cue:%d with a followed reference: %+v", stackLine, x.Sources)
	}
	if via.Path != "P.flinkTaskManagers" || via.Value != "4" || via.DecidedBy != fmt.Sprintf("./envs/prod.cue:%d:3", prodLine) {
		t.Errorf("via = %+v, want P.flinkTaskManagers = 4 decided at ./envs/prod.cue:%d:3", via, prodLine)
	}
	if x.DecidedBy != fmt.Sprintf("./envs/stack.cue:%d:4", stackLine) {
		t.Errorf("decided by %s", x.DecidedBy)
	}
}

// TestDidYouMean: an unknown field suggests the nearest fields by edit
// distance, quoted as paths quote them, and nothing when none is near.
func TestDidYouMean(t *testing.T) {
	m := loadModel(t)
	for path, want := range map[string]string{
		"services.graphql-ap.replicas":      `did you mean "graphql-api"? it has`,
		"services.graphql-api.Replicas":     `did you mean replicas? it has`,
		"params.loglevel":                   `did you mean logLevel? it has`,
		"services.graphql-api.rsources":     `did you mean resources? it has`,
		"services.nothing-like-it.replicas": `in services: it has`,
	} {
		_, err := Explain(m, "prod", path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
}

// TestJSONValue: in JSON the value is a JSON value ("1Gi", 3), not JSON
// text inside a string, also for a referenced field; the text format keeps
// the JSON text.
func TestJSONValue(t *testing.T) {
	m := loadModel(t)
	for path, want := range map[string]any{
		"services.graphql-api.resources.limits.memory": "1Gi",
		"services.graphql-api.replicas":                3.0,
		"services.flink-taskmanager.replicas":          4.0,
	} {
		x, err := Explain(m, "prod", path)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Value   any
			Sources []struct{ Via *struct{ Value any } }
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Value != want {
			t.Errorf("%s: value %#v, want %#v in %s", path, got.Value, want, data)
		}
		for _, s := range got.Sources {
			if s.Via != nil && s.Via.Value != want {
				t.Errorf("%s: via value %#v, want %#v", path, s.Via.Value, want)
			}
		}
	}
	var b bytes.Buffer
	x, _ := Explain(m, "prod", "services.graphql-api.resources.limits.memory")
	if err := x.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), `prod.services."graphql-api".resources.limits.memory = "1Gi"`) {
		t.Errorf("text: %q, %v", b.String(), err)
	}
}
