package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	composeloader "github.com/compose-spec/compose-go/v2/loader"
	composetypes "github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/targets"
)

// webStack is the shape of issue 15 as a new user writes it: an nginx
// proxy whose nginx.conf is a file of the repository, an API that reads its
// database password from a file and its settings from a rendered TOML
// file, and PostgreSQL; local on Compose, prod on Kubernetes.
const webStack = `package envs

import "degen.dev/schema"

environments: [Name=string]: #Base & {name: Name}
environments: local: artefacts: ["compose", "env"]
environments: prod: artefacts: ["kubernetes"]
environments: prod: params: workers: 8

_small: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "500m", memory: "256Mi"}}

#Base: schema.#Environment & {
	name:      _
	namespace: "web-\(name)"
	project: name: "web"
	params: workers: *2 | int
	monitoring: {scrapeInterval: "15s", evaluationInterval: "15s"}
	kubernetes: {
		secretStore: "vault"
		ingressHost: "web.local"
		repoURL:     "https://example.com/web.git"
		quota: {cpu: "4", memory: "4Gi", pods: 10}
		limitRange: {defaultCPU: "500m", defaultMemory: "512Mi", defaultRequestCPU: "100m", defaultRequestMemory: "128Mi"}
	}
	compose: project: "web-\(name)"
	networks: web: description: "the only network"
	volumes: pg: size: "1Gi"
	secrets: "db-password": {envVar: "DB_PASSWORD", key: "web/db-password", description: "database password"}
	services: {
		proxy: {
			image: "nginx:1.25.3"
			ports: [{name: "http", containerPort: 80, hostPort: 8080}]
			env: {}
			resources: _small
			mounts: [
				{config: "nginx.conf", file: "conf/nginx.conf", target: "/etc/nginx/nginx.conf"},
				{config: "motd.txt", content: "welcome\n", target: "/etc/motd"},
			]
			networks: ["web"]
		}
		api: {
			image: "web/api:1.0.0"
			ports: [{name: "http", containerPort: 8000}]
			env: DB_PASSWORD_FILE: value: "/run/secrets/db-password"
			resources: _small
			mounts: [
				{secret: "db-password", target: "/run/secrets/db-password"},
				{config: "motd.txt", content: "welcome\n", target: "/etc/motd"},
				{config: "api.toml", target: "/etc/api/api.toml", render: {encoding: "toml", value: {
					server: {port: 8000, workers: params.workers}
					database: {host: "db", name: "web", user: "web"}
				}}},
			]
			networks: ["web"]
			dependsOn: db: condition: "started"
		}
		db: {
			image: "postgres:16.1"
			kind:  "statefulset"
			ports: [{name: "pg", containerPort: 5432}]
			env: {
				POSTGRES_PASSWORD_FILE: value: "/run/secrets/db-password"
				POSTGRES_USER: value:          "web"
			}
			resources: _small
			mounts: [
				{volume: "pg", target: "/var/lib/postgresql/data"},
				{secret: "db-password", target: "/run/secrets/db-password"},
			]
			networks: ["web"]
		}
	}
}
`

const nginxConf = "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      proxy_set_header Host $host;\n      proxy_pass http://api:8000;\n    }\n  }\n}\n"

