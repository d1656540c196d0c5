package compose_test

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/targets/compose"
)

// parityLocal gives the tiny model's app every field Compose users write
// about a container, and a volume and a network named as Compose allows.
const parityLocal = `package envs

environments: local: {
	networks: "back_end.net": description: "Compose-style name"
	volumes: "app_data": size: "1Gi"
	services: app: {
		networks: ["de-net", "back_end.net"]
		build: {context: "./app", dockerfile: "Dockerfile.dev", args: {VERSION: "1.2", PRICE: "$5"}, target: "dev"}
		user:            "1000:1000"
		workingDir:      "/srv"
		entrypoint: ["/bin/sh", "-c"]
		command: ["exec app"]
		stopSignal:      "SIGINT"
		stopGracePeriod: "1m30s"
		init:            true
		stdinOpen:       true
		tty:             true
		tmpfs: ["/run", "/tmp:size=64m"]
		extraHosts: {"db.local": ["10.0.0.5"], "v6.local": ["::1"]}
		ulimits: {nofile: {soft: 20000, hard: 40000}, nproc: 65535}
		capAdd: ["NET_ADMIN"]
		capDrop: ["ALL"]
		readOnly:   true
		privileged: true
		labels: {"com.example.team": "data", "com.example.cost": "$$"}
		logging: {driver: "json-file", options: {"max-size": "10m"}}
		profiles: ["debug"]
		restart:        "on-failure"
		restartRetries: 3
		health: {type: "exec", form: "CMD", command: ["/bin/healthcheck"], startPeriod: "30s", startInterval: "2s"}
		mounts: [{target: "/app/node_modules", anonymous: true}, {target: "/data", volume: "app_data"}]
	}
	services: db: health: {type: "none"}
}
`

// TestComposeParity loads the Compose files of a model that says every
// Compose field degen carries with compose-go (the single file and the
// per-group set, profile enabled) and checks each field as docker compose
// sees it, against values written out by hand.
func TestComposeParity(t *testing.T) {
	m, res, out, vars := buildTiny(t, parityLocal)
	env := m.Envs["local"]
	for _, files := range [][]string{{compose.SingleFile}, composeFiles(res, env)} {
		p, err := loadProject(t, out, "local", files, vars)
		if err != nil {
			t.Fatalf("compose-go rejects %v: %v", files, err)
		}
		if p, err = p.WithProfiles([]string{"debug"}); err != nil {
			t.Fatal(err)
		}
		app, err := p.GetService("app")
		if err != nil {
			t.Fatalf("%v: %v (services %v, disabled %v)", files, err, p.ServiceNames(), p.DisabledServiceNames())
		}
		check := func(field string, want, got any) {
			t.Helper()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%v: app %s (-want +loaded):\n%s", files, field, diff)
			}
		}
		check("build", &types.BuildConfig{
			Context: filepath.Join(out, "app"), Dockerfile: "Dockerfile.dev", Target: "dev",
			Args: types.MappingWithEquals{"VERSION": ptr("1.2"), "PRICE": ptr("$5")},
		}, app.Build)
		check("user", "1000:1000", app.User)
		check("working_dir", "/srv", app.WorkingDir)
		check("entrypoint", types.ShellCommand{"/bin/sh", "-c"}, app.Entrypoint)
		check("command", types.ShellCommand{"exec app"}, app.Command)
		check("stop_signal", "SIGINT", app.StopSignal)
		check("stop_grace_period", ptr(types.Duration(90*time.Second)), app.StopGracePeriod)
		check("init", ptr(true), app.Init)
		check("stdin_open", true, app.StdinOpen)
		check("tty", true, app.Tty)
		check("tmpfs", types.StringList{"/run", "/tmp:size=64m"}, app.Tmpfs)
		check("extra_hosts", types.HostsList{"db.local": {"10.0.0.5"}, "v6.local": {"::1"}}, app.ExtraHosts)
		check("ulimits", map[string]*types.UlimitsConfig{"nofile": {Soft: 20000, Hard: 40000}, "nproc": {Single: 65535}}, app.Ulimits)
		check("cap_add", []string{"NET_ADMIN"}, app.CapAdd)
		check("cap_drop", []string{"ALL"}, app.CapDrop)
		check("read_only", true, app.ReadOnly)
		check("privileged", true, app.Privileged)
		check("labels", types.Labels{"com.example.team": "data", "com.example.cost": "$$"}, app.Labels)
		check("logging", &types.LoggingConfig{Driver: "json-file", Options: types.Options{"max-size": "10m"}}, app.Logging)
		check("profiles", []string{"debug"}, app.Profiles)
		check("restart", "on-failure:3", app.Restart)
		check("healthcheck test", types.HealthCheckTest{"CMD", "/bin/healthcheck"}, app.HealthCheck.Test)
		check("healthcheck start_period", ptr(types.Duration(30*time.Second)), app.HealthCheck.StartPeriod)
		check("healthcheck start_interval", ptr(types.Duration(2*time.Second)), app.HealthCheck.StartInterval)
		var vols []string
		for _, v := range app.Volumes {
			vols = append(vols, v.Type+" "+v.Source+" "+v.Target)
		}
		check("volumes", []string{"volume  /app/node_modules", "volume app_data /data"}, vols)
		check("top-level volume", "de-local_app_data", p.Volumes["app_data"].Name)
		check("top-level network", "de-local_back_end.net", p.Networks["back_end.net"].Name)
		check("networks", []string{"back_end.net", "de-net"}, slices.Sorted(maps.Keys(app.Networks)))
		db, err := p.GetService("db")
		if err != nil {
			t.Fatal(err)
		}
		check("db healthcheck", types.HealthCheckTest{"NONE"}, db.HealthCheck.Test)
	}
}

// TestProfilesHideTheService: without its profile, docker compose does not
// start a service with profiles.
func TestProfilesHideTheService(t *testing.T) {
	root := tinyModel(t, parityLocal)
	m, res, err := generator.Build(generator.Options{Dir: root, Targets: targets()})
	if err != nil {
		t.Fatal(load.Format(err, root))
	}
	out := writeOut(t, res)
	p, err := loadProject(t, out, "local", []string{compose.SingleFile}, composeEnv(t, out, m.Envs["local"]))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = p.WithProfiles(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetService("app"); err == nil {
		t.Errorf("app runs without its profile debug: services %v", p.ServiceNames())
	}
}

func ptr[T any](v T) *T { return &v }
