package policy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cuelang.org/go/cue"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
)

// repoRoot is the degen repository, whose model and policies are the
// defaults under test.
const repoRoot = "../.."

// copyModel copies the repository's CUE module (cue.mod, schema, envs,
// policies) into a temporary directory and adds extra files (path relative
// to the module root → content).
func copyModel(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"cue.mod", "envs", "policies"} {
		entries, err := os.ReadDir(filepath.Join(repoRoot, sub))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".cue") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(repoRoot, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, sub+"/"+e.Name(), string(data))
		}
	}
	// The repository files the model mounts.
	if err := os.CopyFS(filepath.Join(dir, "infra"), os.DirFS(filepath.Join(repoRoot, "infra"))); err != nil {
		t.Fatal(err)
	}
	for p, content := range extra {
		writeFile(t, dir, p, content)
	}
	return dir
}

func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadRaw loads the model at dir with package load. The broken model
// breaks rules (two services on one host port, a consumer beyond its
// partitions) that only the policies judge: the loader checks shape and
// references, and must let them through.
func loadRaw(t *testing.T, dir string) *model.Model {
	t.Helper()
	m, err := load.Load(load.Options{Dir: dir})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	return m
}

var (
	defaultOnce   sync.Once
	defaultModel  *model.Model
	defaultReport *policy.Report
	defaultErr    error
)

// defaultRun loads the repository's own model with package load and runs
// the shipped policies, once for all tests.
func defaultRun(t *testing.T) (*model.Model, *policy.Report) {
	t.Helper()
	defaultOnce.Do(func() {
		defaultModel, defaultErr = load.Load(load.Options{Dir: repoRoot})
		if defaultErr == nil {
			defaultReport, defaultErr = policy.Run(defaultModel, load.Policies{})
		}
	})
	if defaultErr != nil {
		t.Fatal(load.Format(defaultErr, repoRoot))
	}
	return defaultModel, defaultReport
}