// webModel writes webStack with the repository's schema and nginx.conf
// (content) under conf/, and returns its root.
func webModel(t *testing.T, conf string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"cue.mod"} {
		if err := os.CopyFS(filepath.Join(root, d), os.DirFS(filepath.Join("..", d))); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{"envs/stack.cue": webStack, "conf/nginx.conf": conf} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func buildWeb(t *testing.T, conf string) map[string][]byte {
	t.Helper()
	root := webModel(t, conf)
	_, res, err := generator.Build(generator.Options{Dir: root, Targets: targets.All(), Policies: true})
	if err != nil {
		t.Fatal(load.Format(err, root))
	}
	return res.Files
}

// TestConfigAndSecretFilesOnBothRuntimes builds webStack and hands the
// results to the real consumers: compose-go loads the Compose files (the
// proxy gets nginx.conf's bytes as an inline config, the API and the
// database their password from the file the developer's variable names),
// and kustomize builds prod's overlay, whose Deployments decode strictly
// into apps/v1 and mount the ConfigMap and the Secret at the same paths.
// A changed nginx.conf changes the proxy's pod template (its config hash),
// so the pods roll; the API's does not change.
func TestConfigAndSecretFilesOnBothRuntimes(t *testing.T) {
	files := buildWeb(t, nginxConf)
	out := t.TempDir()
	for p, data := range files {
		f := filepath.Join(out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Compose, through compose-go's loader with interpolation.
	secretFile := filepath.Join(t.TempDir(), "db-password")
	dir := filepath.Join(out, "compose", "local")
	details := composetypes.ConfigDetails{WorkingDir: dir, Environment: map[string]string{"DB_PASSWORD_FILE": secretFile}}
	for _, f := range []string{"base.yml", "default.yml"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		details.ConfigFiles = append(details.ConfigFiles, composetypes.ConfigFile{Filename: filepath.Join(dir, f), Content: data})
	}
	p, err := composeloader.LoadWithContext(context.Background(), details)
	if err != nil {
		t.Fatalf("compose-go rejects the Compose files: %v", err)
	}
	if got := p.Configs["nginx.conf"].Content; got != nginxConf {
		t.Errorf("Compose config nginx.conf = %q, want the repository file's bytes", got)
	}
	if got := p.Configs["api.toml"].Content; !strings.Contains(got, "workers = 2") || !strings.Contains(got, "[database]") {
		t.Errorf("Compose config api.toml = %q, want the rendered TOML with local's 2 workers", got)
	}
	if got := p.Secrets["db-password"].File; got != secretFile {
		t.Errorf("Compose secret db-password reads %q, want the file $DB_PASSWORD_FILE names", got)
	}
	wantMounts := map[string]string{"proxy": "config nginx.conf /etc/nginx/nginx.conf", "api": "secret db-password /run/secrets/db-password", "db": "secret db-password /run/secrets/db-password"}
	for svc, want := range wantMounts {
		s, err := p.GetService(svc)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range s.Configs {
			got = append(got, "config "+c.Source+" "+c.Target)
		}
		for _, c := range s.Secrets {
			got = append(got, "secret "+c.Source+" "+c.Target)
		}
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("Compose service %s mounts %v, want %s", svc, got, want)
		}
	}
	for path, data := range files {
		if strings.HasPrefix(path, "compose/") && strings.Contains(string(data), "conf/nginx.conf") {
			t.Errorf("%s names the repository file: it must embed it", path)
		}
	}

	// Kubernetes, through kustomize.
	objs := kustomize(t, out, "kubernetes/overlays/prod")
	cm := objs["ConfigMap/proxy-files"]
	if cm == nil {
		t.Fatalf("no ConfigMap proxy-files in the prod build (have %v)", keys(objs))
	}
	if got := cm["data"].(map[string]any)["nginx.conf"]; got != nginxConf {
		t.Errorf("ConfigMap proxy-files nginx.conf = %q, want the repository file's bytes", got)
	}
	if got := objs["ConfigMap/api-files"]["data"].(map[string]any)["api.toml"]; !strings.Contains(got.(string), "workers = 8") {
		t.Errorf("ConfigMap api-files api.toml = %q, want prod's 8 workers", got)
	}
	// A file two services mount is one shared ConfigMap, in neither
	// service's own.
	if got := objs["ConfigMap/motd-txt-file"]; got == nil || got["data"].(map[string]any)["motd.txt"] != "welcome\n" {
		t.Errorf("ConfigMap motd-txt-file = %v, want the shared file", got)
	}
	if _, in := cm["data"].(map[string]any)["motd.txt"]; in {
		t.Error("the shared motd.txt is also in proxy-files")
	}
	if objs["ExternalSecret/db-password"] == nil {
		t.Error("no ExternalSecret db-password for the secret file")
	}
	proxy := deployment(t, objs, "proxy")
	mountAt(t, proxy, "/etc/nginx/nginx.conf", "nginx.conf", func(v map[string]any) bool {
		return v["configMap"] != nil && v["configMap"].(map[string]any)["name"] == "proxy-files"
	})
	mountAt(t, proxy, "/etc/motd", "motd.txt", func(v map[string]any) bool { return v["configMap"].(map[string]any)["name"] == "motd-txt-file" })
	api := deployment(t, objs, "api")
	mountAt(t, api, "/etc/motd", "motd.txt", func(v map[string]any) bool { return v["configMap"].(map[string]any)["name"] == "motd-txt-file" })
	mountAt(t, api, "/run/secrets/db-password", "value", func(v map[string]any) bool {
		return v["secret"] != nil && v["secret"].(map[string]any)["secretName"] == "db-password"
	})

	hash := func(d *appsv1.Deployment) string { return d.Spec.Template.Annotations["degen.dev/config-hash"] }
	if hash(proxy) == "" {
		t.Fatal("the proxy's pod template has no config hash")
	}
	files2 := buildWeb(t, nginxConf+"# tuned\n")
	out2 := t.TempDir()
	for p, data := range files2 {
		f := filepath.Join(out2, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, data, 0o644)
	}
	objs2 := kustomize(t, out2, "kubernetes/overlays/prod")
	if hash(deployment(t, objs2, "proxy")) == hash(proxy) {
		t.Error("a changed nginx.conf leaves the proxy's pod template as it was: the pods would not roll")
	}
	if hash(deployment(t, objs2, "api")) != hash(api) {
		t.Error("a changed nginx.conf changes the API's pod template, which does not mount it")
	}
}

func kustomize(t *testing.T, out, dir string) map[string]map[string]any {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(out, dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	objs := map[string]map[string]any{}
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		objs[r.GetKind()+"/"+r.GetName()] = m
	}
	return objs
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// deployment decodes a built Deployment strictly into apps/v1.
func deployment(t *testing.T, objs map[string]map[string]any, name string) *appsv1.Deployment {
	t.Helper()
	data, err := yaml.Marshal(objs["Deployment/"+name])
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(data, &d); err != nil {
		t.Fatalf("Deployment %s does not decode strictly into apps/v1: %v", name, err)
	}
	return &d
}

// mountAt checks that the container mounts, at target, key subPath of a
// volume that is checks.
func mountAt(t *testing.T, d *appsv1.Deployment, target, subPath string, is func(map[string]any) bool) {
	t.Helper()
	c := d.Spec.Template.Spec.Containers[0]
	for _, m := range c.VolumeMounts {
		if m.MountPath != target {
			continue
		}
		if m.SubPath != subPath || !m.ReadOnly {
			t.Errorf("%s mounts %s with subPath %q readOnly %v, want %q read-only", d.Name, target, m.SubPath, m.ReadOnly, subPath)
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name != m.Name {
				continue
			}
			data, _ := yaml.Marshal(v)
			var vm map[string]any
			yaml.Unmarshal(data, &vm)
			if !is(vm) {
				t.Errorf("%s mounts %s from volume %s = %v", d.Name, target, v.Name, vm)
			}
			return
		}
		t.Errorf("%s mounts %s from volume %s, which the pod does not have", d.Name, target, m.Name)
		return
	}
	t.Errorf("%s mounts nothing at %s", d.Name, target)
}
