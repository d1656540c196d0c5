package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// stackScript is the script TestStacks runs for each model of
// testdata/stacks (STACK is its directory name): a build of every
// environment and degen check from a copy outside the repository, with the
// binary alone (nothing of this repository is read), and a second build of
// a second copy, byte for byte the same tree with the same file modes.
const stackScript = `env REPO=
copystack $STACK a
copystack $STACK b
! exists a/schema
cd a
exec degen build --all
stdout '^built \[.*\]: [1-9][0-9]* files written'
! stderr 'deny'
exec degen check
stdout '^out/ is up to date for \['
exec degen vet
stdout '^ok: '
cd ../b
exec degen build --all --no-cache
cd ..
sametree a/out b/out
`

// TestStacks runs stackScript on every model under testdata/stacks: a new
// directory there is picked up with no change here.
func TestStacks(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The models' directory, as generator/internal/stacks finds it (which
	// cmd/ cannot import).
	stackDir := filepath.Join(root, "testdata", "stacks")
	mods, err := filepath.Glob(filepath.Join(stackDir, "*", "cue.mod", "module.cue"))
	if err != nil || len(mods) == 0 {
		t.Fatalf("no model under %s (%v)", stackDir, err)
	}
	var dirs []string
	for _, m := range mods {
		dirs = append(dirs, filepath.Dir(filepath.Dir(m)))
	}
	scripts := t.TempDir()
	for _, d := range dirs {
		name := filepath.Base(d)
		body := "# " + name + ": degen build --all and degen check outside the repository; two builds agree.\nenv STACK=" + name + "\n" + stackScript
		if err := os.WriteFile(filepath.Join(scripts, name+".txtar"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 scripts,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("STACKS", stackDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"copystack": copyStack,
			"sametree":  sameTree,
		},
	})
}

// copyStack copies the model testdata/stacks/NAME into DIR of the script's
// work directory, leaving out any out/ or .degen/ a local build left there:
//
//	copystack NAME DIR
func copyStack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: copystack NAME DIR")
	}
	src := filepath.Join(ts.Getenv("STACKS"), args[0])
	dst := ts.MkAbs(args[1])
	ts.Check(filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if e.IsDir() {
			if rel == "out" || rel == ".degen" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
}

// sameTree fails unless two trees hold the same files with the same bytes
// and modes:
//
//	sametree A B
func sameTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sametree A B")
	}
	a, b := treeBytes(ts, ts.MkAbs(args[0])), treeBytes(ts, ts.MkAbs(args[1]))
	if len(a) == 0 {
		ts.Fatalf("%s holds no file", args[0])
	}
	for _, p := range sortedUnion(a, b) {
		if !bytes.Equal(a[p], b[p]) {
			ts.Fatalf("%s differs between %s and %s", p, args[0], args[1])
		}
	}
}

// treeBytes maps each regular file under dir to its mode and content.
func treeBytes(ts *testscript.TestScript, dir string) map[string][]byte {
	files := map[string][]byte{}
	ts.Check(filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = append([]byte(fmt.Sprintf("%v\n", info.Mode())), data...)
		return nil
	}))
	return files
}

func sortedUnion(ms ...map[string][]byte) []string {
	seen := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
