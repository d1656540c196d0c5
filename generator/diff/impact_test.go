package diff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// impactLines compares old and new (path → YAML or tfvars) and returns the
// impact as "kind object: why" lines.
func impactLines(t *testing.T, old, new map[string]string, opts Options) []string {
	t.Helper()
	files := func(m map[string]string) map[string][]byte {
		out := map[string][]byte{}
		for p, s := range m {
			out[p] = []byte(s)
		}
		return out
	}
	opts.Raw = true
	rep, err := Compare(files(old), files(new), opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range rep.Impact {
		out = append(out, string(i.Kind)+" "+i.Object+": "+i.Why)
	}
	return out
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: REPLICAS
  template:
    metadata:
      annotations:
        degen.dev/config-hash: HASH
    spec:
      containers:
      - name: api
        image: IMAGE
        env:
        - name: LOG_LEVEL
          value: LEVEL
`

func deploy(replicas, hash, image, level string) string {
	return strings.NewReplacer("REPLICAS", replicas, "HASH", hash, "IMAGE", image, "LEVEL", level).Replace(deployment)
}

const statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: db
        image: postgres:16.4
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      resources:
        requests:
          storage: SIZE
`

const claim = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: cache
spec:
  storageClassName: CLASS
  resources:
    requests:
      storage: SIZE
`

const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: TYPE
  ports:
  - name: http
    port: 80
`

const ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
  - hosts: [HOST]
  rules:
  - host: HOST
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {name: http}}}
`

const externalSecret = `apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db-password
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: vault}
  data:
  - secretKey: value
    remoteRef: {key: db/password}
EXTRA`

const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api-hpa
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: MIN
  maxReplicas: 8
`

func TestImpact(t *testing.T) {
	r := strings.NewReplacer
	for _, tc := range []struct {
		name     string
		old, new map[string]string
		want     []string
	}{{
		name: "image, config hash and env restart; replicas scale",
		old:  map[string]string{"kubernetes/d.yaml": deploy("2", "aaa", "api:1.0.0", "info")},
		new:  map[string]string{"kubernetes/d.yaml": deploy("3", "bbb", "api:1.1.0", "debug")},
		want: []string{
			"restart Deployment api: configuration (config hash); environment of api; image of api api:1.0.0 → api:1.1.0",
			"scale Deployment api: replicas 2 → 3",
		},
	}, {
		name: "replicas alone do not restart",
		old:  map[string]string{"kubernetes/d.yaml": deploy("2", "aaa", "api:1.0.0", "info")},
		new:  map[string]string{"kubernetes/d.yaml": deploy("4", "aaa", "api:1.0.0", "info")},
		want: []string{"scale Deployment api: replicas 2 → 4"},
	}, {
		name: "a workload added and one removed",
		old:  map[string]string{"kubernetes/d.yaml": deploy("1", "a", "api:1.0.0", "info")},
		new:  map[string]string{"kubernetes/s.yaml": r("SIZE", "1Gi").Replace(statefulSet)},
		want: []string{"start StatefulSet db: added: its pods are created", "stop Deployment api: removed: its pods are deleted"},
	}, {
		name: "an autoscaler takes over, and its range changes",
		old:  map[string]string{"kubernetes/h.yaml": r("MIN", "2").Replace(hpa)},
		new:  map[string]string{"kubernetes/h.yaml": r("MIN", "3").Replace(hpa)},
		want: []string{"scale HorizontalPodAutoscaler api-hpa: minReplicas 2 → 3"},
	}, {
		name: "claim templates mean recreate",
		old:  map[string]string{"kubernetes/s.yaml": r("SIZE", "1Gi").Replace(statefulSet)},
		new:  map[string]string{"kubernetes/s.yaml": r("SIZE", "2Gi").Replace(statefulSet)},
		want: []string{"recreate StatefulSet db: volumeClaimTemplates changed, which Kubernetes refuses to update: delete the StatefulSet with --cascade=orphan before the sync (pods and claims stay); existing claims keep their size"},
	}, {
		name: "a claim grows, shrinks, changes class, goes",
		old: map[string]string{
			"kubernetes/a.yaml": r("CLASS", "ssd", "SIZE", "1Gi").Replace(claim),
			"kubernetes/b.yaml": r("CLASS", "ssd", "SIZE", "2Gi").Replace(claim),
			"kubernetes/c.yaml": r("CLASS", "ssd", "SIZE", "1Gi").Replace(claim),
			"kubernetes/d.yaml": r("CLASS", "ssd", "SIZE", "1Gi").Replace(claim),
		},
		new: map[string]string{
			"kubernetes/a.yaml": r("CLASS", "ssd", "SIZE", "1536Mi").Replace(claim),
			"kubernetes/b.yaml": r("CLASS", "ssd", "SIZE", "1Gi").Replace(claim),
			"kubernetes/c.yaml": r("CLASS", "hdd", "SIZE", "1Gi").Replace(claim),
		},
		want: []string{
			"recreate PersistentVolumeClaim cache: shrunk 2Gi → 1Gi, which Kubernetes refuses: recreate the claim (its data is lost)",
			"recreate PersistentVolumeClaim cache: spec.storageClassName changed, which a bound claim cannot: delete and recreate the claim (its data is lost)",
			"volume PersistentVolumeClaim cache: resized 1Gi → 1536Mi: the StorageClass must allow volume expansion",
			"volume PersistentVolumeClaim cache: removed: its volume and data are deleted unless the volume's reclaim policy is Retain",
		},
	}, {
		name: "exposure: a Service type, an Ingress host",
		old: map[string]string{
			"kubernetes/s.yaml": r("TYPE", "ClusterIP").Replace(service),
			"kubernetes/i.yaml": r("HOST", "old.example.com").Replace(ingress),
		},
		new: map[string]string{
			"kubernetes/s.yaml": r("TYPE", "LoadBalancer").Replace(service),
			"kubernetes/i.yaml": r("HOST", "new.example.com").Replace(ingress),
		},
		want: []string{
			"exposure Ingress web: exposes new.example.com/; withdraws old.example.com/; TLS for new.example.com; no TLS for old.example.com",
			"exposure Service web: type ClusterIP → LoadBalancer",
		},
	}, {
		name: "a new ExternalSecret key must exist first; a removed one need not",
		old:  map[string]string{"kubernetes/e.yaml": r("EXTRA", "").Replace(externalSecret)},
		new:  map[string]string{"kubernetes/e.yaml": r("EXTRA", "  - secretKey: user\n    remoteRef: {key: db/password, property: user}\n").Replace(externalSecret)},
		want: []string{"secret-key ExternalSecret db-password: reads db/password#user: create it in the ClusterSecretStore vault before the sync"},
	}, {
		name: "Terraform variables and Compose services",
		old: map[string]string{
			"terraform/prod.tfvars":   "replicas = 2\nregion = \"eu\"\n",
			"compose/prod/local.yaml": "services:\n  api:\n    image: api:1.0.0\n    deploy: {replicas: 1}\n  web:\n    image: web:1\n    deploy: {replicas: 1}\n",
		},
		new: map[string]string{
			"terraform/prod.tfvars":   "replicas = 3\nregion = \"eu\"\nzone = \"b\"\n",
			"compose/prod/local.yaml": "services:\n  api:\n    image: api:1.1.0\n    deploy: {replicas: 1}\n  web:\n    image: web:1\n    deploy: {replicas: 2}\n",
		},
		want: []string{
			"scale service web: replicas 1 → 2",
			"recreate service api: docker compose up recreates its container: image api:1.0.0 → api:1.1.0",
			"variable variable replicas: 2 → 3",
			"variable variable zone: added",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, impactLines(t, tc.old, tc.new, Options{})); d != "" {
				t.Errorf("impact (-want +got):\n%s", d)
			}
		})
	}
}

