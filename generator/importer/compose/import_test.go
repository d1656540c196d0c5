package compose

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDeterministic imports one project twice: the same bytes and report.
func TestDeterministic(t *testing.T) {
	dir := filepath.Join("testdata", "corpus", "process")
	opts := Options{ProjectDir: dir, Into: dir}
	a, err := Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two imports differ:\n%s", diff)
	}
}

// TestReportBesideService: every finding of a service is a comment above
// it in the model, with its file and line.
func TestReportBesideService(t *testing.T) {
	dir := filepath.Join("testdata", "corpus", "networks")
	res, err := Import(context.Background(), Options{ProjectDir: dir, Into: dir})
	if err != nil {
		t.Fatal(err)
	}
	model := string(res.Files[StackFile])
	for _, f := range res.Findings {
		if !strings.Contains(model, "// "+f.comment()) {
			t.Errorf("finding %q is not a comment of the model", f.comment())
		}
	}
	want := "changed networks.front_end.aliases: alias api.internal is also one on network front_end: the model's aliases are the service's on every network it joins (docker-compose.yml:17)"
	i := strings.Index(model, want)
	j := strings.Index(model, "\t\tapi: {")
	if i < 0 || j < i {
		t.Errorf("the alias finding is not above service api:\n%s", model)
	}
}

// TestBadInput checks the errors that name a file and line.
func TestBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"duplicate key":                  {map[string]string{"compose.yaml": "services:\n  a:\n    image: x:1\n  a:\n    image: y:1\n"}, "compose.yaml:4:1: compose-go refuses the Compose files: "},
		"no compose file":                {map[string]string{"other.yml": "services: {}\n"}, "no Compose file: none of compose.yaml"},
		"build without context or image": {map[string]string{"compose.yaml": "services:\n  a:\n    command: [x]\n"}, `compose.yaml:2:3: compose-go refuses the Compose files: service "a" has neither an image nor a build context`},
		"no image reference":             {map[string]string{"compose.yaml": "services:\n  a:\n    image: Redis:7\n"}, `compose.yaml:3:5: service a: image "Redis:7" is no image reference`},
		"bad env name":                   {map[string]string{"compose.yaml": "name: x\nservices:\n  a:\n    image: redis:7\n"}, ""},
		"untaggable env name":            {map[string]string{"compose.yaml": "name: x\nservices:\n  a:\n    image: redis:7\n"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeAll(t, dir, tc.files)
			env := map[string]string{"bad env name": "Bad Env", "untaggable env name": "1prod"}[name]
			_, err := Import(context.Background(), Options{ProjectDir: dir, Into: dir, Env: env})
			want := tc.want
			switch name {
			case "bad env name":
				want = `--env "Bad Env" is not a DNS label`
			case "untaggable env name":
				want = `--env "1prod" starts with a digit: its file's build tag @if(1prod) would be no CUE identifier`
			}
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("err = %v, want it to start with %q", err, want)
			}
		})
	}
}

