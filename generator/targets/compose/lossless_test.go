package compose_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// losslessLocal sets every field of the schema's Compose parity block
// (issue 24) on the tiny model.
const losslessLocal = `package envs

environments: local: {
	networks: "de-net": {internal: true, driverOpts: "com.docker.network.bridge.name": "de0"}
	networks: legacy: {description: "", external: true, dockerName: "legacy_net"}
	volumes: data: dockerName: "tiny_pgdata"
	volumes: scratch: {size: "1Gi", driverOpts: {type: "tmpfs", device: "tmpfs"}}
	volumes: old: {size: "1Gi", external: true}
	secrets: "db-password": composeSource: "environment"
	services: app: {
		containerName: "tiny_app"
		ports: [{name: "http", containerPort: 8000, hostPort: 8000, hostIP: "127.0.0.1"}]
		env: "CONNECT-DEFAULT_CLUSTER": value: "main"
		mounts: [
			{hostPath: "./conf", target: "/etc/app", selinux: "z", composeOnly: true},
			{volume: "scratch", target: "/scratch"},
			{volume: "old", target: "/old"},
			{secret: "db-password", target: "/run/secrets/db"},
		]
		networks: ["de-net", "legacy"]
		aliases: ["app.tiny.test", "app_old"]
		dependsOn: db: {condition: "started", restart: true, required: false}
		shmSize: "256Mi"
		securityOpt: ["no-new-privileges:true", "label:disable"]
		sysctls: "net.core.somaxconn": "1024"
		pidsLimit:  200
		platform:   "linux/amd64"
		pullPolicy: "always"
	}
}
`

// TestLosslessFields builds the tiny model with every Compose parity field:
// the whole-stack file is pinned by a golden file (go test -update), and
// compose-go loads each field back as the model says it.
func TestLosslessFields(t *testing.T) {
	m, res, out, vars := buildTiny(t, losslessLocal)
	env := m.Envs["local"]
	golden := filepath.Join("testdata", "golden-lossless", "compose.yaml")
	got := res.Files["compose/local/compose.yaml"]
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("compose.yaml differs from %s (-golden +generated):\n%s", golden, diff)
	}
	vars["DB_PASSWORD"] = "from-the-shell"
	for _, files := range [][]string{composeFiles(res, env), {"compose.yaml"}} {
		p, err := loadProject(t, out, "local", files, vars)
		if err != nil {
			t.Fatalf("compose-go rejects %v: %v", files, err)
		}
		app, err := p.GetService("app")
		if err != nil {
			t.Fatal(err)
		}
		if len(app.Ports) != 1 || app.Ports[0].HostIP != "127.0.0.1" {
			t.Errorf("%v: ports = %+v, want host_ip 127.0.0.1", files, app.Ports)
		}
		if app.ContainerName != "tiny_app" {
			t.Errorf("%v: container_name = %q", files, app.ContainerName)
		}
		if v := app.Environment["CONNECT-DEFAULT_CLUSTER"]; v == nil || *v != "main" {
			t.Errorf("%v: environment CONNECT-DEFAULT_CLUSTER = %v", files, v)
		}
		if app.ShmSize != 256<<20 || app.PidsLimit != 200 || app.Platform != "linux/amd64" || app.PullPolicy != "always" {
			t.Errorf("%v: shm_size %d, pids_limit %d, platform %q, pull_policy %q", files, app.ShmSize, app.PidsLimit, app.Platform, app.PullPolicy)
		}
		if !slices.Equal(app.SecurityOpt, []string{"no-new-privileges:true", "label:disable"}) || app.Sysctls["net.core.somaxconn"] != "1024" {
			t.Errorf("%v: security_opt %v, sysctls %v", files, app.SecurityOpt, app.Sysctls)
		}
		for _, v := range app.Volumes {
			if v.Target == "/etc/app" && (v.Bind == nil || v.Bind.SELinux != "z") {
				t.Errorf("%v: bind of /etc/app = %+v, want selinux z", files, v.Bind)
			}
		}
		for _, n := range []string{"de-net", "legacy"} {
			if cfg := app.Networks[n]; cfg == nil || !slices.Equal(cfg.Aliases, []string{"app.tiny.test", "app_old"}) {
				t.Errorf("%v: network %s of app = %+v, want the aliases", files, n, cfg)
			}
		}
		if d := app.DependsOn["db"]; !d.Restart || d.Required {
			t.Errorf("%v: depends_on db = %+v, want restart and not required", files, d)
		}
		if n := p.Networks["de-net"]; !n.Internal || n.DriverOpts["com.docker.network.bridge.name"] != "de0" {
			t.Errorf("%v: network de-net = %+v", files, n)
		}
		if n := p.Networks["legacy"]; !n.External || n.Name != "legacy_net" {
			t.Errorf("%v: network legacy = %+v, want external legacy_net", files, n)
		}
		if v := p.Volumes["data"]; v.Name != "tiny_pgdata" {
			t.Errorf("%v: volume data name = %q, want tiny_pgdata", files, v.Name)
		}
		if v := p.Volumes["scratch"]; v.DriverOpts["type"] != "tmpfs" {
			t.Errorf("%v: volume scratch = %+v, want driver_opts type tmpfs", files, v)
		}
		if v := p.Volumes["old"]; !v.External || v.Name != "old" {
			t.Errorf("%v: volume old = %+v, want external old", files, v)
		}
		if s := p.Secrets["db-password"]; s.Environment != "DB_PASSWORD" {
			t.Errorf("%v: secret db-password = %+v, want environment DB_PASSWORD", files, s)
		}
	}
}

// TestPatchOfDisabledService: an environment that disables a service
// (enabled: false) drops its compose patch with it, so an imported
// model's patches in #Base do not break an environment without the
// service; a patch naming no service at all is still an error
// (badinput_test.go).
func TestPatchOfDisabledService(t *testing.T) {
	m, _, _, _ := buildTiny(t, `package envs

environments: local: {
	compose: patches: app: dns: ["1.1.1.1"]
	services: app: enabled: false
}
`)
	env := m.Envs["local"]
	if _, ok := env.Services["app"]; ok {
		t.Fatal("app is still a service of local")
	}
	if _, ok := env.Compose.Patches["app"]; ok {
		t.Error("the patch of the disabled app is still there")
	}
}