func TestDefaultModelPasses(t *testing.T) {
	_, rep := defaultRun(t)
	if d := rep.Denied(); len(d) > 0 {
		t.Fatalf("the shipped rules deny the default model:\n%v", d)
	}
	// The only warnings are the ones its environments acknowledge, with
	// their reasons: the tool UIs that the seed runs with one replica in
	// prod (see policies/replicas.cue), and more below.
	m, _ := defaultRun(t)
	var got []string
	for _, v := range rep.Violations {
		if _, ok := m.Envs[v.Env].Acknowledge[v.ID()]; !ok {
			t.Errorf("%s is not acknowledged by environment %s", v.String(), v.Env)
		}
		got = append(got, fmt.Sprintf("%s %s/%s %s", v.Position, v.Env, v.Rule, v.Path))
	}
	stack, err := os.ReadFile(filepath.Join(repoRoot, "envs", "stack.cue"))
	if err != nil {
		t.Fatal(err)
	}
	lineOfService := func(svc string) int {
		decl := regexp.MustCompile(`(?m)^\t\t"?` + svc + `"?: \{`).FindIndex(stack)
		if decl == nil {
			t.Fatalf("service %s is not declared in envs/stack.cue", svc)
		}
		return strings.Count(string(stack[:decl[0]]), "\n") + 1
	}
	var want []string
	// dev's Ingress serves de.local without TLS (ingress-tls), at each
	// service's ingress.
	for _, svc := range []string{"kafka-ui", "dagster-webserver", "grafana", "openmetadata", "graphql-api", "superset"} {
		at := ""
		for _, v := range rep.Violations {
			if v.Env == "dev" && v.Rule == "ingress-tls" && v.Path == cue.MakePath(cue.Str("services"), cue.Str(svc), cue.Str("ingress")).String() {
				at = v.Position
			}
		}
		if !strings.HasPrefix(at, "./envs/stack.cue:") {
			t.Errorf("dev: no ingress-tls warning for %s in envs/stack.cue", svc)
		}
		want = append(want, fmt.Sprintf("%s dev/ingress-tls %s", at, cue.MakePath(cue.Str("services"), cue.Str(svc), cue.Str("ingress"))))
	}
	for _, svc := range []string{"grafana", "openmetadata", "superset"} {
		want = append(want, fmt.Sprintf("./envs/stack.cue:%d:3 prod/prod-ingress-replicas %s", lineOfService(svc), cue.MakePath(cue.Str("services"), cue.Str(svc), cue.Str("replicas"))))
	}
	// The two PostgreSQL databases run postgres:16.4-alpine (_images).
	images := regexp.MustCompile(`(?m)^\tpostgres: +"postgres:16\.4-alpine"`).FindIndex(stack)
	if images == nil {
		t.Fatal("_images.postgres is not postgres:16.4-alpine in envs/stack.cue")
	}
	pg := strings.Count(string(stack[:images[0]]), "\n") + 1
	for _, env := range []string{"prod", "staging"} {
		for _, svc := range []string{"dagster-postgres", "superset-postgres"} {
			want = append(want, fmt.Sprintf("./envs/stack.cue:%d:18 %s/stateful-image-tags %s", pg, env, cue.MakePath(cue.Str("services"), cue.Str(svc), cue.Str("image"))))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations of the default model:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

var (
	brokenOnce   sync.Once
	brokenSrc    string
	brokenReport *policy.Report
	brokenErr    error
)

// brokenRun runs the shipped policies over the default model plus
// testdata/broken.cue, with #Image loosened to any string.
func brokenRun(t *testing.T) (string, *policy.Report) {
	t.Helper()
	brokenOnce.Do(func() {
		data, err := os.ReadFile("testdata/broken.cue")
		if err != nil {
			brokenErr = err
			return
		}
		brokenSrc = string(data)
		dir := copyModel(t, map[string]string{"envs/zz_broken.cue": brokenSrc})
		brokenReport, brokenErr = policy.Run(loadRaw(t, dir), load.Policies{})
	})
	if brokenErr != nil {
		t.Fatal(load.Format(brokenErr, "."))
	}
	return brokenSrc, brokenReport
}

// lineOf returns the 1-based line of src holding marker.
func lineOf(t *testing.T, src, marker string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", marker)
	return 0
}

func TestShippedRulesCatchTheBrokenModel(t *testing.T) {
	prodCue, err := os.ReadFile(filepath.Join(repoRoot, "envs", "prod.cue"))
	if err != nil {
		t.Fatal(err)
	}
	quota := fmt.Sprintf("./envs/prod.cue:%d:", lineOf(t, string(prodCue), `quota: {cpu: "64"`))
	stackCue, err := os.ReadFile(filepath.Join(repoRoot, "envs", "stack.cue"))
	if err != nil {
		t.Fatal(err)
	}
	prometheusPort := fmt.Sprintf("./envs/stack.cue:%d:", lineOf(t, string(stackCue), `containerPort: 9090, hostPort: *9090`))
	nodeExporterPort := fmt.Sprintf("./envs/stack.cue:%d:", lineOf(t, string(stackCue), `containerPort: 9100, hostPort: *9100`))
	src, _ := brokenRun(t)
	at := func(marker string) string {
		return fmt.Sprintf("./envs/zz_broken.cue:%d:", lineOf(t, src, marker))
	}
	type want struct {
		sev      policy.Severity
		position string // file:line: prefix
		message  string // substring
	}
	tests := []struct {
		rule, env string
		want      []want
	}{
		{"resources-set", "prod", []want{
			{policy.Deny, at("// resources-set"), "service no-limits sets no cpu limits"},
			{policy.Deny, at("// resources-set"), "service no-limits sets no memory limits"},
		}},
		{"requests-within-limits", "prod", []want{
			{policy.Deny, at("// requests-within-limits cpu"), "requests 2 CPU but is limited to 500m"},
			{policy.Deny, at("// requests-within-limits memory"), "requests 1Gi of memory but is limited to 512Mi"},
			{policy.Deny, at("// requests-within-limits ephemeral"), "requests 2Gi of ephemeral storage but is limited to 1Gi"},
		}},
		{"consumer-partitions", "prod", []want{
			{policy.Deny, at("// consumer-partitions"), "scales to 5 replicas but topic dead-letter-queue has 3 partitions"},
		}},
		{"stateful-volumes", "prod", []want{
			{policy.Deny, at("// stateful-volumes"), "service no-volume is a statefulset but mounts no named volume"},
		}},
		{"prod-ha-replicas", "prod", []want{
			{policy.Deny, at("// prod-ha-replicas replicas"), "service lonely autoscales but runs 1 replica(s)"},
			{policy.Deny, at("// prod-ha-replicas minReplicas"), "service lonely may scale down to 1 replica(s)"},
		}},
		{"namespace-quota", "prod", []want{
			{policy.Deny, quota, "the namespace quota is 64"},
			{policy.Deny, quota, "the namespace quota is 128Gi"},
			{policy.Deny, quota, "the namespace quota admits 80"},
		}},
		{"no-secret-literals", "prod", []want{
			{policy.Deny, at("// no-secret-literals command"), "service leaky: command argument 2 passes a secret as a literal"},
			{policy.Deny, at("// no-secret-literals health"), "service leaky: health command argument 3 passes a secret as a literal"},
			{policy.Deny, at("// no-secret-literals token"), "service leaky: env API_TOKEN looks like a secret but has a plain value"},
			{policy.Deny, at("// no-secret-literals aws"), "service leaky: env AWS_SECRET_ACCESS_KEY looks like a secret"},
			{policy.Deny, at("// no-secret-literals ordinal"), "service leaky-cluster: ordinal.env PEER_URL holds a secret-looking literal (a password in a URL"},
		}},
		{"images-pinned", "local", []want{
			{policy.Warn, at("// images-pinned"), "service unpinned runs image redis, which is not pinned"},
		}},
		{"images-pinned", "prod", []want{
			{policy.Deny, at("// images-pinned"), "service unpinned runs image redis, which is not pinned"},
		}},
		{"compose-host-ports", "local", []want{
			{policy.Deny, prometheusPort, "service prometheus publishes host port 9090, already published by port-thief"},
			{policy.Deny, nodeExporterPort, "service node-exporter publishes host port 9100, already published by crowd (replica crowd-2) (port http)"},
			{policy.Deny, at("// compose-host-ports"), "service port-thief publishes host port 9090, already published by prometheus"},
			{policy.Deny, at("// compose-host-ports ordinal"), "service crowd (replica crowd-2) publishes host port 9100, already published by node-exporter (port metrics)"},
		}},
	}
	_, rep := brokenRun(t)
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			var got []policy.Violation
			for _, v := range rep.Violations {
				if v.Rule == tt.rule && v.Env == tt.env {
					got = append(got, v)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%s/%s: got %d violations, want %d:\n%v", tt.env, tt.rule, len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Severity != w.sev || !strings.HasPrefix(g.Position, w.position) || !strings.Contains(g.Message, w.message) {
					t.Errorf("violation %d:\n got %s\nwant %s [%s] …%s…", i, g, w.position, w.sev, w.message)
				}
			}
		})
	}
}