func writeAll(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestShellSecretsStayReferences imports values interpolated from the
// process environment: a secret's name, a key with a secret's name, or a
// value the leak check denies is never written nor in a message; outside
// environment it is refused at its line.
func TestShellSecretsStayReferences(t *testing.T) {
	canary := "ghp_" + strings.Repeat("Zq9", 12)
	environ := []string{"STRIPE_KEY=sk_live_canary1", "PLAIN=" + canary, "SEED=canary2", "PORT=8080"}
	for name, tc := range map[string]struct {
		compose, want, err string
	}{
		"secret name":           {"    environment:\n      STRIPE_KEY: ${STRIPE_KEY}\n", `STRIPE_KEY: secret: "stripe-key"`, ""},
		"secret key":            {"    environment:\n      SESSION_SECRET: ${SEED}\n", `SESSION_SECRET: secret: "seed"`, ""},
		"secret value":          {"    environment:\n      OTHER: ${PLAIN}\n", `OTHER: secret: "plain"`, ""},
		"passed through":        {"    environment:\n      - STRIPE_KEY\n", `STRIPE_KEY: secret: "stripe-key"`, ""},
		"plain":                 {"    environment:\n      PORT: ${PORT}\n", `value:    *"8080" | _`, ""},
		"in a health check":     {"    healthcheck:\n      test: [CMD-SHELL, \"curl -H 'Bearer ${STRIPE_KEY}' localhost\"]\n", `secrets: STRIPE_KEY: "stripe-key"`, ""},
		"in a CMD health check": {"    healthcheck:\n      test: [CMD, curl, -H, \"Bearer ${STRIPE_KEY}\"]\n", `"Bearer ${STRIPE_KEY}"`, ""},
		"in a command":          {"    command: [run, \"${STRIPE_KEY}\"]\n", "", "compose.yaml:4:5: service a: command interpolates ${STRIPE_KEY}, whose name says it is a secret"},
		"value in a label":      {"    labels:\n      note: \"${PLAIN}\"\n", "", "compose.yaml:5:7: service a: labels.note interpolates ${PLAIN}, whose value looks like a secret"},
		"key of a label":        {"    labels:\n      api.token: \"${SEED}\"\n", "", "compose.yaml:5:7: service a: labels.api.token interpolates ${SEED} into api.token, whose name says it is a secret"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeAll(t, dir, map[string]string{"compose.yaml": "services:\n  a:\n    image: x/a:1\n" + tc.compose})
			res, err := Import(context.Background(), Options{ProjectDir: dir, Into: dir, Environ: environ})
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to start with %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "canary") || strings.Contains(err.Error(), canary) {
					t.Errorf("the error repeats the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, data := range res.Files {
				all.Write(data)
			}
			for _, f := range res.Findings {
				all.WriteString(f.Diagnostic().Text() + "\n")
			}
			if strings.Contains(all.String(), "canary") || strings.Contains(all.String(), canary) {
				t.Errorf("a secret is written or reported:\n%s", all.String())
			}
			if !strings.Contains(string(res.Files[StackFile]), tc.want) {
				t.Errorf("want %q in\n%s", tc.want, res.Files[StackFile])
			}
		})
	}
}

// TestComposeErrorsHideSecrets makes compose-go refuse a secret's value
// and checks the error names the variable, not the value.
func TestComposeErrorsHideSecrets(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir, map[string]string{"compose.yaml": "services:\n  a:\n    image: x/a:1\n    ports: [\"${API_TOKEN}\"]\n"})
	_, err := Import(context.Background(), Options{ProjectDir: dir, Into: dir, Environ: []string{"API_TOKEN=canary0token"}})
	if err == nil || strings.Contains(err.Error(), "canary") || !strings.Contains(err.Error(), "${API_TOKEN}") {
		t.Errorf("err = %v, want it to name ${API_TOKEN} and not its value", err)
	}
}

// importCorpus imports testdata/corpus/NAME with HOME set elsewhere, and
// returns envs/stack.cue and the report, one finding a line.
func importCorpus(t *testing.T, name string) (stack, report string) {
	t.Helper()
	t.Setenv("HOME", "/home/importer")
	dir := filepath.Join("testdata", "corpus", name)
	res, err := Import(context.Background(), Options{ProjectDir: dir, Into: dir})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range res.Findings {
		b.WriteString(f.Diagnostic().Text() + "\n")
	}
	return string(res.Files[StackFile]), b.String()
}

