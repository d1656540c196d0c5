package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/degen-dev/degen/generator/targets"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"degen": func() { os.Exit(Main()) }})
}

// TestScripts runs testdata/script/*.txtar; DEGEN_UPDATE=1 rewrites their
// expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("DEGEN_UPDATE") != "",
		// [target:NAME] holds when target NAME is registered, so a script
		// can expect generated content only once its target exists.
		Condition: func(cond string) (bool, error) {
			name, ok := strings.CutPrefix(cond, "target:")
			return ok && slices.Contains(targets.Names(), name), nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"copymodel": cmdCopyModel},
	})
}

// cmdCopyModel is the script command copymodel: it copies this repository's model (cue.mod and the top-level
// directories holding CUE files) into the script's working directory.
func cmdCopyModel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: copymodel")
	}
	root, err := filepath.Abs("../..")
	ts.Check(err)
	entries, err := os.ReadDir(root)
	ts.Check(err)
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "out" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if cue, _ := filepath.Glob(filepath.Join(root, e.Name(), "*.cue")); len(cue) == 0 {
			continue
		}
		ts.Check(os.CopyFS(ts.MkAbs(e.Name()), os.DirFS(filepath.Join(root, e.Name()))))
	}
}
