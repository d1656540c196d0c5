package policy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
)

// dummySecret stands for a real secret set in the shell of the person
// running degen.
const dummySecret = "dummy-s3cr3t-Value"

// leakyTarget is a target gone wrong: it writes the value of a secret
// variable into a generated file, as an .env target reading the process
// environment could.
type leakyTarget struct{ lines []string }

var _ target.Target = leakyTarget{}

func (leakyTarget) Name() string { return "env" }

func (t leakyTarget) Generate(in target.Input) (target.Output, error) {
	return target.Output{Files: []target.File{{
		Path: "env/.env." + in.Env.Name,
		Data: []byte(strings.Join(t.lines, "\n") + "\n"),
	}}}, nil
}

func getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestBuildDeniesALeakedSecretValue(t *testing.T) {
	// The key says nothing of a secret: only the known value gives it away.
	const prefix = "MC_COMMAND=mc alias set local http://minio:9000 minio "
	tgt := leakyTarget{lines: []string{"MINIO_ROOT_USER=minio", prefix + dummySecret}}
	_, res, err := generator.Build(generator.Options{
		Dir: tinyModel(t, nil), Envs: []string{"local"}, Targets: []target.Target{tgt},
		Policies: true, Getenv: getenv(map[string]string{"MINIO_ROOT_PASSWORD": dummySecret}),
	})
	var denied *policy.DeniedError
	if !errors.As(err, &denied) {
		t.Fatalf("Build returned %v, want a *policy.DeniedError", err)
	}
	if res == nil || res.Policy != denied.Report {
		t.Error("a denied build must still return the generated files' report")
	}
	d := denied.Report.Denied()
	if len(d) != 1 {
		t.Fatalf("got %d denials, want 1: %v", len(d), d)
	}
	v := d[0]
	if v.Rule != policy.RuleLeakValue || v.Env != "local" || v.Position != fmt.Sprintf("out/env/.env.local:2:%d", len(prefix)+1) || v.Path != "out/env/.env.local" {
		t.Errorf("got %s (path %s)", v, v.Path)
	}
	if !strings.Contains(v.Message, "$MINIO_ROOT_PASSWORD") {
		t.Errorf("message does not name the variable: %s", v.Message)
	}
	if strings.Contains(err.Error(), dummySecret) || strings.Contains(v.Message, dummySecret) {
		t.Errorf("the report repeats the secret it found: %s", err)
	}
}

func TestBuildDeniesASecretLiteral(t *testing.T) {
	tgt := leakyTarget{lines: []string{"MINIO_ROOT_PASSWORD=" + dummySecret}}
	// The shell's value is too short to look for, but the line still gives
	// a secret-named variable a plain value.
	_, _, err := generator.Build(generator.Options{
		Dir: tinyModel(t, nil), Envs: []string{"local"}, Targets: []target.Target{tgt}, Policies: true,
		Getenv: getenv(map[string]string{"MINIO_ROOT_PASSWORD": "abc"}), // too short to look for
	})
	if err == nil {
		t.Fatal("a dotenv line PASSWORD=<plain value> must be caught as a literal")
	}
	var denied *policy.DeniedError
	if !errors.As(err, &denied) || denied.Report.Denied()[0].Rule != policy.RuleLeakLiteral {
		t.Fatalf("got %v, want a %s denial", err, policy.RuleLeakLiteral)
	}
}

