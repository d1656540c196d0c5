package policy_test

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/targets"
)

// literalCase is a value a service of the model gives, and whether it is a
// secret literal.
type literalCase struct {
	value  string
	secret bool
}

// literalCases are the kinds of secret literal both checks must catch, and
// the references and near misses neither may take for one.
var literalCases = []literalCase{
	{"password=hunter2hunter2", true},
	{"user=app;password=hunter2hunter2", true},
	{"host=db DB_PASSWORD=hunter2 port=5432", true},
	{"secret: hunter2hunter2", true},
	{`{"api_key": "abcd1234"}`, true},
	{"--api-key=abcd1234", true},
	{"${DB_PASSWORD:-hunter2}", true},
	{"postgres://app:s3cretpw@db:5432/x", true},
	{"amqp://guest:guest@rabbit:5672/", true},
	{"ghp_" + strings.Repeat("a1B2", 9), true},
	{"gho_" + strings.Repeat("Z9y8", 9), true},
	{"github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123", true},
	{"https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx", true},
	{"xoxb-1234567890-abcdefghij", true},
	{"Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", true},
	{"-----BEGIN RSA PRIVATE KEY-----", true},
	{"AKIAIOSFODNN7EXAMPLE", true},
	{"ASIAIOSFODNN7EXAMPLE", true},
	{"-Xmx1g -Djavax.net.ssl.keyStorePassword=changeit", true},
	{"-Dapp.auth.token=abc123", true},

	{"password=${DB_PASSWORD}", false},
	{"password=${DB_PASSWORD:?set DB_PASSWORD}", false},
	{"password=$(DB_PASSWORD)", false},
	{"password=$DB_PASSWORD", false},
	{"password=CHANGE_ME", false},
	{"password=", false},
	{"password=<redacted>", false},
	{"password=****", false},
	{"password_file=/run/secrets/db", false},
	{"password=/run/secrets/db", false},
	{"postgres://app:${DB_PASSWORD}@db:5432/x", false},
	{"postgres://app@db:5432/x", false},
	{"-Djavax.net.ssl.keyStorePassword=${KEYSTORE_PASSWORD}", false},
	{"-Djavax.net.ssl.keyStorePasswordFile=/run/secrets/ks", false},
	{"https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}", false},
	{"ghp_short", false},
	{"AKIA1234", false},
	{"token_url=https://auth/token", false},
	{"MinIO root password. Secret: never in tfvars", false},
	{"password=minio-root-password", false}, // the name of a model secret
}

// literalModel writes literalCases as env vars ZZLIT_<i> of grafana in
// prod and in staging, where grafana acknowledges each in
// secretLiteralAllowed, into a copy of the default model.
func literalModel(t *testing.T) string {
	t.Helper()
	var env, ack strings.Builder
	for i, c := range literalCases {
		fmt.Fprintf(&env, "\tZZLIT_%02d: value: %s\n", i, strconv.Quote(c.value))
		fmt.Fprintf(&ack, "\tZZLIT_%02d: \"a public test fixture\"\n", i)
	}
	return copyModel(t, map[string]string{"envs/zz_literals.cue": "package envs\n\n" +
		"environments: [\"prod\" | \"staging\"]: services: grafana: env: {\n" + env.String() + "}\n" +
		"environments: staging: services: grafana: secretLiteralAllowed: {\n" + ack.String() + "}\n"})
}

// TestPolicyAndLeakCheckAgree puts every literal kind into the model and
// requires the same verdict from no-secret-literals (on the model) and the
// leak check (on the files the real targets generate from it): a value is
// caught by both or by neither, and where it is acknowledged (staging) by
// neither.
func TestPolicyAndLeakCheckAgree(t *testing.T) {
	dir := literalModel(t)
	m, res, byPolicy := grafanaEnvDenied(t, dir, "prod", "staging")
	byLeak := map[string]bool{}
	name := regexp.MustCompile(`ZZLIT_\d\d`)
	for _, v := range policy.NewScanner(m, getenv(nil)).Scan(res.Files, res.Owners) {
		// A patch of an overlay gives the name a line before the value.
		file, line, prev := leakLine(t, res.Files, v.Position)
		n := name.FindString(line)
		if n == "" {
			n = name.FindString(prev)
		}
		if n == "" {
			t.Errorf("%s: a leak outside the test's values: %s\n%s", file, v, line)
			continue
		}
		byLeak[v.Env+"/"+n] = true
		if strings.Contains(v.Message, "hunter2") || strings.Contains(v.Message, "s3cretpw") {
			t.Errorf("the message repeats the secret: %s", v.Message)
		}
	}
	for i, c := range literalCases {
		prod, staging := fmt.Sprintf("prod/ZZLIT_%02d", i), fmt.Sprintf("staging/ZZLIT_%02d", i)
		if byPolicy[prod] != c.secret || byLeak[prod] != c.secret {
			t.Errorf("%q: no-secret-literals says %v, the leak check %v; want %v", c.value, byPolicy[prod], byLeak[prod], c.secret)
		}
		if byPolicy[staging] || byLeak[staging] {
			t.Errorf("%q acknowledged in staging: no-secret-literals says %v, the leak check %v; want neither", c.value, byPolicy[staging], byLeak[staging])
		}
	}
}