// TestSeverityPerEnvironment checks that the same breakage warns in dev,
// denies in prod and is dropped where a rule is off.
func TestSeverityPerEnvironment(t *testing.T) {
	_, rep := brokenRun(t)
	sev := map[string]policy.Severity{}
	for _, v := range rep.Violations {
		sev[v.Env+"/"+v.Rule] = v.Severity
	}
	for key, want := range map[string]policy.Severity{
		"prod/prod-ingress-replicas": policy.Warn,
		"local/compose-host-ports":   policy.Deny,
	} {
		if sev[key] != want {
			t.Errorf("%s: severity %q, want %q", key, sev[key], want)
		}
	}
	// The broken services live in prod and local only; dev and staging stay
	// clean but for the warnings the default model acknowledges there
	// (TestDefaultModelPasses), and prod, having no Compose files, has no
	// host-port check.
	for key := range sev {
		if key == "dev/ingress-tls" || key == "staging/stateful-image-tags" {
			continue
		}
		if strings.HasPrefix(key, "dev/") || strings.HasPrefix(key, "staging/") || key == "prod/compose-host-ports" {
			t.Errorf("unexpected violation %s", key)
		}
	}
}

func TestNewRuleFileIsPickedUp(t *testing.T) {
	dir := copyModel(t, map[string]string{"policies/zz_log_level.cue": `package policies

rules: "no-debug-logs": {
	description: "Services do not log at DEBUG outside local."
	severity: {default: "deny", local: "off", development: "warn"}
	violations: [if env.params.logLevel == "DEBUG" {
		message: "log level is DEBUG"
		path:    "params.logLevel"
	}]
}
`})
	got := printed(ruleViolations(t, dir, []string{"dev", "local", "prod"}, "no-debug-logs"))
	devCue, _ := os.ReadFile(filepath.Join(dir, "envs", "dev.cue"))
	want := regexp.MustCompile(fmt.Sprintf(`^\./envs/dev\.cue:%d:\d+: warning: \[warn\] dev/no-debug-logs: params\.logLevel: log level is DEBUG \[policy/no-debug-logs/\]$`, lineOf(t, string(devCue), `logLevel: "DEBUG"`)))
	if len(got) != 1 || !want.MatchString(got[0]) {
		t.Errorf("got %q, want one match of %s", got, want)
	}
}

