package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestContent: an added or removed object shows its content, as YAML under
// its line in text and collapsed in Markdown, with secrets hidden.
func TestContent(t *testing.T) {
	old := files("kubernetes/a.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  url: s3cr3t-value\n")
	new := files("kubernetes/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  LOG_LEVEL: INFO\n  DB_PASSWORD: hunter2-value\n")
	r := compare(t, old, new, Options{})
	var b bytes.Buffer
	if err := WriteText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	want := `kubernetes
  kubernetes/a.yaml
    + v1 ConfigMap cfg
        apiVersion: v1
        data:
          DB_PASSWORD: (redacted)
          LOG_LEVEL: INFO
        kind: ConfigMap
        metadata:
          name: cfg
    - v1 Secret db
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
        stringData:
          url: (redacted)
1 added, 1 removed, 0 changed objects
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	md := Markdown(r, MarkdownLimit)
	if !strings.Contains(md, "- **added** <code>v1 ConfigMap cfg</code>\n  <details><summary>content</summary>\n\n  ```yaml\n  apiVersion: v1\n  data:\n    DB_PASSWORD: (redacted)\n") {
		t.Errorf("markdown does not show the added content collapsed:\n%s", md)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": b.String(), "markdown": md, "json": js.String()} {
		if strings.Contains(out, "-value") {
			t.Errorf("%s shows a secret:\n%s", name, out)
		}
	}
	if !strings.Contains(js.String(), `"LOG_LEVEL": "INFO"`) {
		t.Errorf("JSON content is not a JSON value:\n%s", js.String())
	}
}

