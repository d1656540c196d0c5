package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testModel copies the repository's model into a fresh git repository.
func testModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "envs", "infra"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("..", "..", d))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "model"}} {
			if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
	}
	return dir
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExitCodes pins the documented exit codes of check, diff and explain,
// which the scripts cannot tell apart (they only see failure).
func TestExitCodes(t *testing.T) {
	dir := testModel(t)
	// An index entry carries the real hash of its file: another one is a
	// hand edit.
	indexOf := func(data string) string {
		sum := sha256.Sum256([]byte(data))
		return `{"version": 1, "files": {"kubernetes/overlays/prod/x.yaml": {"sha256": "` + hex.EncodeToString(sum[:]) + `", "envs": ["prod"]}}}`
	}
	extra, badyaml := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "metadata: {name: x\n"
	write(t, filepath.Join(dir, "extra", "out", ".degen-index.json"), indexOf(extra))
	write(t, filepath.Join(dir, "extra", "out", "kubernetes/overlays/prod/x.yaml"), extra)
	write(t, filepath.Join(dir, "badyaml", "out", ".degen-index.json"), indexOf(badyaml))
	write(t, filepath.Join(dir, "badyaml", "out", "kubernetes/overlays/prod/x.yaml"), badyaml)
	write(t, filepath.Join(dir, "corrupt", "out", ".degen-index.json"), "{")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"diff", "--format", "html"}, 2},
		{[]string{"diff", "--bogus"}, 2},
		{[]string{"diff", "--env", "qa"}, 2},
		{[]string{"diff", "--base", "no-such-ref"}, 2},
		{[]string{"diff", "--env", "prod,dev", "--against", "staging"}, 2},
		{[]string{"diff", "--out", filepath.Join(dir, "corrupt", "out")}, 2},
		{[]string{"diff", "--out", filepath.Join(dir, "badyaml", "out")}, 2},
		{[]string{"diff", "--out", filepath.Join(dir, "extra", "out")}, 1},
		{[]string{"diff", "--env", "prod", "--against", "prod"}, 0},
		{[]string{"diff", "--base", "main"}, 0},
		{[]string{"check", "--all", "--out", filepath.Join(dir, "corrupt", "out")}, 2},
		{[]string{"check", "--all", "--out", filepath.Join(dir, "extra", "out")}, 3},
		{[]string{"check", "--env", "qa"}, 2},
		{[]string{"explain", "--env", "prod", "data.kafka.partitions"}, 0},
		{[]string{"explain", "--env", "prod", "kafka.partitionz"}, 2},
		{[]string{"explain", "--env", "qa", "kafka"}, 2},
		// Command-line misuse, refused before anything runs.
		{[]string{"check", "--env", "prod\nlocal"}, 2},
		{[]string{"check", "--env", "Prod"}, 2},
		{[]string{"check", "--env", ""}, 2},
		{[]string{"check", "--env", "prod,"}, 2},
		{[]string{"check", "--env", "prod", "--env", "dev staging"}, 2},
		{[]string{"diff", "--env", "prod", "--against", "Staging"}, 2},
		{[]string{"export", "--env", "pr od"}, 2},
		{[]string{"explain", "--env", "", "kafka"}, 2},
		{[]string{"biuld"}, 2},
		{[]string{"biuld", "--all"}, 2},
		{[]string{"--bogus"}, 2},
		{[]string{"check", "--all", "--bogus"}, 2},
		{[]string{"help", "check"}, 0},
		{[]string{"__complete", "check", "--e"}, 0},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			got := run(append([]string{"--dir", dir}, c.args...), &stdout, &stderr)
			if got != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", got, c.code, stdout.String(), stderr.String())
			}
			if c.code == 1 && stderr.Len() > 0 {
				t.Errorf("a difference printed to stderr: %s", stderr.String())
			}
		})
	}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
			t.Errorf("check, diff or explain wrote out/: %v", err)
		}
	})
}