// leakLine returns the file and the line a leak position (out/file:line:col)
// points at, and the line before it.
func leakLine(t *testing.T, files map[string][]byte, pos string) (file, line, prev string) {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(pos, "out/"), ":")
	if len(parts) != 3 {
		t.Fatalf("position %q is not out/file:line:col", pos)
	}
	n, _ := strconv.Atoi(parts[1])
	lines := strings.Split(string(files[parts[0]]), "\n")
	if n < 1 || n > len(lines) {
		t.Fatalf("position %q is past the end of the file", pos)
	}
	if n > 1 {
		prev = lines[n-2]
	}
	return parts[0], lines[n-1], prev
}

// TestSecretLiteralsInCommands checks commands, entrypoints and health
// commands, and the acknowledgement of each, on the default model.
func TestSecretLiteralsInCommands(t *testing.T) {
	dir := copyModel(t, map[string]string{"envs/zz_commands.cue": `package envs

environments: prod: services: {
	grafana: command: ["serve", "--db-password=$DB_PASSWORD", "--token=abc123xyz"]
	grafana: entrypoint: ["/run.sh", "postgres://app:s3cretpw@db:5432/x"]
	superset: command: ["serve", "--webhook=https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx"]
	superset: secretLiteralAllowed: command: "the webhook of the public demo channel"
	superset: secretLiteralAllowed: ZZ_NO_SUCH_VAR: "stale"
}
`})
	rep := runPolicies(t, dir, "prod")
	var got []string
	for _, v := range rep.Violations {
		if v.Rule == "no-secret-literals" {
			got = append(got, v.Path+" "+v.Message)
		}
	}
	sort.Strings(got)
	want := []string{
		`services.grafana.command[2] service grafana: command argument 2 passes a secret as a literal (--token is given a plain value)`,
		`services.grafana.entrypoint[1] service grafana: entrypoint argument 1 passes a secret as a literal (a password in a URL (user:password@))`,
		`services.superset.secretLiteralAllowed.ZZ_NO_SUCH_VAR service superset: secretLiteralAllowed names ZZ_NO_SUCH_VAR, which is no env var`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("violation %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

// TestSecretLiteralAllowedNeedsAReason: an acknowledgement without a reason
// is a model error at its line.
func TestSecretLiteralAllowedNeedsAReason(t *testing.T) {
	for _, reason := range []string{`""`, `"  "`, `true`} {
		dir := copyModel(t, map[string]string{"envs/zz_ack.cue": "package envs\n\nenvironments: prod: services: grafana: secretLiteralAllowed: GF_SERVER_ROOT_URL: " + reason + "\n"})
		_, err := load.Load(load.Options{Dir: dir, Envs: []string{"prod"}})
		if err == nil {
			t.Errorf("reason %s: the model loads", reason)
			continue
		}
		if msg := load.Format(err, dir); !strings.Contains(msg, "./envs/zz_ack.cue:3:") || !strings.Contains(msg, "secretLiteralAllowed") {
			t.Errorf("reason %s: the error does not name the acknowledgement:\n%s", reason, msg)
		}
	}
}

// TestScanAcknowledged: a literal acknowledged in one environment is no hit
// in that environment's files, and still one in another's.
func TestScanAcknowledged(t *testing.T) {
	s := &policy.Scanner{Allowed: map[string][]string{"dev": {"-Dtrust.password=changeit -Xmx1g"}}}
	files := map[string][]byte{"f": []byte("JAVA_OPTS: -Dtrust.password=changeit -Xmx1g\n")}
	v := s.Scan(files, map[string][]string{"f": {"dev", "prod"}})
	if len(v) != 1 || v[0].Env != "prod" {
		t.Errorf("got %v, want one denial, in prod", v)
	}
	// A known secret value is reported whatever the acknowledgements say.
	s.Known = []policy.KnownSecret{{Name: "trust", EnvVar: "TRUST_PASSWORD", Value: "changeit"}}
	v = s.Scan(files, map[string][]string{"f": {"dev"}})
	if len(v) != 1 || v[0].Rule != policy.RuleLeakValue {
		t.Errorf("got %v, want the known value reported", v)
	}
}

// TestSecretNameAgreesWithPolicy gives plain values to variables of many
// names and requires policy.SecretName to say of each what
// no-secret-literals says: the Go side (the import) and the policy classify
// names alike.
func TestSecretNameAgreesWithPolicy(t *testing.T) {
	names := []string{"STRIPE_KEY", "API_TOKEN", "DB_PASSWORD", "SMTP_PASSWD", "CLIENT_SECRET", "GITHUB_APIKEY", "KEY", "app.key", "api_key", "AWS_SECRET_ACCESS_KEY", "SECRET_ACCESS_KEY_ID",
		"AWS_ACCESS_KEY_ID", "MINIO_ACCESS_KEY", "TOKEN_URL", "KAFKA_KEY_SERIALIZER", "MONKEY", "PORT", "SECRET_NAME", "PASSWORD_FILE"}
	var env strings.Builder
	for _, n := range names {
		fmt.Fprintf(&env, "\t%q: value: \"plainvalue1\"\n", n)
	}
	dir := copyModel(t, map[string]string{"envs/zz_names.cue": "package envs\n\nenvironments: prod: services: grafana: env: {\n" + env.String() + "}\n"})
	_, _, denied := grafanaEnvDenied(t, dir, "prod")
	for _, n := range names {
		if got := policy.SecretName(n); got != denied["prod/"+n] {
			t.Errorf("SecretName(%q) = %v, no-secret-literals denies it: %v", n, got, denied["prod/"+n])
		}
		if got := policy.SecretLiteral(n, "plainvalue1") != ""; got != denied["prod/"+n] {
			t.Errorf("SecretLiteral(%q, plainvalue1) = %v, no-secret-literals denies it: %v", n, got, denied["prod/"+n])
		}
	}
}

// TestSecretLiteralAgreesWithPolicy: policy.SecretLiteral, the
// classification the import uses, says of every literal kind what
// no-secret-literals says of it (TestPolicyAndLeakCheckAgree: and the leak
// check), and of a secret name what it says of its value: a reference or an
// empty value is none.
func TestSecretLiteralAgreesWithPolicy(t *testing.T) {
	for _, c := range literalCases {
		if c.value == "password=minio-root-password" {
			continue // the name of a secret of the default model, which SecretLiteral does not know
		}
		if got := policy.SecretLiteral("ZZLIT", c.value) != ""; got != c.secret {
			t.Errorf("SecretLiteral(ZZLIT, %q) = %v, want %v", c.value, got, c.secret)
		}
	}
	for value, want := range map[string]bool{"": false, "${STRIPE_KEY}": false, "CHANGE_ME": false, "/run/secrets/stripe": false, "sk-test-abc": true} {
		if got := policy.SecretLiteral("STRIPE_KEY", value) != ""; got != want {
			t.Errorf("SecretLiteral(STRIPE_KEY, %q) = %v, want %v", value, got, want)
		}
	}
}

// grafanaEnvDenied builds the model in dir for envs with every target and
// runs the policies: the variables of grafana that no-secret-literals
// denies, as "env/NAME".
func grafanaEnvDenied(t *testing.T, dir string, envs ...string) (*model.Model, *generator.Result, map[string]bool) {
	t.Helper()
	m, res, err := generator.Build(generator.Options{Dir: dir, Envs: envs, Targets: targets.All()})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	rep, err := policy.Run(m, load.Policies{})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	denied := map[string]bool{}
	for _, v := range rep.Violations {
		if v.Rule == "no-secret-literals" {
			denied[v.Env+"/"+strings.Trim(strings.TrimSuffix(strings.TrimPrefix(v.Path, "services.grafana.env."), ".value"), `"`)] = true
		}
	}
	return m, res, denied
}