// tinyModel writes a minimal model with the environments dev, local, prod
// and staging (degen adds its policy contract and generic rules) and the given
// policy files: enough to load policies in a fraction of the default
// model's time.
func tinyModel(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, rel := range []string{"cue.mod/module.cue"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, rel, string(data))
	}
	writeFile(t, dir, "envs/envs.cue", `package envs

#Base: {
	name: string
	artefacts: ["env"]
	services: {}
	params: {logLevel: "INFO", ...}
	secrets: "minio-root-password": {envVar: "MINIO_ROOT_PASSWORD", key: "minio/root-password", description: "d"}
}
environments: [N=string]: #Base & {name: N}
environments: {dev: {}, local: {}, prod: {}, staging: {}}
`)
	for rel, content := range files {
		writeFile(t, dir, rel, content)
	}
	return dir
}

func TestBadPolicies(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string // substrings of the formatted error
	}{
		{"does not compile", "rules: \"x\": {description: \"d\"\n", []string{"./policies/zz_bad.cue:3:", "expected '}'"}},
		{"no severity", "rules: \"quiet\": {\n\tdescription: \"d\"\n\tviolations: []\n}\n",
			[]string{"./policies/zz_bad.cue:3:", `policy rule "quiet" has no severity: add severity`}},
		{"unknown stage", "rules: \"typo\": {\n\tdescription: \"d\"\n\tseverity: {default: \"warn\", prd: \"deny\"}\n\tviolations: []\n}\n",
			[]string{"./policies/zz_bad.cue:5:", `severity for stage "prd", which is not a stage: use one of [local development staging production]`}},
		{"an environment name is not a stage", "rules: \"named\": {\n\tdescription: \"d\"\n\tseverity: {default: \"warn\", prod: \"deny\"}\n\tviolations: []\n}\n",
			[]string{"./policies/zz_bad.cue:5:", `severity for stage "prod", which is not a stage`}},
		{"stage not covered", "rules: \"partial\": {\n\tdescription: \"d\"\n\tseverity: {production: \"deny\"}\n\tviolations: []\n}\n",
			[]string{"./policies/zz_bad.cue:5:", `has no severity for stages [local development staging]`}},
		{"bad severity", "rules: \"loud\": {\n\tdescription: \"d\"\n\tseverity: {default: \"block\"}\n\tviolations: []\n}\n",
			[]string{"./policies/zz_bad.cue:5:", "rules.loud.severity.default"}},
		{"violation without path", "rules: \"vague\": {\n\tdescription: \"d\"\n\tseverity: default: \"warn\"\n\tviolations: [{message: \"m\"}]\n}\n",
			[]string{"./policies/zz_bad.cue:6:", `policy rule "vague": a violation needs path`}},
		{"rule reads a missing field", "rules: \"typo\": {\n\tdescription: \"d\"\n\tseverity: default: \"warn\"\n\tviolations: [if env.parms.logLevel == \"INFO\" {message: \"m\", path: \"params\"}]\n}\n",
			[]string{"./policies/zz_bad.cue:6:", "undefined field: parms"}},
		{"override of an unknown rule", "overrides: \"images-pined\": development: \"off\"\n",
			[]string{"./policies/zz_bad.cue:3:", `overrides names the rule "images-pined", which no policy defines: use one of [`, "images-pinned"}},
		{"override of an unknown stage", "overrides: \"images-pinned\": dev: \"off\"\n",
			[]string{"./policies/zz_bad.cue:3:", `overrides."images-pinned".dev: field not allowed`}},
		{"override with a bad severity", "overrides: \"images-pinned\": production: \"never\"\n",
			[]string{"./policies/zz_bad.cue:3:", `overrides."images-pinned".production`}},
		{"a generic rule redefined", "rules: \"images-pinned\": {\n\tdescription: \"mine\"\n\tseverity: default: \"warn\"\n\tviolations: []\n}\n",
			[]string{"./policies/zz_bad.cue:3:", `policy rule "images-pinned" is one of degen's generic rules: give it another name, or change its severity with overrides`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tinyModel(t, map[string]string{"policies/zz_bad.cue": "package policies\n\n" + tt.file})
			m, err := load.Load(load.Options{Dir: dir, Envs: []string{"prod"}})
			if err != nil {
				t.Fatal(load.Format(err, dir))
			}
			_, err = policy.Run(m, load.Policies{})
			if err == nil {
				t.Fatal("bad policy accepted")
			}
			got := load.Format(err, dir)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("error does not contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	_, rep := brokenRun(t)
	data, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Violations []policy.Violation `json:"violations"`
		Denied     int                `json:"denied"`
		Warnings   int                `json:"warnings"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Denied != len(rep.Denied()) || got.Warnings != len(rep.Warnings()) || len(got.Violations) != len(rep.Violations) {
		t.Errorf("counts: %d denied, %d warnings, %d violations; report has %d, %d, %d", got.Denied, got.Warnings, len(got.Violations), len(rep.Denied()), len(rep.Warnings()), len(rep.Violations))
	}
	for i := 1; i < len(got.Violations); i++ {
		a, b := got.Violations[i-1], got.Violations[i]
		if a.Env > b.Env || a.Env == b.Env && a.Rule > b.Rule {
			t.Errorf("violations out of order at %d: %s/%s before %s/%s", i, a.Env, a.Rule, b.Env, b.Rule)
		}
	}
	if !strings.HasSuffix(string(data), "}\n") {
		t.Error("report does not end with a newline")
	}
	var clean policy.Report
	data, _ = clean.JSON()
	if !strings.Contains(string(data), `"violations": []`) {
		t.Errorf("a clean report must list no violations as []: %s", data)
	}
}

func TestDeniedError(t *testing.T) {
	_, rep := brokenRun(t)
	err := rep.Err()
	var denied *policy.DeniedError
	if !errors.As(err, &denied) {
		t.Fatalf("Err() = %v, want a *DeniedError", err)
	}
	if !strings.Contains(err.Error(), "error: [deny] local/compose-host-ports: ") || !strings.Contains(err.Error(), "[policy/compose-host-ports/") {
		t.Errorf("denial does not list the violations:\n%s", err)
	}
	_, clean := defaultRun(t)
	if err := clean.Err(); err != nil {
		t.Errorf("warnings alone must not deny: %v", err)
	}
}

// TestDeterministic runs the policies twice over the same model: the reports
// must be byte-for-byte equal.
func TestDeterministic(t *testing.T) {
	m, first := defaultRun(t)
	second, err := policy.Run(m, load.Policies{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := first.JSON()
	b, _ := second.JSON()
	if string(a) != string(b) {
		t.Errorf("two runs differ:\n%s\n---\n%s", a, b)
	}
}

// TestSecretParams checks the params half of no-secret-literals on a tiny
// model, since the default model closes its params.
func TestSecretParams(t *testing.T) {
	dir := tinyModel(t, map[string]string{
		"envs/params.cue": "package envs\n\nenvironments: prod: params: {adminToken: \"abc\", tokenTTL: 3600, TOKEN: false}\n",
	})
	rep := runPolicies(t, dir, "prod")
	want := "./envs/params.cue:3:30: error: [deny] prod/no-secret-literals: params.adminToken: param adminToken looks like a secret"
	if len(rep.Violations) != 1 || !strings.HasPrefix(rep.Violations[0].Diagnostic().Text(), want) {
		t.Errorf("got %v, want one violation %q…", rep.Violations, want)
	}
}

// TestImagesPinned checks images-pinned on a model that does not import the
// schema, at the columns of the images.
func TestImagesPinned(t *testing.T) {
	svc := `{enabled: true, env: {}, image: %q, resources: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "100m", memory: "64Mi"}}}`
	src := "package envs\n\nenvironments: prod: services: {\n" +
		"\tuntagged: " + fmt.Sprintf(svc, "nginx") + "\n" +
		"\t\"latest-tag\": " + fmt.Sprintf(svc, "nginx:latest") + "\n" +
		"\tpinned: " + fmt.Sprintf(svc, "nginx:1.27.3") + "\n}\n"
	dir := tinyModel(t, map[string]string{"envs/images.cue": src, "envs/envs.cue": openBase})
	got := printed(ruleViolations(t, dir, []string{"prod"}, "images-pinned"))
	want := []string{
		// Checked by hand: the columns of the image fields of lines 4 and 5.
		"./envs/images.cue:4:37: error: [deny] prod/images-pinned: services.untagged.image: service untagged runs image nginx, which is not pinned",
		`./envs/images.cue:5:41: error: [deny] prod/images-pinned: services."latest-tag".image: service latest-tag runs image nginx:latest`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d images-pinned violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("violation %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

// TestOverrides checks that a model's policies/ changes the severity of a
// generic rule per stage, and that a new default replaces every stage the
// override does not name.
func TestOverrides(t *testing.T) {
	img := `package envs

environments: [string]: services: untagged: {enabled: true, env: {}, image: "nginx", resources: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "100m", memory: "64Mi"}}}
environments: dev: stage: "development"
`
	for _, tt := range []struct {
		name, overrides string
		want            map[string]policy.Severity // env -> severity of images-pinned ("" none)
	}{
		{"none", "", map[string]policy.Severity{"dev": policy.Warn, "prod": policy.Deny}},
		{"one stage off", `overrides: "images-pinned": development: "off"`, map[string]policy.Severity{"dev": "", "prod": policy.Deny}},
		{"new default", `overrides: "images-pinned": {default: "warn", production: "deny"}`, map[string]policy.Severity{"dev": policy.Warn, "prod": policy.Deny}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"envs/images.cue": img, "envs/envs.cue": openBase}
			if tt.overrides != "" {
				files["policies/overrides.cue"] = "package policies\n\n" + tt.overrides + "\n"
			}
			dir := tinyModel(t, files)
			got := map[string]policy.Severity{"dev": "", "prod": ""}
			for _, v := range ruleViolations(t, dir, []string{"dev", "prod"}, "images-pinned") {
				got[v.Env] = v.Severity
			}
			for env, w := range tt.want {
				if got[env] != w {
					t.Errorf("%s: images-pinned is %q, want %q", env, got[env], w)
				}
			}
		})
	}
}

// openBase replaces tinyModel's closed base with one that takes services
// and a stage, without the schema.
const openBase = `package envs

