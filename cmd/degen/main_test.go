package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/degen-dev/degen/generator/cache"
	"github.com/degen-dev/degen/generator/targets"
)

func TestMain(m *testing.M) {
	testscript.Main(ownCache{m}, map[string]func(){"degen": func() { os.Exit(Main()) }})
}

// ownCache runs the tests with a build cache of their own ($DEGEN_CACHE_DIR,
// removed afterwards), never the user's: HOME may be shared in CI.
type ownCache struct{ m *testing.M }

func (o ownCache) Run() int {
	dir, err := os.MkdirTemp("", "degen-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv(cache.EnvDir, dir)
	return o.m.Run()
}

// TestScripts runs cmd/degen/testdata/script/*.txtar. Each script starts in
// a copy of the repository's model (cue.mod, schema, envs, policies) unless
// it sets up its own; DEGEN_UPDATE=1 rewrites the scripts' expected files.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("DEGEN_UPDATE") == "1",
		// [target:NAME] holds when target NAME is registered, so a script
		// can expect generated content only once its target exists.
		Condition: func(cond string) (bool, error) {
			name, ok := strings.CutPrefix(cond, "target:")
			return ok && slices.Contains(targets.Names(), name), nil
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			// Each script has a build cache of its own, outside its
			// work directory (the repository it builds).
			env.Setenv(cache.EnvDir, env.WorkDir+"-cache")
			// $NL is a newline, which a script cannot otherwise put in an
			// argument (bad_env_newline).
			env.Setenv("NL", "\n")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"copymodel": copyModel,
			"lineof":    lineOf,
			"exitcode":  exitCode,
			"snapshot":  snapshot,
			"unchanged": unchanged,
		},
	})
}

// lineOf sets $LINE to the number of the first line of a file that matches
// a regular expression, so that a script editing the repository's model
// can expect a position there without pinning a line that moves; with a
// second expression, the first such line whose next line matches it:
//
//	lineof file regexp [regexp of the next line]
func lineOf(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: lineof file regexp [regexp of the next line]")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	var next *regexp.Regexp
	if len(args) == 3 {
		next, err = regexp.Compile(args[2])
		ts.Check(err)
	}
	lines := strings.Split(ts.ReadFile(args[0]), "\n")
	for i, line := range lines {
		if re.MatchString(line) && (next == nil || i+1 < len(lines) && next.MatchString(lines[i+1])) {
			ts.Setenv("LINE", strconv.Itoa(i+1))
			return
		}
	}
	ts.Fatalf("no line of %s matches %s", args[0], strings.Join(args[1:], " then "))
}

// copyModel copies the repository's model into the script's work directory:
//
//	copymodel [dir]
func copyModel(ts *testscript.TestScript, neg bool, args []string) {
	dst := ts.MkAbs(".")
	if len(args) > 0 {
		dst = ts.MkAbs(args[0])
	}
	repo := ts.Getenv("REPO")
	for _, d := range []string{"cue.mod", "envs", "infra", "policies"} {
		src := filepath.Join(repo, d)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		ts.Check(filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(repo, p)
			if e.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
		}))
	}
}

// exitCode runs degen and asserts its exit code, keeping stdout and stderr
// for the assertions that follow:
//
//	exitcode N args...
func exitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: exitcode N args...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec("degen", args[1:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running degen: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("degen %s: exit code %d, want %d\nstderr:\n%s", strings.Join(args[1:], " "), got, want, ts.ReadFile("stderr"))
	}
}

// snapshot records a tree's file names, contents and modification times;
// unchanged fails unless the tree is exactly as recorded:
//
//	snapshot out
//	unchanged out
func snapshot(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(ts.MkAbs(".snapshot-"+filepath.Base(dir)), []byte(treeState(ts, dir)), 0o644))
}

func unchanged(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(args[0])
	want, err := os.ReadFile(ts.MkAbs(".snapshot-" + filepath.Base(dir)))
	ts.Check(err)
	got := treeState(ts, dir)
	if (got == string(want)) == neg {
		ts.Fatalf("%s changed:\nbefore:\n%s\nafter:\n%s", args[0], want, got)
	}
}

func treeState(ts *testscript.TestScript, dir string) string {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return nil
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if e.Type()&fs.ModeSymlink != 0 { // recorded, never followed
			target, err := os.Readlink(p)
			lines = append(lines, fmt.Sprintf("%s -> %s", filepath.ToSlash(rel), target))
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		lines = append(lines, fmt.Sprintf("%s %s %d", filepath.ToSlash(rel), hex.EncodeToString(sum[:8]), info.ModTime().UnixNano()))
		return nil
	})
	ts.Check(err)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
