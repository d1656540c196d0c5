package compose_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
)

// tinyStack is a two-service model that every bad-input case breaks with
// one environment file.
const tinyStack = `package envs

import "degen.dev/schema"

environments: [Name=string]: #Base & {name: Name}

#Base: schema.#Environment & {
	name:      _
	namespace: "de-\(name)"
	artefacts: *["compose", "env"] | _
	project: name: "tiny"
	monitoring: {scrapeInterval: "15s", evaluationInterval: "15s"}
	kubernetes: {
		secretStore: "vault"
		ingressHost: "de.local"
		quota: {cpu: "4", memory: "4Gi", pods: 10}
		limitRange: {defaultCPU: "500m", defaultMemory: "512Mi", defaultRequestCPU: "100m", defaultRequestMemory: "128Mi"}
	}
	compose: project: "de-\(name)"
	params: {}
	networks: "de-net": description: "the only network"
	volumes: data: size: "1Gi"
	flags: SHOUT: {description: "shout", envVar: "SHOUT", value: true}
	secrets: "db-password": {envVar: "DB_PASSWORD", key: "db/password", description: "database password"}
	services: {
		db: {
			group: "storage"
			image: "postgres:16-alpine"
			ports: [{name: "pg", containerPort: 5432, hostPort: 5432}]
			env: POSTGRES_PASSWORD: secret: "db-password"
			resources: {}
			mounts: [{volume: "data", target: "/var/lib/postgresql/data"}]
			networks: ["de-net"]
		}
		app: {
			group: "services"
			image: "app:1.0.0"
			ports: *[{name: "http", containerPort: 8000, hostPort: 8000}] | _
			env: {
				DB_PASSWORD: secret: "db-password"
				SHOUT: flag:         "SHOUT"
			}
			resources: {}
			mounts: *[] | _
			networks: *["de-net"] | _
			dependsOn: db: condition: "started"
		}
	}
}
`

// tinyModel writes a model with the repository's schema, tinyStack and the
// given local.cue, and returns its root.
func tinyModel(t *testing.T, local string) string {
	t.Helper()
	root := t.TempDir()
	for _, dir := range []string{"cue.mod"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "envs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"stack.cue": tinyStack, "local.cue": local} {
		if err := os.WriteFile(filepath.Join(root, "envs", name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func build(t *testing.T, local string) (string, string) {
	t.Helper()
	root := tinyModel(t, local)
	_, res, err := generator.Build(generator.Options{Dir: root, Targets: targets()})
	if err != nil {
		return load.Format(err, root), root
	}
	if len(res.Files) == 0 {
		t.Fatal("the tiny model generated nothing")
	}
	return "", root
}

// TestTinyModelBuilds guards the bad-input cases: without a fault, the tiny
// model generates a Compose set that compose-go loads.
func TestTinyModelBuilds(t *testing.T) {
	root := tinyModel(t, "package envs\n\nenvironments: local: {}\n")
	m, res, err := generator.Build(generator.Options{Dir: root, Targets: targets()})
	if err != nil {
		t.Fatal(load.Format(err, root))
	}
	out := writeOut(t, res)
	p, err := loadProject(t, out, "local", composeFiles(res, m.Envs["local"]), composeEnv(t, out, m.Envs["local"]))
	if err != nil {
		t.Fatalf("compose-go rejects the tiny model: %v", err)
	}
	compareProject(t, out, m.Envs["local"], p, composeEnv(t, out, m.Envs["local"]))
	// Neutral defaults: no container name the model did not give.
	for _, s := range p.Services {
		if s.ContainerName != "" {
			t.Errorf("service %s got container_name %q, which the model does not give", s.Name, s.ContainerName)
		}
	}
	if len(p.Services) == 0 {
		t.Fatal("the tiny model has no services")
	}
}

// TestTinyWarnings checks a warning that the default model does not trigger.
func TestTinyWarnings(t *testing.T) {
	root := tinyModel(t, "package envs\n\nenvironments: local: services: db: kind: \"job\"\n")
	_, res, err := generator.Build(generator.Options{Dir: root, Targets: targets()})
	if err != nil {
		t.Fatal(load.Format(err, root))
	}
	want := `warning: compose (local): services.db.restart: job with restart "unless-stopped" runs again after it completes in Compose: set restart to "no" or "on-failure" [compose/job-restarts/db]`
	if len(res.Warnings) != 1 || !strings.HasSuffix(res.Warnings[0].Diagnostic().Text(), want) {
		t.Errorf("warnings %v, want [%s]", res.Warnings, want)
	}
}

// TestBadInput checks that each fault is refused with the position of the
// value at fault and what to do.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name, local string
		want        []string
	}{{
		// Two services on one host port: policies/host_ports.cue
		// (cmd/degen/testdata/script/bad_hostport.txtar).
		name: "unknown network",
		local: `package envs

environments: local: services: app: networks: ["de-nett"]
`,
		want: []string{"./envs/local.cue:3:", `joins network "de-nett", which is not defined`},
	}, {
		name: "depends_on cycle",
		local: `package envs

environments: local: services: db: dependsOn: app: condition: "healthy"
`,
		want: []string{"./envs/local.cue:3:", "dependsOn cycle", "remove one dependency"},
	}, {
		name: "undefined flag",
		local: `package envs

environments: local: services: app: env: LOUD: flag: "LOUD"
`,
		want: []string{"./envs/local.cue:3:", `references flag "LOUD", which is not defined`},
	}, {
		name: "undefined secret",
		local: `package envs

environments: local: services: app: env: API_KEY: secret: "api-key"
`,
		want: []string{"./envs/local.cue:3:", `references secret "api-key", which is not defined`},
	}, {
		name: "unknown config mount",
		local: `package envs

environments: local: services: app: mounts: [{config: "app.yml", target: "/etc/app.yml"}]
`,
		want: []string{"./envs/local.cue:3:", `mounts config "app.yml", which degen does not generate`},
	}, {
		name: "replicas sharing a host port",
		local: `package envs

environments: local: services: app: replicas: 2
`,
		want: []string{"./envs/stack.cue:", `"app" runs 2 replicas but publishes host port 8000`, "drop hostPort or run one replica"},
	}, {
		name: "one variable, two meanings",
		local: `package envs

environments: local: services: app: env: PASS: {value: "x", variable: "DB_PASSWORD"}
`,
		want: []string{"./envs/local.cue:3:", "uses Compose variable DB_PASSWORD as a value", "give one of them another variable name"},
	}, {
		name: "compose without env",
		local: `package envs

environments: local: artefacts: ["compose"]
`,
		want: []string{"./envs/", `add "env" to artefacts`},
	}, {
		name:  "compose patch of no service",
		local: "package envs\n\nenvironments: local: compose: patches: ap: shm_size: \"1g\"\n",
		want:  []string{"./envs/local.cue:3:", `compose.patches names "ap", which is not a service`, "app, db"},
	}, {
		name:  "compose patch the specification refuses",
		local: "package envs\n\nenvironments: local: compose: patches: app: shm_size: {big: true}\n",
		want:  []string{"./envs/local.cue:3:", "the Compose specification refuses", "shm_size"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, _ := build(t, c.local)
			if msg == "" {
				t.Fatal("the model built")
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			if strings.HasPrefix(c.want[0], "./envs/local.cue:") && !strings.HasPrefix(msg, c.want[0]) {
				t.Errorf("the first line is not at %s:\n%s", c.want[0], msg)
			}
		})
	}
}
