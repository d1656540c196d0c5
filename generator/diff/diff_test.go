package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func files(kv ...string) map[string][]byte {
	m := map[string][]byte{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = []byte(kv[i+1])
	}
	return m
}

func compare(t *testing.T, old, new map[string][]byte, opts Options) *Report {
	t.Helper()
	r, err := Compare(old, new, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const deployOld = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: graphql-api
  namespace: de-prod
  labels:
    app.kubernetes.io/name: graphql-api
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: graphql-api
        image: graphql-api:v1.0.0
        args: ["--port", "8080"]
        resources:
          limits: {memory: 1Gi, cpu: "1"}
        env:
        - name: LOG_LEVEL
          value: WARNING
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: db, key: password}}
      - name: sidecar
        image: envoy:1
---
apiVersion: v1
kind: Service
metadata:
  name: graphql-api
  namespace: de-prod
spec:
  ports: [{name: http, port: 8080}]
`

const deployNew = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: graphql-api
  namespace: de-prod
  labels:
    app.kubernetes.io/name: graphql-api
    tier: api
spec:
  replicas: 4
  template:
    spec:
      containers:
      - name: sidecar
        image: envoy:1
      - name: graphql-api
        image: graphql-api:v1.0.0
        args: ["--port", "9090"]
        resources:
          limits: {memory: 2Gi, cpu: "1"}
        env:
        - name: LOG_LEVEL
          value: INFO
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: db2, key: password}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: de-prod
data: {a: b}
`