func TestScanLiterals(t *testing.T) {
	m, _ := defaultRun(t)
	s := policy.NewScanner(m, getenv(nil))
	clean := []string{
		"MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD}",
		"MINIO_ROOT_PASSWORD=",
		"MINIO_ROOT_PASSWORD=   # set in your shell",
		"- name: MINIO_ROOT_PASSWORD",
		"  valueFrom:",
		"    secretKeyRef:",
		"      name: minio-root-password",
		"      key: password",
		"  secretKey: MINIO_ROOT_PASSWORD",
		"  secretKey: minio-root-password",
		"    secretKey: value",
		"    remoteRef: {key: minio/root-password}",
		"  secretStoreRef: {name: vault-prod, kind: SecretStore}",
		`minio_root_password = var.minio_root_password`,
		`password: "{{ .Values.password }}"`,
		`token: <set by CI>`,
		"AWS_ACCESS_KEY_ID=minio",
		"SUPERSET_SECRET_KEY: ${SUPERSET_SECRET_KEY}",
		// References and placeholders in a value, a URL, a command.
		"  JAVA_OPTS: password=${DB_PASSWORD}",
		"  JAVA_OPTS: password=${DB_PASSWORD:?set DB_PASSWORD}",
		"  JAVA_OPTS: 'password: ${DB_PASSWORD:?set it}'",
		"  - --password=$(DB_PASSWORD)",
		"  - --password=$DB_PASSWORD",
		"  - --token=CHANGE_ME",
		"  - --token=",
		`  - "--token="`,
		"  X: token=<redacted>",
		"  X: password=****",
		"  X: password_file=/run/secrets/db",
		"  X: password=/run/secrets/db",
		"  X: -Djavax.net.ssl.keyStorePassword=${KEYSTORE_PASSWORD}",
		"  X: -Djavax.net.ssl.keyStorePasswordFile=/run/secrets/ks",
		"  DSN: postgres://app:${DAGSTER_PG_PASSWORD}@db:5432/x",
		"  DSN: postgres://app:$(PW)@db:5432/x",
		"  DSN: postgres://app@db:5432/x",
		"  DSN: postgres://db:5432/x?sslmode=disable",
		"  DSN: https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}",
		"  X: ${DB_PASSWORD:-}",
		"  automountServiceAccountToken: false",
		// Prose: a description is no field.
		`  description = "MinIO root password. Secret: never in tfvars; set TF_VAR_minio_root_password"`,
		"# DAGSTER_PG_PASSWORD: Dagster PostgreSQL password (secret store key dagster/postgres-password)",
		// Near misses of the token formats.
		"  X: ghp_short",
		"  X: AKIA1234",
		"  X: eyJhbGciOiJIUzI1NiJ9",
		"  X: https://hooks.slack.com/services/",
		// Key names SecretName does not take: an access key id, a key that
		// is not the last word, a bare key of a map.
		"  MINIO_ACCESS_KEY: minio",
		"  AWS_ACCESS_KEY: minio",
		"  KAFKA_KEY_SERIALIZER: string",
		"      key: password-entry",
		"  STRIPE_KEY: ${STRIPE_KEY:?STRIPE_KEY must be set}",
		"N8N_ENCRYPTION_KEY=",
	}
	if v := s.Scan(map[string][]byte{"a.yaml": []byte(strings.Join(clean, "\n"))}, nil); len(v) > 0 {
		t.Errorf("references taken for leaks:\n%v", v)
	}
	leaks := map[string]string{
		"password: hunter22":                            "password is given a plain value",
		`  "api_key": "abcd1234",`:                      "api_key is given a plain value",
		"GF_SECURITY_ADMIN_PASSWORD=admin":              "GF_SECURITY_ADMIN_PASSWORD is given a plain value",
		"export GITHUB_TOKEN=ghp_x1":                    "GITHUB_TOKEN is given a plain value",
		"-----BEGIN RSA PRIVATE KEY-----":               "a private key block",
		"-----BEGIN PRIVATE KEY-----":                   "a private key block",
		"access = AKIAIOSFODNN7EXAMPLE":                 "an AWS access key id",
		"session: ASIAIOSFODNN7EXAMPLE":                 "an AWS access key id",
		"Db_PassWord: hunter22":                         "Db_PassWord is given a plain value",
		"githubToKen = ghp_x1":                          "githubToKen is given a plain value",
		`superset_secret_key = "thisISaSECRET_1234567"`: "superset_secret_key is given a plain value",
		// A name ending in _KEY or .KEY, as no-secret-literals and the
		// import classify it (policy.SecretName).
		"  N8N_ENCRYPTION_KEY: abcdef123456": "N8N_ENCRYPTION_KEY is given a plain value",
		"STRIPE_KEY=sk-test-abc123":          "STRIPE_KEY is given a plain value",
		"  app.key: base64value":             "app.key is given a plain value",
		// Pairs anywhere in a value, an argument or a config line.
		"  GF_PANELS_NOTE: password=hunter2hunter2":                     "password is given a plain value",
		"  JDBC_OPTS: user=app;password=hunter2hunter2":                 "password is given a plain value",
		"  CONNECT: host=db DB_PASSWORD=hunter2 port=5432":              "DB_PASSWORD is given a plain value",
		"  CONNECT: 'secret: hunter2hunter2'":                           "secret is given a plain value",
		`  CONNECT: '{"api_key": "abcd1234"}'`:                          "api_key is given a plain value",
		"  - --db-password=hunter22":                                    "--db-password is given a plain value",
		"  - --api-key=abcd1234":                                        "--api-key is given a plain value",
		"  - sh -c 'curl -H x http://x/?token=abc123xyz'":               "token is given a plain value",
		"  X: ${DB_PASSWORD:-hunter2}":                                  "DB_PASSWORD is given a plain value",
		"  JAVA_OPTS: -Xmx1g -Djavax.net.ssl.keyStorePassword=changeit": "the JVM flag -Djavax.net.ssl.keyStorePassword is given a plain value",
		"  - -Dapp.auth.token=abc123":                                   "the JVM flag -Dapp.auth.token is given a plain value",
		"  - -Dapp.client.secret=abc123":                                "the JVM flag -Dapp.client.secret is given a plain value",
		// Credentials in a URL.
		"  DSN: postgres://app:s3cretpw@db:5432/x":          "a password in a URL",
		"  - --broker=amqp://guest:guest@rabbit:5672/":      "a password in a URL",
		`  "url": "https://user:p%40ss@example.com/x"`:      "a password in a URL",
		"  REDIS_URL: redis://default:hunter2@redis:6379/0": "a password in a URL",
		// Provider token formats, whatever the key.
		"  NOTE: ghp_" + strings.Repeat("a1B2", 9):                                                                                    "a GitHub token",
		"  - --auth=gho_" + strings.Repeat("Z9y8", 9):                                                                                 "a GitHub token",
		"  NOTE: ghs_" + strings.Repeat("a1B2", 9):                                                                                    "a GitHub token",
		"  NOTE: github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123":                                                       "a GitHub token",
		"  HOOK: https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx":                                       "a Slack webhook URL",
		"  NOTE: xoxb-1234567890-abcdefghij":                                                                                          "a Slack token",
		"  AUTH: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c": "a JSON Web Token",
		"  KEY: |": "",
		"    -----BEGIN OPENSSH PRIVATE KEY-----":       "a private key block",
		`  KEY: "-----BEGIN EC PRIVATE KEY-----\nMHcC"`: "a private key block",
		"  NOTE: id AKIAIOSFODNN7EXAMPLE here":          "an AWS access key id",
	}
	delete(leaks, "  KEY: |")
	for line, want := range leaks {
		v := s.Scan(map[string][]byte{"f": []byte(line)}, map[string][]string{"f": {"dev", "prod"}})
		if len(v) != 2 || !strings.Contains(v[0].Message, want) || v[0].Env != "dev" || v[1].Env != "prod" || v[0].Severity != policy.Deny {
			t.Errorf("%q: got %v, want one denial per owning environment about %q", line, v, want)
		}
	}
}