// TestJSONValues: old and new are JSON values in the JSON report, not JSON
// texts inside strings.
func TestJSONValues(t *testing.T) {
	r := compare(t, files("terraform/p.tfvars", "mem = \"1Gi\"\nn = 3\nl = [\"a\"]\ntoken = \"x1-value\"\n"),
		files("terraform/p.tfvars", "mem = \"2Gi\"\nn = 4\nl = [\"a\", \"b\"]\ntoken = \"x2-value\"\n"), Options{})
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Objects []struct {
			ID      string
			Changes []struct{ Old, New any }
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]any{
		"variable mem":   {"1Gi", "2Gi"},
		"variable n":     {3.0, 4.0},
		"variable token": {Redacted, Redacted},
	}
	for _, o := range got.Objects {
		if w, ok := want[o.ID]; ok {
			if c := o.Changes[0]; c.Old != w[0] || c.New != w[1] {
				t.Errorf("%s: old %#v new %#v, want %#v %#v", o.ID, c.Old, c.New, w[0], w[1])
			}
			delete(want, o.ID)
		}
		if o.ID == "variable l" {
			if l, ok := o.Changes[0].New.([]any); !ok || len(l) != 2 {
				t.Errorf("list is %#v, want a JSON array", o.Changes[0].New)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("missing objects %v in\n%s", want, b.String())
	}
}

// TestSecretLookingValuesMasked: a value that looks like a secret is
// masked whatever its key, in a field, a list and a line of a file.
func TestSecretLookingValuesMasked(t *testing.T) {
	const url = "postgres://app:Hunter2isNotSafe@db:5432/app"
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	cm := func(v, line string) map[string][]byte {
		return files("kubernetes/c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  DSN: "+v+"\n  args: ["+v+"]\n  conf: |\n    a: 1\n    dsn: "+line+"\n    b: 2\n")
	}
	r := compare(t, cm("plain", "plain"), cm(url, jwt), Options{})
	var b bytes.Buffer
	if err := WriteText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": b.String(), "markdown": Markdown(r, MarkdownLimit), "json": js.String()} {
		if strings.Contains(out, "Hunter2") || strings.Contains(out, "eyJzdWIi") {
			t.Errorf("%s shows a secret-looking value:\n%s", name, out)
		}
		if strings.Count(out, Redacted) < 3 {
			t.Errorf("%s masks fewer than three values:\n%s", name, out)
		}
	}
	if !strings.Contains(b.String(), `"plain" → "(redacted)"`) || !strings.Contains(b.String(), "+"+Redacted) {
		t.Errorf("text:\n%s", b.String())
	}
}

// TestEnvValueKeyEveryString: comparing two environments maps their names
// and namespaces, taken from the model, in every string however deep (a
// list of targets, a line of a file), and keeps real differences.
func TestEnvValueKeyEveryString(t *testing.T) {
	prom := func(ns, env, extra string) map[string][]byte {
		return files("prometheus/"+env+"/prometheus.yml", "scrape_configs:\n- job_name: api\n  static_configs:\n  - targets: [api."+ns+".svc:9400"+extra+"]\n  labels: {env: "+env+", bucket: "+env+"/raw}\n")
	}
	opts := Options{
		PathKey:     EnvPathKey("blue", "green"),
		OldValueKey: Env{Name: "green", Namespace: "analytics"}.ValueKey(),
		NewValueKey: Env{Name: "blue", Namespace: "reporting"}.ValueKey(),
	}
	if r := compare(t, prom("analytics", "green", ""), prom("reporting", "blue", ""), opts); !r.Empty() {
		t.Errorf("differences only by the environment are listed: %+v", r.Objects)
	}
	r := compare(t, prom("analytics", "green", ""), prom("reporting", "blue", ", db.reporting.svc:5432"), opts)
	if r.Changed != 1 || len(r.Objects[0].Changes) != 1 || r.Objects[0].Changes[0].New != `["api.reporting.svc:9400","db.reporting.svc:5432"]` {
		t.Errorf("a real difference is not listed as it is: %+v", r.Objects)
	}
	// Without the model's namespaces the namespaces differ.
	opts.OldValueKey, opts.NewValueKey = Env{Name: "green"}.ValueKey(), Env{Name: "blue"}.ValueKey()
	if r := compare(t, prom("analytics", "green", ""), prom("reporting", "blue", ""), opts); r.Changed != 1 {
		t.Errorf("namespaces not given are still mapped: %+v", r.Objects)
	}
}

// TestMarkdownMergesEnvironments: a change that every environment shares
// (an image bump) is listed once with the environments, after a summary
// table per environment and target; a change of one environment stays
// its own entry.
func TestMarkdownMergesEnvironments(t *testing.T) {
	deploy := func(env, image string, replicas string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: de-" + env + "\nspec:\n  replicas: " + replicas + "\n  template:\n    spec:\n      containers:\n      - name: api\n        image: " + image + "\n"
	}
	old, new := map[string][]byte{}, map[string][]byte{}
	owners := map[string][]string{}
	var envs []Env
	for _, env := range []string{"dev", "prod", "staging"} {
		p := "kubernetes/overlays/" + env + "/api.yaml"
		replicas := "1"
		if env == "prod" {
			replicas = "3"
		}
		old[p] = []byte(deploy(env, "api:v1", "1"))
		new[p] = []byte(deploy(env, "api:v2", replicas))
		owners[p] = []string{env}
		envs = append(envs, Env{Name: env, Namespace: "de-" + env})
	}
	r := compare(t, old, new, Options{Raw: true, Envs: envs, Owners: func(p string) []string { return owners[p] }})
	md := Markdown(r, MarkdownLimit)
	for _, want := range []string{
		"| environment | target | added | changed | removed |\n|---|---|--:|--:|--:|\n| dev | kubernetes | 0 | 1 | 0 |\n| prod | kubernetes | 0 | 1 | 0 |\n| staging | kubernetes | 0 | 1 | 0 |\n",
		"`kubernetes/overlays/{env}/api.yaml`\n\n- **changed** <code>apps/v1 Deployment {namespace}/api</code> in dev, staging\n",
		"`kubernetes/overlays/prod/api.yaml`\n\n- **changed** <code>apps/v1 Deployment de-prod/api</code> in prod\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks\n%s\nin\n%s", want, md)
		}
	}
	if n := strings.Count(md, "<code>\"api:v1\"</code> → <code>\"api:v2\"</code>"); n != 2 {
		t.Errorf("the image bump is listed %d times, want 2 (dev+staging, prod):\n%s", n, md)
	}
	// Without the prod replicas change, one entry for all three.
	new["kubernetes/overlays/prod/api.yaml"] = []byte(deploy("prod", "api:v2", "1"))
	md = Markdown(compare(t, old, new, Options{Raw: true, Envs: envs, Owners: func(p string) []string { return owners[p] }}), MarkdownLimit)
	changes, _, _ := strings.Cut(md, "#### Rollout impact")
	if n := strings.Count(changes, "api:v2"); n != 1 || !strings.Contains(md, " in dev, prod, staging\n") {
		t.Errorf("the shared bump is not one entry for every environment:\n%s", md)
	}
}