func TestKubernetes(t *testing.T) {
	r := compare(t, files("kubernetes/overlays/prod/graphql-api.yaml", deployOld), files("kubernetes/overlays/prod/graphql-api.yaml", deployNew), Options{})
	f := "kubernetes/overlays/prod/graphql-api.yaml"
	want := []Object{
		{Target: "kubernetes", File: f, ID: "apps/v1 Deployment de-prod/graphql-api", Status: Changed, Changes: []Change{
			{Field: `metadata.labels.tier`, New: `"api"`, OldMissing: true},
			{Field: `spec.replicas`, Old: `3`, New: `4`},
			{Field: `spec.template.spec.containers[name=graphql-api].args`, Old: `["--port","8080"]`, New: `["--port","9090"]`},
			// A reference to a Secret, not a secret: shown.
			{Field: `spec.template.spec.containers[name=graphql-api].env[name=DB_PASSWORD].valueFrom.secretKeyRef.name`, Old: `"db"`, New: `"db2"`},
			{Field: `spec.template.spec.containers[name=graphql-api].env[name=LOG_LEVEL].value`, Old: `"WARNING"`, New: `"INFO"`},
			{Field: `spec.template.spec.containers[name=graphql-api].resources.limits.memory`, Old: `"1Gi"`, New: `"2Gi"`},
		}},
		{Target: "kubernetes", File: f, ID: "v1 ConfigMap de-prod/settings", Status: Added},
		{Target: "kubernetes", File: f, ID: "v1 Service de-prod/graphql-api", Status: Removed},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if got := r.Summary(); got != "1 added, 1 removed, 1 changed objects" {
		t.Errorf("summary = %q", got)
	}
}

func TestListIdentity(t *testing.T) {
	old := `- {op: add, path: /data/LOG_LEVEL, value: WARNING}
- {op: add, path: /data/KAFKA, value: k}
`
	new := `- {op: add, path: /data/KAFKA, value: k}
- {op: add, path: /data/LOG_LEVEL, value: INFO}
- {op: add, path: /data/NEW, value: x}
`
	r := compare(t, files("kubernetes/overlays/prod/patches/p.yaml", old), files("kubernetes/overlays/prod/patches/p.yaml", new), Options{})
	want := []Change{
		{Field: `[path=/data/LOG_LEVEL].value`, Old: `"WARNING"`, New: `"INFO"`},
		{Field: `[path=/data/NEW]`, New: `{"op":"add","path":"/data/NEW","value":"x"}`, OldMissing: true},
	}
	if diff := cmp.Diff(want, r.Objects[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	// An empty list gains named elements one by one; unnamed lists of one
	// length are compared by index; others whole.
	old = "a: []\nb: [{x: 1}, {x: 2}]\nc: [{x: 1}]\n"
	new = "a: [{name: p, v: 1}]\nb: [{x: 1}, {x: 3}]\nc: [{x: 1}, {x: 2}]\n"
	r = compare(t, files("gitops/x.yaml", old), files("gitops/x.yaml", new), Options{})
	want = []Change{
		{Field: `a[name=p]`, New: `{"name":"p","v":1}`, OldMissing: true},
		{Field: `b[1].x`, Old: `2`, New: `3`},
		{Field: `c`, Old: `[{"x":1}]`, New: `[{"x":1},{"x":2}]`},
	}
	if diff := cmp.Diff(want, r.Objects[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestQuotedKeys(t *testing.T) {
	old := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app.kubernetes.io/part-of: one}\n"
	new := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app.kubernetes.io/part-of: two}\n"
	r := compare(t, files("kubernetes/base/c.yaml", old), files("kubernetes/base/c.yaml", new), Options{})
	want := []Change{{Field: `metadata.labels["app.kubernetes.io/part-of"]`, Old: `"one"`, New: `"two"`}}
	if diff := cmp.Diff(want, r.Objects[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestKubernetesSecretRedacted(t *testing.T) {
	old := "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {url: https://old.example}\n"
	new := "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {url: https://new.example}\n"
	r := compare(t, files("kubernetes/base/s.yaml", old), files("kubernetes/base/s.yaml", new), Options{})
	want := []Change{{Field: "stringData.url", Old: Redacted, New: Redacted}}
	if diff := cmp.Diff(want, r.Objects[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestCompose(t *testing.T) {
	old := `name: de
services:
  kafka:
    image: cp-kafka:7.6.0
    environment:
      KAFKA_BROKER_ID: "1"
      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD}
  redis:
    image: redis:7
networks:
  backend: {driver: bridge}
volumes:
  kafka-data: {}
`
	new := `name: de
services:
  kafka:
    image: cp-kafka:7.7.0
    environment:
      KAFKA_BROKER_ID: "1"
      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD_2}
  grafana:
    image: grafana:10
networks:
  backend: {driver: overlay}
volumes:
  kafka-data: {}
`
	r := compare(t, files("compose/local/docker-compose.yaml", old), files("compose/local/docker-compose.yaml", new), Options{})
	f := "compose/local/docker-compose.yaml"
	want := []Object{
		{Target: "compose", File: f, ID: "network backend", Status: Changed, Changes: []Change{{Field: "driver", Old: `"bridge"`, New: `"overlay"`}}},
		{Target: "compose", File: f, ID: "service grafana", Status: Added},
		{Target: "compose", File: f, ID: "service kafka", Status: Changed, Changes: []Change{
			// References to variables, no secrets: shown.
			{Field: "environment.MINIO_ROOT_PASSWORD", Old: `"${MINIO_ROOT_PASSWORD}"`, New: `"${MINIO_ROOT_PASSWORD_2}"`},
			{Field: "image", Old: `"cp-kafka:7.6.0"`, New: `"cp-kafka:7.7.0"`},
		}},
		{Target: "compose", File: f, ID: "service redis", Status: Removed},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestPrometheus(t *testing.T) {
	old := `global: {scrape_interval: 15s}
scrape_configs:
- job_name: kafka
  static_configs: [{targets: ["kafka:9308"]}]
- job_name: flink
  metrics_path: /metrics
`
	new := `global: {scrape_interval: 30s}
scrape_configs:
- job_name: flink
  metrics_path: /prom
- job_name: minio
  metrics_path: /minio/v2/metrics/cluster
`
	r := compare(t, files("prometheus/prod/prometheus.yml", old), files("prometheus/prod/prometheus.yml", new), Options{})
	f := "prometheus/prod/prometheus.yml"
	want := []Object{
		{Target: "prometheus", File: f, ID: "global", Status: Changed, Changes: []Change{{Field: "scrape_interval", Old: `"15s"`, New: `"30s"`}}},
		{Target: "prometheus", File: f, ID: "job flink", Status: Changed, Changes: []Change{{Field: "metrics_path", Old: `"/metrics"`, New: `"/prom"`}}},
		{Target: "prometheus", File: f, ID: "job kafka", Status: Removed},
		{Target: "prometheus", File: f, ID: "job minio", Status: Added},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestTFVars(t *testing.T) {
	old := `environment = "prod"
kafka_partitions = 12
buckets = {
  raw = { expiration_days = 90, acl = "private" }
}
db_password = "hunter2"
`
	new := `environment = "prod"
kafka_partitions = 16
buckets = {
  raw = { expiration_days = 30, acl = "private" }
}
db_password = "hunter3"
topics = ["trades"]
`
	r := compare(t, files("terraform/prod.tfvars", old), files("terraform/prod.tfvars", new), Options{})
	f := "terraform/prod.tfvars"
	want := []Object{
		{Target: "terraform", File: f, ID: "variable buckets", Status: Changed, Changes: []Change{{Field: "raw.expiration_days", Old: `90`, New: `30`}}},
		{Target: "terraform", File: f, ID: "variable db_password", Status: Changed, Changes: []Change{{Old: Redacted, New: Redacted}}},
		{Target: "terraform", File: f, ID: "variable kafka_partitions", Status: Changed, Changes: []Change{{Old: `12`, New: `16`}}},
		{Target: "terraform", File: f, ID: "variable topics", Status: Added},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestDotenv(t *testing.T) {
	old := "# generated\nLOG_LEVEL=DEBUG\nAPI_TOKEN=abc\nKAFKA=kafka:9092\n"
	new := "# generated\nLOG_LEVEL=INFO\nAPI_TOKEN='xyz'\nREDIS=redis:6379\n"
	r := compare(t, files("env/local/.env", old), files("env/local/.env", new), Options{})
	f := "env/local/.env"
	want := []Object{
		{Target: "env", File: f, ID: "variable API_TOKEN", Status: Changed, Changes: []Change{{Old: Redacted, New: Redacted}}},
		{Target: "env", File: f, ID: "variable KAFKA", Status: Removed},
		{Target: "env", File: f, ID: "variable LOG_LEVEL", Status: Changed, Changes: []Change{{Old: `"DEBUG"`, New: `"INFO"`}}},
		{Target: "env", File: f, ID: "variable REDIS", Status: Added},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestJSONAndText(t *testing.T) {
	// The shape of flags/<env>/flags.json (flags/testdata/prod.flags.json).
	old := files("flags/prod/flags.json", `{"enable_scd_type3": true, "trade_generator_symbols": "ALL"}`,
		"gitops/README", "one\ntwo\nthree\n")
	new := files("flags/prod/flags.json", `{"enable_scd_type3": false, "trade_generator_symbols": "ALL"}`,
		"gitops/README", "one\n2\nthree\n")
	r := compare(t, old, new, Options{})
	want := []Object{
		{Target: "flags", File: "flags/prod/flags.json", ID: "enable_scd_type3", Status: Changed, Changes: []Change{{Old: "true", New: "false"}}},
		{Target: "gitops", File: "gitops/README", ID: "file", Status: Changed, Changes: []Change{{Field: "line 2", Old: `"two"`, New: `"2"`}}},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestFilesAddedAndRemoved(t *testing.T) {
	r := compare(t, files("terraform/dev.tfvars", "a = 1\nb = 2\n"), files("terraform/prod.tfvars", "a = 1\n"), Options{})
	want := []Object{
		{Target: "terraform", File: "terraform/dev.tfvars", ID: "variable a", Status: Removed},
		{Target: "terraform", File: "terraform/dev.tfvars", ID: "variable b", Status: Removed},
		{Target: "terraform", File: "terraform/prod.tfvars", ID: "variable a", Status: Added},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestSame(t *testing.T) {
	f := files("kubernetes/x.yaml", deployOld, "env/.env.example", "A=1\n")
	r := compare(t, f, f, Options{})
	if !r.Empty() || r.Summary() != "0 added, 0 removed, 0 changed objects" {
		t.Errorf("same files give %+v", r)
	}
}

func TestEnvironments(t *testing.T) {
	staging := files(
		"kubernetes/overlays/staging/graphql-api.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: graphql-api, namespace: de-staging}\nspec: {replicas: 2}\n",
		"terraform/staging.tfvars", "partitions = 6\n",
		"kubernetes/base/kustomization.yaml", "resources: [a.yaml]\n",
		"gitops/argocd/staging.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: de-staging, namespace: argocd}\nspec: {path: kubernetes/overlays/staging}\n",
		"kubernetes/overlays/staging/namespace-de-staging.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: de-staging}\n",
	)
	prod := files(
		"gitops/argocd/prod.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: de-prod, namespace: argocd}\nspec: {path: kubernetes/overlays/prod}\n",
		"kubernetes/overlays/prod/namespace-de-prod.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: de-prod}\n",
		"kubernetes/overlays/prod/graphql-api.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: graphql-api, namespace: de-prod}\nspec: {replicas: 3}\n",
		"terraform/prod.tfvars", "partitions = 12\n",
		"kubernetes/base/kustomization.yaml", "resources: [a.yaml]\n",
	)
	r := compare(t, staging, prod, Options{PathKey: EnvPathKey("prod", "staging"), IDKey: EnvIDKey("prod", "staging"), IgnoreNamespace: true})
	want := []Object{
		{Target: "gitops", File: "gitops/argocd/prod.yaml", ID: "argoproj.io/v1alpha1 Application de-prod", Status: Changed, Changes: []Change{
			{Field: "metadata.name", Old: `"de-staging"`, New: `"de-prod"`},
			{Field: "spec.path", Old: `"kubernetes/overlays/staging"`, New: `"kubernetes/overlays/prod"`},
		}},
		{Target: "kubernetes", File: "kubernetes/overlays/prod/graphql-api.yaml", ID: "apps/v1 Deployment graphql-api", Status: Changed, Changes: []Change{
			{Field: "metadata.namespace", Old: `"de-staging"`, New: `"de-prod"`},
			{Field: "spec.replicas", Old: "2", New: "3"},
		}},
		{Target: "kubernetes", File: "kubernetes/overlays/prod/namespace-de-prod.yaml", ID: "v1 Namespace de-prod", Status: Changed, Changes: []Change{
			{Field: "metadata.name", Old: `"de-staging"`, New: `"de-prod"`},
		}},
		{Target: "terraform", File: "terraform/prod.tfvars", ID: "variable partitions", Status: Changed, Changes: []Change{{Old: "6", New: "12"}}},
	}
	if diff := cmp.Diff(want, r.Objects, noContent); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}

func TestEnvKeys(t *testing.T) {
	key := EnvPathKey("prod", "staging")
	for in, want := range map[string]string{
		"kubernetes/overlays/prod/x.yaml":     "kubernetes/overlays/{env}/x.yaml",
		"terraform/staging.tfvars":            "terraform/{env}.tfvars",
		"env/.env.prod":                       "env/.env.{env}",
		"x/namespace-de-prod.yaml":            "x/namespace-de-{env}.yaml",
		"compose/production/product-api.yml":  "compose/production/product-api.yml",
		"flags/prod-staging/prod_staging.txt": "flags/{env}-{env}/{env}_{env}.txt",
	} {
		if got := key(in); got != want {
			t.Errorf("EnvPathKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseErrorsNameTheSide(t *testing.T) {
	_, err := Compare(files("kubernetes/x.yaml", "a: [\n"), files(), Options{OldName: "out/"})
	if err == nil || !strings.Contains(err.Error(), "parsing out/kubernetes/x.yaml") {
		t.Errorf("err = %v, want one naming out/kubernetes/x.yaml", err)
	}
	_, err = Compare(files(), files("terraform/x.tfvars", "a = \n"), Options{NewName: "the build"})
	if err == nil || !strings.Contains(err.Error(), "parsing the build: terraform/x.tfvars") {
		t.Errorf("err = %v, want one naming the build's terraform/x.tfvars", err)
	}
}

// TestRedactsWhatTheLeakCheckDenies: the diff hides a plain value under a
// secret-named key and a secret-looking value, never a committed value
// merely because its key looks secret-like: an OAUTH_TOKEN_URL pointed at
// another host, a reference and a secretKeyRef's name are shown.
func TestRedactsWhatTheLeakCheckDenies(t *testing.T) {
	old := files("env/.env", "OAUTH_TOKEN_URL=https://auth.example/token\nDB_PASSWORD=old-pass\nREF_PASSWORD=/run/secrets/old\n",
		"kubernetes/d.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - {name: API_TOKEN, value: old-token}\n    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-old, key: password}}}\n")
	new := files("env/.env", "OAUTH_TOKEN_URL=https://attacker.example/token\nDB_PASSWORD=new-pass\nREF_PASSWORD=/run/secrets/new\n",
		"kubernetes/d.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - {name: API_TOKEN, value: new-token}\n    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-new, key: password}}}\n")
	r := compare(t, old, new, Options{})
	got := map[string]Change{}
	for _, o := range r.Objects {
		for _, c := range o.Changes {
			got[o.ID+" "+c.Field] = c
		}
	}
	for id, want := range map[string][2]string{
		"variable OAUTH_TOKEN_URL ":                                  {`"https://auth.example/token"`, `"https://attacker.example/token"`},
		"variable DB_PASSWORD ":                                      {Redacted, Redacted},
		"variable REF_PASSWORD ":                                     {`"/run/secrets/old"`, `"/run/secrets/new"`},
		"v1 Pod p spec.containers[name=c].env[name=API_TOKEN].value": {Redacted, Redacted},
		"v1 Pod p spec.containers[name=c].env[name=DB_PASSWORD].valueFrom.secretKeyRef.name": {`"db-old"`, `"db-new"`},
	} {
		if c := got[id]; c.Old != want[0] || c.New != want[1] {
			t.Errorf("%s: %q → %q, want %q → %q (all: %v)", id, c.Old, c.New, want[0], want[1], got)
		}
	}
}

// TestSecretsNeverRendered proves no secret value reaches any format.
func TestSecretsNeverRendered(t *testing.T) {
	old := files("env/.env", "DB_PASSWORD=old-s3cret-value\n", "terraform/x.tfvars", "token = \"old-tok-value\"\n",
		"compose/c.yaml", "services: {a: {environment: {MINIO_SECRET_KEY: old-msk-value}}}\n")
	new := files("env/.env", "DB_PASSWORD=new-s3cret-value\n", "terraform/x.tfvars", "token = \"new-tok-value\"\n",
		"compose/c.yaml", "services: {a: {environment: {MINIO_SECRET_KEY: new-msk-value}}}\n")
	r := compare(t, old, new, Options{})
	if r.Changed != 3 {
		t.Fatalf("want 3 changed objects, got %+v", r)
	}
	var text, js bytes.Buffer
	if err := WriteText(&text, r, true); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "markdown": Markdown(r, MarkdownLimit)} {
		if strings.Contains(out, "-value") {
			t.Errorf("%s output shows a secret value:\n%s", name, out)
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("%s output does not say %s:\n%s", name, Redacted, out)
		}
	}
}

func TestText(t *testing.T) {
	r := compare(t, files("terraform/prod.tfvars", "a = 1\nb = 2\n"), files("terraform/prod.tfvars", "a = 3\nc = {x = 1}\n"), Options{})
	var b bytes.Buffer
	if err := WriteText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	want := `terraform
  terraform/prod.tfvars
    ~ variable a
        1 → 3
    - variable b
        2
    + variable c
        x: 1
1 added, 1 removed, 1 changed objects
rollout impact:
  variable   variable a: 1 → 3
  variable   variable b: removed: the variable's default applies
  variable   variable c: added
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	WriteText(&b, r, true)
	if !strings.Contains(b.String(), "\x1b[") {
		t.Errorf("coloured text has no ANSI escape:\n%q", b.String())
	}
}

func TestJSONFormat(t *testing.T) {
	r := compare(t, files("env/.env", "A=1\n"), files("env/.env", "A=2\n"), Options{})
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, &back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

func TestMarkdown(t *testing.T) {
	r := compare(t, files("terraform/prod.tfvars", "a = 1\n", "env/.env", "X=<b>\n"), files("terraform/prod.tfvars", "a = 2\n", "env/.env", "X=<i>\n"), Options{})
	md := Markdown(r, MarkdownLimit)
	want := "### degen diff\n\n**0 added, 0 removed, 2 changed objects** in env, terraform.\n\n" +
		"| environment | target | added | changed | removed |\n|---|---|--:|--:|--:|\n| — | env | 0 | 1 | 0 |\n| — | terraform | 0 | 1 | 0 |\n\n" +
		"<details><summary><b>env</b>: 0 added, 0 removed, 1 changed</summary>\n\n\n`env/.env`\n\n" +
		"- **changed** <code>variable X</code>\n  - <code>\"&lt;b&gt;\"</code> → <code>\"&lt;i&gt;\"</code>\n\n</details>\n\n" +
		"<details><summary><b>terraform</b>: 0 added, 0 removed, 1 changed</summary>\n\n\n`terraform/prod.tfvars`\n\n" +
		"- **changed** <code>variable a</code>\n  - <code>1</code> → <code>2</code>\n\n</details>\n\n" +
		"\n#### Rollout impact\n\n| impact | object | what happens |\n|---|---|---|\n| variable | <code>variable a</code> | 1 → 2 |\n"
	if md != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", md, want)
	}
	if strings.Contains(md, "truncated") {
		t.Error("small report says truncated")
	}
	if got := Markdown(&Report{}, MarkdownLimit); !strings.Contains(got, "No changes") {
		t.Errorf("empty report: %q", got)
	}
}

// TestMarkdownTruncated builds a diff far over GitHub's comment limit.
func TestMarkdownTruncated(t *testing.T) {
	old, new := map[string][]byte{}, map[string][]byte{}
	for i := 0; i < 400; i++ {
		var o, n strings.Builder
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&o, "var_%d = %q\n", j, strings.Repeat("o", 40))
			fmt.Fprintf(&n, "var_%d = %q\n", j, strings.Repeat("n", 40))
		}
		p := fmt.Sprintf("terraform/env%03d.tfvars", i)
		if i%2 == 0 {
			p = fmt.Sprintf("compose/env%03d.env", i)
			o.Reset()
			n.Reset()
			for j := 0; j < 20; j++ {
				fmt.Fprintf(&o, "VAR_%d=%s\n", j, strings.Repeat("o", 40))
				fmt.Fprintf(&n, "VAR_%d=%s\n", j, strings.Repeat("n", 40))
			}
		}
		old[p], new[p] = []byte(o.String()), []byte(n.String())
	}
	r := compare(t, old, new, Options{})
	if r.Changed != 8000 {
		t.Fatalf("want 8000 changed objects, got %d", r.Changed)
	}
	md := Markdown(r, MarkdownLimit)
	if n := len([]rune(md)); n > 65536 {
		t.Errorf("markdown is %d characters, over GitHub's 65,536", n)
	}
	if len(md) < MarkdownLimit-2000 {
		t.Errorf("markdown is only %d bytes: truncated too early", len(md))
	}
	if !strings.Contains(md, "**Output truncated**") || !strings.Contains(md, "more objects are not shown") {
		t.Errorf("no truncation note at the end:\n%s", md[len(md)-500:])
	}
	if !strings.HasPrefix(md, "### degen diff\n\n**0 added, 0 removed, 8000 changed objects**") {
		t.Errorf("summary is not first:\n%s", md[:200])
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Error("unbalanced <details> sections")
	}
}

func TestDeterministic(t *testing.T) {
	old := files("kubernetes/a.yaml", deployOld, "compose/c.yaml", "services: {a: {image: x}, b: {image: y}}\n")
	new := files("kubernetes/a.yaml", deployNew, "compose/c.yaml", "services: {a: {image: z}, c: {image: y}}\n")
	first := Markdown(compare(t, old, new, Options{}), MarkdownLimit)
	for i := 0; i < 20; i++ {
		if got := Markdown(compare(t, old, new, Options{}), MarkdownLimit); got != first {
			t.Fatalf("run %d differs:\n%s\nfirst:\n%s", i, got, first)
		}
	}
}

// noContent leaves the content of added and removed objects out of a
// comparison of the objects' identities and changes; TestContent checks it.
var noContent = cmpopts.IgnoreFields(Object{}, "Content")