// wantIn fails for each of want that text lacks.
func wantIn(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// TestImportsWhatComposeRuns: unpinned and locally built images are
// imported as written and reported; the images-pinned policy judges them.
func TestImportsWhatComposeRuns(t *testing.T) {
	stack, report := importCorpus(t, "unpinned")
	// cue/format aligns the values of image and imageUnpinnedAllowed.
	for _, img := range []string{"redis", "nginx:latest", "example/worker", "unpinned-app" /* the name docker compose tags the build with */} {
		re := regexp.MustCompile(`image: +\*"` + regexp.QuoteMeta(img) + `" \| _\n\s+imageUnpinnedAllowed: +"the Compose file runs it unpinned \(`)
		if !re.MatchString(stack) {
			t.Errorf("the model lacks image %s accepted in imageUnpinnedAllowed:\n%s", img, stack)
		}
	}
	wantIn(t, "the report", report,
		"services.cache.image: unpinned: image redis is not pinned (pulled as the registry's latest)",
		"services.proxy.image: unpinned: image nginx:latest is not pinned",
		"services.app.image: unpinned: image unpinned-app is not pinned (a locally built image)",
		"services.worker.image: unpinned: image example/worker is not pinned (a locally built image)",
		"(policy images-pinned)")
}

// TestVariablesAsComposeMeansThem: an empty variable stays empty, a bare
// pass-through stays optional, an unset ${X} is empty rather than required,
// a *_KEY literal is a secret as no-secret-literals says, and a variable
// that one service reads as a secret is the same secret for the other.
func TestVariablesAsComposeMeansThem(t *testing.T) {
	stack, report := importCorpus(t, "variables")
	wantIn(t, "the model", stack,
		"EMPTY_VAL: {\n\t\t\t\t\tvalue:    *\"\" | _\n\t\t\t\t\tvariable: \"EMPTY\"",
		`PASSTHRU: variable: "PASSTHRU"`,
		"UNSET_PLAIN: {\n\t\t\t\t\tvalue:    *\"\" | _\n\t\t\t\t\tvariable: \"NOT_SET\"",
		`STRIPE_KEY: secret: "stripe-key"`,
		`DB_PASSWORD: secret: "db-pass"`,
		`DB_PASS: secret: "db-pass"`,
		"MAILNAME: {\n\t\t\t\t\tvalue:    *\"\" | _\n\t\t\t\t\tvariable: \"SUBPATH\"")
	if strings.Contains(stack, "s3cret") || strings.Contains(stack, "sk-test") {
		t.Errorf("a secret's value is in the model:\n%s", stack)
	}
	wantIn(t, "the report", report,
		"services.api.environment.PASSTHRU: unset: variable PASSTHRU is set nowhere: passed through as Compose does",
		"services.api.environment.UNSET_PLAIN: unset: variable NOT_SET is unset: interpolated as empty",
		// The other reader is named whole.
		"services.worker.environment.DB_PASS: secret: ${DB_PASS} is read as a secret by api (environment.DB_PASSWORD): this entry is the same reference (model secret db-pass)")
	if strings.Contains(report, "PASSTHRU is unset: kept as the reference") {
		t.Errorf("a pass-through became a required secret:\n%s", report)
	}
}

// TestHostPathsStayHostPaths: an absolute bind source stays absolute and
// ~ stays ~ (never the importer's HOME); a project path is relative to
// the model root.
func TestHostPathsStayHostPaths(t *testing.T) {
	stack, report := importCorpus(t, "hostpaths")
	wantIn(t, "the model", stack,
		"hostPath:    \"/var/run/docker.sock\"\n\t\t\t\tcomposeOnly: true",
		"hostPath:    \"~/.aws\"\n\t\t\t\tcomposeOnly: true",
		// The host access the Compose file grants is accepted, quoting it.
		`hostAccessAllowed: "/var/run/docker.sock": "the Compose file mounts the host's /var/run/docker.sock at /var/run/docker.sock"`,
		`hostAccessAllowed: "/etc/aws": "the Compose file mounts the host's /etc/aws at /aws"`,
		"hostPath:    \"~/cache\"",
		"hostPath:    \"data\"",
		"hostPath:    \"~/.app-cfg/web\"", // ${CONFIG}/web, CONFIG=~/.app-cfg
		`hostPath: "/etc/aws"`)
	if strings.Contains(stack, "/home/importer") || strings.Contains(stack, "../") {
		t.Errorf("a host path was expanded or made relative:\n%s", stack)
	}
	wantIn(t, "the report", report,
		"services.agent.volumes: host: bind source /var/run/docker.sock stays absolute",
		"services.agent.volumes: host: bind source ~/.aws stays ~/.aws",
		"services.agent.volumes: host: the Docker socket /var/run/docker.sock is mounted in Compose only (composeOnly): Kubernetes nodes run no Docker daemon")
}