func TestKnownSecrets(t *testing.T) {
	m := &model.Model{Envs: map[string]*model.Environment{
		"dev": {Name: "dev", Secrets: map[string]model.Secret{
			"a": {EnvVar: "A_PASSWORD", Key: "a/password"},
			"b": {EnvVar: "B_TOKEN", Key: "b/token"},
			"c": {EnvVar: "C_KEY", Key: "c/key"},
		}},
	}}
	s := policy.NewScanner(m, getenv(map[string]string{"A_PASSWORD": "long-enough", "B_TOKEN": "abc", "C_KEY": ""}))
	if len(s.Known) != 1 || s.Known[0].EnvVar != "A_PASSWORD" {
		t.Errorf("known secrets: %+v, want only A_PASSWORD (B_TOKEN is shorter than 4, C_KEY empty)", s.Known)
	}
	for _, ref := range []string{"a", "A_PASSWORD", "a/password", "b", "c/key"} {
		if !s.Refs[ref] {
			t.Errorf("%s is not a known reference", ref)
		}
	}
}

func TestScanOrder(t *testing.T) {
	s := &policy.Scanner{Known: []policy.KnownSecret{{Name: "s", EnvVar: "S", Value: "xyzzy"}}}
	lines := make([]string, 12)
	lines[6], lines[10] = "a: xyzzy", "b: xyzzy"
	data := []byte(strings.Join(lines, "\n"))
	var got []string
	for _, v := range s.Scan(map[string][]byte{"f": data, "e": data}, nil) {
		got = append(got, v.Position)
	}
	want := "out/e:7:4 out/e:11:4 out/f:7:4 out/f:11:4"
	if strings.Join(got, " ") != want {
		t.Errorf("order: got %v, want %s", got, want)
	}
}

// TestAllowedLiteralsOfATemplate: an acknowledged per-replica template
// lets its literal text through in every replica's rendered value; the
// text a placeholder becomes is no part of what is allowed.
func TestAllowedLiteralsOfATemplate(t *testing.T) {
	env := &model.Environment{Services: map[string]*model.Service{"db": {
		Name:                 "db",
		Ordinal:              &model.Ordinal{Replicas: 2, Env: map[string]string{"PEER_URL": "amqp://guest:guest@{{host}}:5672"}},
		SecretLiteralAllowed: map[string]string{"PEER_URL": "the broker's default guest user, not a secret"},
	}}}
	got := policy.AllowedLiterals(env)
	want := []string{"amqp://guest:guest@", ":5672"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("AllowedLiterals = %q, want %q", got, want)
	}
}
