package kubernetes

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/degen-dev/degen/generator/internal/synth"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/target"
)

// tempModel copies the default model (cue.mod, schema, envs) into a
// temporary directory and adds files to it (paths relative to the root).
func tempModel(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"cue.mod", "envs", "infra"} {
		copyTree(t, filepath.Join(repoRoot, sub), filepath.Join(dir, sub))
	}
	for p, content := range extra {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyTree copies the directory src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := synth.CopyDir(src, dst); err != nil {
		t.Fatal(err)
	}
}

// TestBadInput expects each bad model to fail with a message that names
// the CUE position of the value at fault and says what to do, whether the
// loader's validation or the target itself catches it.
func TestBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		cue  string
		want string
		// at is the file the error must point into (zz_bad.cue if empty).
		at string
	}{
		"probe on a port not exposed": {
			cue: `environments: prod: services: "probe-test": {
	group: "services"
	image: "de-project/probe-test:1.0.0"
	ports: [{name: "http", containerPort: 8080}]
	networks: ["de-serving"]
	resources: {}
	health: {type: "http", path: "/health", port: "admin"}
}`,
			want: `health uses port "admin", which the service does not expose`,
		},
		"hpa on a statefulset without a metric": {
			cue:  `environments: prod: services: zookeeper: autoscaling: {minReplicas: 1, maxReplicas: 2}`,
			want: `"zookeeper" autoscales without a metric`,
		},
		"quantity the API refuses": {
			cue:  `environments: prod: services: superset: resources: limits: memory: "1GB"`,
			want: `(prod): services.superset.resources.limits.memory`,
		},
		"ephemeral storage the API refuses": {
			cue:  `environments: prod: services: superset: resources: requests: ephemeralStorage: "1GB"`,
			want: `(prod): services.superset.resources.requests.ephemeralStorage`,
		},
		"priority class that is not a name": {
			cue:  `environments: prod: services: superset: priorityClassName: "Critical_Pods"`,
			want: `(prod): services.superset.priorityClassName`,
		},
		"relative host path": {
			cue: `environments: prod: services: "mount-test": {
	group: "services"
	image: "de-project/mount-test:1.0.0"
	ports: []
	networks: ["de-serving"]
	resources: {}
	mounts: [{hostPath: "./conf", target: "/conf"}]
}`,
			want: `mounts host path "./conf", which is relative`,
		},
		"operator without podSelector": {
			cue:  `environments: dev: monitoring: operator: monitorLabels: release: "kube-prometheus-stack"`,
			want: `monitoring.operator has no podSelector`,
			at:   "./envs/zz_bad.cue:3:",
		},
		"operator without monitorLabels": {
			cue:  `environments: dev: monitoring: operator: podSelector: "app.kubernetes.io/name": "prometheus"`,
			want: `monitoring.operator has no monitorLabels`,
			at:   "./envs/zz_bad.cue:3:",
		},
		"operator label that is not a label": {
			cue:  `environments: prod: monitoring: operator: monitorLabels: "release!": "kube-prometheus-stack"`,
			want: `monitoring.operator.monitorLabels: release!: "kube-prometheus-stack" is not a Kubernetes label`,
			at:   "./envs/zz_bad.cue:3:",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := tempModel(t, map[string]string{"envs/zz_bad.cue": "package envs\n\n" + tc.cue + "\n"})
			err := buildModel(dir, regexp.MustCompile(`environments: (\w+):`).FindStringSubmatch(tc.cue)[1])
			if err == nil {
				t.Fatal("the bad model built without error")
			}
			msg := load.Format(err, dir)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q:\n%s", tc.want, msg)
			}
			at := tc.at
			if at == "" {
				at = "./envs/zz_bad.cue:"
			}
			if !strings.Contains(msg, at) {
				t.Errorf("error does not name the position in %s\n%s", at, msg)
			}
		})
	}
}

// buildModel loads one environment of a model and generates the target
// for it, returning the first error.
func buildModel(dir, env string) error {
	m, err := load.Load(load.Options{Dir: dir, Envs: []string{env}})
	if err != nil {
		return err
	}
	for _, env := range kubeEnvs(m) {
		if _, err := (Target{}).Generate(target.Input{Env: m.Envs[env], Base: m.Base}); err != nil {
			return load.Locate(m, err) // as generator.Build does
		}
	}
	return nil
}

// TestHelmComponents renders the test chart, once from its directory in
// the base with values computed per environment, once from a .tgz in prod
// only, and checks that kustomize builds the overlays to the model's
// objects with the chart's objects in them.
func TestHelmComponents(t *testing.T) {
	t.Parallel()
	extra := map[string]string{"envs/zz_components.cue": `package envs

#Base: {
	name: _
	components: hello: {
		chart: "charts/hello"
		group: "services"
		values: message: "hello from \(name)"
	}
}

environments: prod: components: packaged: {
	chart: "charts/hello-0.1.0.tgz"
	group: "services"
	values: replicas: 2
}
`}
	src := filepath.Join("testdata", "charts", "hello")
	for _, f := range []string{"Chart.yaml", "values.yaml", "templates/_helpers.tpl", "templates/configmap.yaml", "templates/deployment.yaml", "templates/hook.yaml", "templates/NOTES.txt"} {
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		extra["charts/hello/"+f] = string(data)
	}
	dir := tempModel(t, extra)
	chrt, err := loader.Load(filepath.Join(dir, "charts", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chartutil.Save(chrt, filepath.Join(dir, "charts")); err != nil {
		t.Fatal(err)
	}
	m := loadModel(t, dir)
	for _, env := range kubeEnvs(m) {
		out := generate(t, m, env)
		got := krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/"+env)
		if diff := cmp.Diff(expected(t, m.Envs[env]), got); diff != "" {
			t.Errorf("%s: kustomize build differs from the model (-model +kustomize):\n%s", env, diff)
		}
		ns := m.Envs[env].Namespace
		cm, ok := got["v1/ConfigMap/hello-message@"+ns]
		if !ok {
			t.Fatalf("%s: the chart's ConfigMap is not in the build", env)
		}
		if msg := cm["data"].(map[string]any)["message"]; msg != "hello from "+env {
			t.Errorf("%s: chart value message = %v, want the environment's %q", env, msg, "hello from "+env)
		}
		if _, ok := got["batch/v1/Job/hello-hook@"+ns]; ok {
			t.Errorf("%s: the chart's hook was rendered into the overlay", env)
		}
		_, packaged := got["apps/v1/Deployment/packaged@"+ns]
		if packaged != (env == "prod") {
			t.Errorf("%s: packaged component present = %v, want it in prod only", env, packaged)
		}
		hooks := 0
		for _, w := range out.Warnings {
			if strings.Contains(w.Message, "hook") {
				hooks++
			}
		}
		if hooks == 0 {
			t.Errorf("%s: no warning for the left-out hook", env)
		}
	}
}

// TestHelmComponentErrors expects a missing chart to fail at the
// component's position.
func TestHelmComponentErrors(t *testing.T) {
	t.Parallel()
	dir := tempModel(t, map[string]string{"envs/zz_bad.cue": `package envs

environments: prod: components: missing: {chart: "charts/none", group: "services", values: {}}
`})
	err := buildModel(dir, "prod")
	if err == nil {
		t.Fatal("a missing chart built without error")
	}
	msg := load.Format(err, dir)
	if !strings.Contains(msg, "./envs/zz_bad.cue:") || !strings.Contains(msg, `component "missing"`) {
		t.Errorf("error does not name the component and its position:\n%s", msg)
	}
}
