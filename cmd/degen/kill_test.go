package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// degenBinary returns a path that runs this test binary as degen (the name
// testscript.Main dispatches on).
func degenBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "degen")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// copyModelTo copies the repository's model into dst.
func copyModelTo(t *testing.T, dst string) {
	t.Helper()
	for _, d := range []string{"cue.mod", "envs", "infra", "policies"} {
		if err := os.CopyFS(filepath.Join(dst, d), os.DirFS(filepath.Join("../..", d))); err != nil {
			t.Fatal(err)
		}
	}
}

// digest summarises a tree's names and contents.
func digest(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(data)
		lines = append(lines, rel+" "+hex.EncodeToString(s[:]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// killSetup is the start of a kill test: the degen binary, a copy of the
// default model in a temporary directory, and the path and bytes of the
// model file envs/name, which the test edits. It skips with -short.
func killSetup(t *testing.T, name string) (bin, dir, path string, orig []byte) {
	t.Helper()
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	bin = degenBinary(t)
	dir = t.TempDir()
	copyModelTo(t, dir)
	path = filepath.Join(dir, "envs", name)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bin, dir, path, orig
}

// timedRun runs degen args --dir dir to its end, failing the test on an
// error, and returns how long it took.
func timedRun(t *testing.T, bin, dir string, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(bin, append(args, "--dir", dir)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return time.Since(start)
}

// TestKillDuringBuild kills `degen build --all` with SIGKILL at random moments
// and checks that out/ is, every time, exactly the previous tree or exactly
// the new one: never a mix, never missing.
func TestKillDuringBuild(t *testing.T) {
	bin, dir, prod, orig := killSetup(t, "stack.cue")
	changed := bytes.Replace(orig, []byte(`KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: value: "3000"`), []byte(`KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: value: "3001"`), 1)
	if bytes.Equal(orig, changed) {
		t.Fatal("envs/stack.cue no longer sets KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS to 3000; update the test")
	}
	build := func() time.Duration { return timedRun(t, bin, dir, "build", "--all", "--no-cache") }
	// The two states: A (original model) and B (changed).
	os.WriteFile(prod, changed, 0o644)
	build()
	stateB := digest(t, filepath.Join(dir, "out"))
	os.WriteFile(prod, orig, 0o644)
	took := build()
	stateA := digest(t, filepath.Join(dir, "out"))
	if stateA == stateB {
		t.Fatal("the model change does not change out/; the test would prove nothing")
	}

	rng := rand.New(rand.NewSource(1))
	current := stateA
	kills, moved := 0, 0
	for i := 0; i < 25; i++ {
		next, content := stateB, changed
		if current == stateB {
			next, content = stateA, orig
		}
		os.WriteFile(prod, content, 0o644)
		// --no-cache: a cached build of a state seen before finishes in
		// a tenth of the time measured above, and the kills would miss it.
		cmd := exec.Command(bin, "build", "--all", "--no-cache", "--dir", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Up to one and a half builds' time, so that some builds finish
		// (or are killed after renaming) and out/ moves to the new tree.
		time.Sleep(time.Duration(rng.Int63n(int64(took)*3/2 + 1)))
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if err != nil {
			kills++
		}
		got := digest(t, filepath.Join(dir, "out"))
		switch got {
		case current:
		case next:
			current = next
			moved++
		default:
			t.Fatalf("iteration %d: out/ is neither the previous nor the new tree", i)
		}
	}
	t.Logf("%d of 25 builds killed before they finished; out/ moved to the new tree %d times", kills, moved)
	if kills == 0 {
		t.Fatal("no build was killed; the test proved nothing")
	}
	// The tree left behind is usable: a build after the kills succeeds.
	build()
	if got := digest(t, filepath.Join(dir, "out")); got != stateA && got != stateB {
		t.Fatal("final build left an unknown tree")
	}
}

// TestKillDuringCacheWrite kills builds that use the cache at random
// moments, each after an edit of envs/prod.cue that prod's entry must be
// written for: the builds after them must give what a build without the
// cache gives, whatever the kills left in the build cache.
func TestKillDuringCacheWrite(t *testing.T) {
	bin, dir, prod, orig := killSetup(t, "prod.cue")
	run := func(args ...string) time.Duration { return timedRun(t, bin, dir, append(args, "--all")...) }
	took := run("build")
	rng := rand.New(rand.NewSource(2))
	kills := 0
	for i := 0; i < 20; i++ {
		// A new prod each time, with other files: its entry is written
		// by this build.
		edited := bytes.Replace(orig, []byte(`appTag:                "v1.0.0"`), []byte(fmt.Sprintf(`appTag:                "v1.0.%d"`, i+1)), 1)
		if bytes.Equal(edited, orig) {
			t.Fatal(`envs/prod.cue no longer sets appTag: "v1.0.0"; update the test`)
		}
		os.WriteFile(prod, edited, 0o644)
		cmd := exec.Command(bin, "build", "--all", "--dir", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(took)*3/2 + 1)))
		cmd.Process.Signal(syscall.SIGKILL)
		if cmd.Wait() != nil {
			kills++
		}
		if i%5 == 4 {
			// Whatever the kills left, a build with the cache is right.
			run("build")
			run("check")
		}
	}
	t.Logf("%d of 20 builds killed before they finished", kills)
	if kills == 0 {
		t.Fatal("no build was killed; the test proved nothing")
	}
	run("build")
	withCache := digest(t, filepath.Join(dir, "out"))
	run("build", "--no-cache")
	if got := digest(t, filepath.Join(dir, "out")); got != withCache {
		t.Fatal("the build from the cache the kills left differs from a build without it")
	}
	run("check")
}