// TestImpactAgainst: comparing two environments, an Ingress host that
// differs only by the environment's name is no exposure change, and a
// key both read is no new key.
func TestImpactAgainst(t *testing.T) {
	got := impactLines(t,
		map[string]string{"kubernetes/i.yaml": strings.ReplaceAll(ingress, "HOST", "staging.example.com")},
		map[string]string{"kubernetes/i.yaml": strings.ReplaceAll(ingress, "HOST", "prod.example.com")},
		Options{OldValueKey: Env{Name: "staging"}.ValueKey(), NewValueKey: Env{Name: "prod"}.ValueKey()})
	if len(got) != 0 {
		t.Errorf("impact = %q, want none", got)
	}
}

// TestImpactRendered: the text report ends with the impact per
// environment, Markdown with a table per environment, and JSON carries it
// as "impact".
func TestImpactRendered(t *testing.T) {
	rep, err := Compare(
		map[string][]byte{"kubernetes/d.yaml": []byte(deploy("2", "a", "api:1.0.0", "info"))},
		map[string][]byte{"kubernetes/d.yaml": []byte(deploy("3", "a", "api:1.0.0", "info"))},
		Options{Raw: true, Owners: func(string) []string { return []string{"prod"} }, Envs: []Env{{Name: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteText(&b, rep, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "0 added, 0 removed, 1 changed objects\nrollout impact on prod:\n  scale      Deployment api: replicas 2 → 3\n") {
		t.Errorf("text:\n%s", b.String())
	}
	md := Markdown(rep, MarkdownLimit)
	if !strings.HasSuffix(md, "#### Rollout impact\n\n**prod**\n\n| impact | object | what happens |\n|---|---|---|\n| scale | <code>Deployment api</code> | replicas 2 → 3 |\n") {
		t.Errorf("markdown:\n%s", md)
	}
	var j strings.Builder
	if err := WriteJSON(&j, rep); err != nil {
		t.Fatal(err)
	}
	var back struct{ Impact []Impact }
	if err := json.Unmarshal([]byte(j.String()), &back); err != nil {
		t.Fatal(err)
	}
	want := []Impact{{Kind: Scale, Target: "kubernetes", File: "kubernetes/d.yaml", Object: "Deployment api", Why: "replicas 2 → 3", Envs: []string{"prod"}}}
	if d := cmp.Diff(want, back.Impact); d != "" {
		t.Errorf("json impact (-want +got):\n%s", d)
	}
}
