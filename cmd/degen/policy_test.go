package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modelCopy copies the repository's CUE module into a temporary directory
// and adds extra files (path relative to the module root → content).
func modelCopy(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"cue.mod", "envs", "policies"} {
		files, err := filepath.Glob(filepath.Join("..", "..", sub, "*.cue"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no CUE files in %s: %v", sub, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			extra[sub+"/"+filepath.Base(f)] = string(data)
		}
	}
	// The repository files the model mounts.
	if err := os.CopyFS(filepath.Join(dir, "infra"), os.DirFS(filepath.Join("..", "..", "infra"))); err != nil {
		t.Fatal(err)
	}
	for rel, content := range extra {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runDegen(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBuildDenyWritesNothing(t *testing.T) {
	dir := modelCopy(t, map[string]string{"envs/zz_leak.cue": `package envs

environments: prod: services: grafana: env: GF_SECURITY_ADMIN_TOKEN: value: "abc12345"
`})
	out := filepath.Join(t.TempDir(), "out")
	for _, cmd := range []string{"build", "vet"} {
		code, stdout, stderr := runDegen(cmd, "--env", "prod", "--dir", dir, "--out", out)
		if code != exitFailure {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", cmd, code, exitFailure, stdout, stderr)
		}
		want := "./envs/zz_leak.cue:3:77: error: [deny] prod/no-secret-literals: services.grafana.env.GF_SECURITY_ADMIN_TOKEN.value: service grafana: env GF_SECURITY_ADMIN_TOKEN looks like a secret"
		if !strings.Contains(stderr, want) {
			t.Errorf("%s: stderr does not hold %q:\n%s", cmd, want, stderr)
		}
		if strings.Contains(stderr, "abc12345") && !strings.Contains(stderr, "zz_leak.cue") {
			t.Errorf("%s: stderr repeats the value", cmd)
		}
	}
	code, stdout, _ := runDegen("build", "--env", "prod", "--dir", dir, "--out", out, "--policy-report", "json")
	var rep struct{ Denied int }
	if err := json.Unmarshal([]byte(stdout), &rep); code != exitFailure || err != nil || rep.Denied != 1 {
		t.Errorf("--policy-report json on a deny: exit %d, report %+v (%v)\n%s", code, rep, err, stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a denied build wrote %s (%v)", out, err)
	}
}

func TestBuildWarnsAndReportsJSON(t *testing.T) {
	dir := modelCopy(t, map[string]string{})
	// The default model acknowledges these warnings; without its
	// acknowledgements they are printed and reported.
	prod := filepath.Join(dir, "envs", "prod.cue")
	data, err := os.ReadFile(prod)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.Contains(l, `"policy/prod-ingress-replicas/`) {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(prod, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runDegen("build", "--env", "prod", "--dir", dir, "--out", out, "--policy-report", "json")
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: [warn] prod/prod-ingress-replicas: services.grafana.replicas: service grafana is reached through the ingress") || !strings.Contains(stderr, "built [prod]") {
		t.Errorf("stderr lacks the warnings or the summary:\n%s", stderr)
	}
	var rep struct {
		Violations []struct {
			Env, Rule, Severity, Message, Path, Position string
		} `json:"violations"`
		Denied, Warnings int
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	if rep.Denied != 0 || rep.Warnings != 3 || len(rep.Violations) != 3 || rep.Violations[0].Position == "" {
		t.Errorf("report: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(out, ".degen-index.json")); err != nil {
		t.Errorf("a build with warnings only must write out/: %v", err)
	}
	if code, _, stderr := runDegen("vet", "--dir", dir, "--policy-report", "yaml"); code != exitUsage {
		t.Errorf("--policy-report yaml: exit %d, want %d\n%s", code, exitUsage, stderr)
	}
}
