// Package stacks finds the models under testdata/stacks of the repository:
// small stacks of unrelated shapes that every target's tests hand to their
// real consumers, so that degen is checked on more than the default model.
// A new directory there is picked up by every test with no change in Go.
package stacks

import (
	"path/filepath"
	"testing"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
)

// Dir is the models' directory, relative to the repository root.
const Dir = "testdata/stacks"

// Dirs returns the model directories under root's testdata/stacks, sorted;
// it fails t when there are none, so a moved directory cannot make the
// tests pass by checking nothing.
func Dirs(t testing.TB, root string) []string {
	t.Helper()
	mods, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(Dir), "*", "cue.mod", "module.cue"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) == 0 {
		t.Fatalf("no model under %s", filepath.Join(root, filepath.FromSlash(Dir)))
	}
	dirs := make([]string, len(mods))
	for i, m := range mods {
		dirs[i] = filepath.Dir(filepath.Dir(m))
	}
	return dirs // Glob sorts
}

// Load loads the model in dir, failing t with the formatted error.
func Load(t testing.TB, dir string) *model.Model {
	t.Helper()
	m, err := load.Load(load.Options{Dir: dir})
	if err != nil {
		t.Fatalf("loading %s: %s", dir, load.Format(err, dir))
	}
	return m
}

// EnvsWith returns the environments of m that get artefact, sorted.
func EnvsWith(m *model.Model, artefact string) []string {
	var names []string
	for _, n := range m.EnvNames() {
		if m.Envs[n].Has(artefact) {
			names = append(names, n)
		}
	}
	return names
}

// Each runs f as a subtest named after each stack, with the stack's model,
// and the environments of it that get artefact; a stack with none is
// skipped. It fails t when no stack gets artefact at all.
func Each(t *testing.T, root, artefact string, f func(t *testing.T, m *model.Model, envs []string)) {
	t.Helper()
	n := 0
	for _, dir := range Dirs(t, root) {
		m := Load(t, dir)
		envs := EnvsWith(m, artefact)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if len(envs) == 0 {
				t.Skipf("no environment of %s gets %s", filepath.Base(dir), artefact)
			}
			f(t, m, envs)
		})
		n += len(envs)
	}
	if n == 0 {
		t.Errorf("no stack under %s gets %s", Dir, artefact)
	}
}