#Base: {
	name: string
	stage: *"production" | string
	artefacts: ["env"]
	services: [string]: {...}
	params: {logLevel: "INFO", ...}
}
environments: [N=string]: #Base & {name: N}
environments: {dev: {}, local: {}, prod: {}, staging: {}}
`

// runPolicies loads envs of the model at dir (every environment when none)
// and runs its policies.
func runPolicies(t *testing.T, dir string, envs ...string) *policy.Report {
	t.Helper()
	m, err := load.Load(load.Options{Dir: dir, Envs: envs})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	rep, err := policy.Run(m, load.Policies{})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	return rep
}

// ruleViolations loads envs of the model at dir, runs its policies and
// returns the violations of rule.
func ruleViolations(t *testing.T, dir string, envs []string, rule string) []policy.Violation {
	t.Helper()
	rep := runPolicies(t, dir, envs...)
	var got []policy.Violation
	for _, v := range rep.Violations {
		if v.Rule == rule {
			got = append(got, v)
		}
	}
	return got
}

// printed is each violation as the CLI prints it.
func printed(vs []policy.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Diagnostic().Text())
	}
	return out
}

// TestRuleReadingAnotherRule: the rules over the environment are evaluated
// without the rules over the output (and the other way round); a rule that
// reads one of the other kind still sees it.
func TestRuleReadingAnotherRule(t *testing.T) {
	dir := tinyModel(t, map[string]string{"policies/p.cue": `package policies

rules: "output-rule": {
	description: "d"
	severity: default: "deny"
	reads: "output"
	violations: []
}
rules: "reads-another": {
	description: "d"
	severity: default: "warn"
	violations: [if len(rules."output-rule".violations) == 0 {message: "m", path: "params.logLevel"}]
}
`})
	m, err := load.Load(load.Options{Dir: dir})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	rep, err := policy.Run(m, load.Policies{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rep.Violations {
		got = append(got, v.Env+"/"+v.Rule)
	}
	want := "dev/reads-another local/reads-another prod/reads-another staging/reads-another"
	if strings.Join(got, " ") != want {
		t.Errorf("violations %q, want %s", got, want)
	}
}
