package explain

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets"
)

// coverage counts, per target, the non-blank lines of every file the
// targets write for every environment of a model.
type coverage struct {
	lines, field, dflt, fixed int
	missing                   []string
}

// attributeAll attributes every line of every file of every environment
// of the model at dir, as degen explain does, and returns the counts per
// target.
func attributeAll(t *testing.T, dir string) map[string]*coverage {
	t.Helper()
	m, err := load.Load(load.Options{Dir: dir, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]*coverage{}
	seen := map[string]bool{}
	type key struct {
		env  *model.Environment
		path string
	}
	type result struct {
		shortened bool
		err       error
	}
	explained := map[key]result{}
	for _, name := range m.EnvNames() {
		env := m.Envs[name]
		for _, tg := range targets.All() {
			if !env.Has(tg.Name()) {
				continue
			}
			out, err := target.ForBuild([]target.Target{tg})[0].Generate(target.Input{Env: env, Base: m.Base})
			if err != nil {
				t.Fatalf("%s, %s: %v", tg.Name(), name, err)
			}
			files := map[string][]byte{}
			for _, f := range out.Files {
				files[f.Path] = f.Data
			}
			c := counts[tg.Name()]
			if c == nil {
				c = &coverage{}
				counts[tg.Name()] = c
			}
			for _, f := range out.Files {
				if seen[f.Path] {
					continue
				}
				seen[f.Path] = true
				e := env
				if f.Shared {
					e = m.Base
				}
				originOf, err := attributor(tg, e, files)
				if err != nil {
					t.Fatal(err)
				}
				lines, err := Lines(f.Path, f.Data)
				if err != nil {
					t.Fatal(err)
				}
				at := map[int]target.Line{}
				for _, l := range lines {
					at[l.Number] = l
				}
				for i, text := range strings.Split(string(f.Data), "\n") {
					if strings.TrimSpace(text) == "" {
						continue
					}
					c.lines++
					l, ok := at[i+1]
					if !ok {
						if _, fixed := fixedLine(text); fixed {
							c.fixed++
						} else {
							c.missing = append(c.missing, fmt.Sprintf("out/%s:%d %q holds no node", f.Path, i+1, text))
						}
						continue
					}
					a, ok := originOf(l)
					if !ok {
						c.missing = append(c.missing, fmt.Sprintf("out/%s:%d %s: no model field", f.Path, i+1, qualified(l)))
						continue
					}
					k := key{e, a.Path}
					r, done := explained[k]
					if !done {
						var x *Explanation
						x, _, r.shortened, r.err = explainOwned(m, e, a.Path)
						if r.err == nil && len(x.Sources) == 0 {
							r.err = fmt.Errorf("no CUE position")
						}
						explained[k] = r
					}
					switch {
					case r.err != nil:
						c.missing = append(c.missing, fmt.Sprintf("out/%s:%d %s: %s: %v", f.Path, i+1, qualified(l), a.Path, r.err))
					case a.Default || r.shortened:
						c.dflt++
					default:
						c.field++
					}
				}
			}
		}
	}
	return counts
}

// TestEveryLineAttributed: every non-blank line of every file degen
// writes, for the default model and the test stacks, is attributed by its
// target's Origin to a model field (or, for a line of degen's defaults, to
// the model entry it is written for) that has a CUE position, except the
// lines fixedLine allows. Run with -v for the coverage per target.
func TestEveryLineAttributed(t *testing.T) {
	dirs := []string{"../.."}
	stacks, _ := filepath.Glob("../../testdata/stacks/*")
	for _, s := range stacks {
		if fi, err := os.Stat(filepath.Join(s, "cue.mod")); err == nil && fi.IsDir() {
			dirs = append(dirs, s)
		}
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if dir == "../.." {
			name = "default-model"
		}
		t.Run(name, func(t *testing.T) {
			counts := attributeAll(t, dir)
			names := make([]string, 0, len(counts))
			for n := range counts {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				c := counts[n]
				if c.lines == 0 {
					continue
				}
				t.Logf("%-11s %5d lines: %5d field, %5d default, %4d fixed, %4d unattributed (%.1f%% attributed or fixed)",
					n, c.lines, c.field, c.dflt, c.fixed, len(c.missing), 100*float64(c.lines-len(c.missing))/float64(c.lines))
				for i, miss := range c.missing {
					if i == 20 {
						t.Errorf("... and %d more", len(c.missing)-i)
						break
					}
					t.Error(miss)
				}
			}
		})
	}
}
