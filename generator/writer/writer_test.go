package writer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// tree reads every file under dir into path → content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return m
}

func plan(scope string, files ...string) Plan {
	p := Plan{Files: map[string][]byte{}, Owners: map[string][]string{}, Scope: []string{scope}}
	for i := 0; i+1 < len(files); i += 2 {
		p.Files[files[i]] = []byte(files[i+1])
		p.Owners[files[i]] = []string{scope}
	}
	return p
}

func write(t *testing.T, out string, p Plan) *Report {
	t.Helper()
	rep, err := Write(out, p)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return rep
}

func TestWriteCreatesTreeAndIndex(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	rep := write(t, out, plan("dev", "compose/dev/base.yml", "a\n", "flags/dev/flags.json", "{}\n"))
	got := tree(t, out)
	if got["compose/dev/base.yml"] != "a\n" || got["flags/dev/flags.json"] != "{}\n" {
		t.Fatalf("tree = %v", got)
	}
	idx, err := ReadIndex(out)
	if err != nil {
		t.Fatal(err)
	}
	if e := idx.Files["compose/dev/base.yml"]; e.SHA256 != Sum([]byte("a\n")) || strings.Join(e.Envs, ",") != "dev" {
		t.Fatalf("index entry = %+v", e)
	}
	if len(rep.Written) != 2 || len(rep.Pruned) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(out), ScratchDir, "staging")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging tree left behind: %v", err)
	}
}

func TestWriteNoChangeKeepsModificationTimes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := plan("dev", "a.yml", "a\n", "b/c.yml", "c\n")
	write(t, out, p)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, f := range []string{"a.yml", "b/c.yml", IndexName} {
		if err := os.Chtimes(filepath.Join(out, f), old, old); err != nil {
			t.Fatal(err)
		}
	}
	rep := write(t, out, p)
	if rep.Changed() {
		t.Fatalf("second write changed out/: %+v", rep)
	}
	for _, f := range []string{"a.yml", "b/c.yml", IndexName} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !st.ModTime().Equal(old) {
			t.Errorf("%s was rewritten: mtime %v, want %v", f, st.ModTime(), old)
		}
	}
	// A changed write keeps the mtime of the files that did not change.
	p.Files["a.yml"] = []byte("a2\n")
	rep = write(t, out, p)
	if strings.Join(rep.Written, ",") != "a.yml" {
		t.Fatalf("written = %v, want [a.yml]", rep.Written)
	}
	st, _ := os.Stat(filepath.Join(out, "b/c.yml"))
	if !st.ModTime().Equal(old) {
		t.Errorf("unchanged b/c.yml got a new mtime %v", st.ModTime())
	}
}

func TestWritePrunesOnlyItsOwnFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	write(t, out, plan("dev", "dev/a.yml", "a\n", "dev/old.yml", "old\n"))
	write(t, out, plan("prod", "prod/a.yml", "p\n"))
	if err := os.WriteFile(filepath.Join(out, "README.md"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := write(t, out, plan("dev", "dev/a.yml", "a\n"))
	if strings.Join(rep.Pruned, ",") != "dev/old.yml" {
		t.Fatalf("pruned = %v", rep.Pruned)
	}
	got := tree(t, out)
	delete(got, IndexName)
	want := map[string]string{"dev/a.yml": "a\n", "prod/a.yml": "p\n", "README.md": "mine\n"}
	if len(got) != len(want) {
		t.Fatalf("tree = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// The directory emptied by pruning is gone only when empty.
	write(t, out, plan("dev"))
	if _, err := os.Stat(filepath.Join(out, "dev")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty dev/ directory left behind")
	}
}

func TestWriteRefusesForeignFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(out, "compose"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "compose/base.yml"), []byte("hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(out, plan("dev", "compose/base.yml", "generated\n", "x.yml", "x\n"))
	var fe *ForeignFileError
	if !errors.As(err, &fe) || strings.Join(fe.Paths, ",") != "out/compose/base.yml" {
		t.Fatalf("err = %v, want ForeignFileError for out/compose/base.yml", err)
	}
	got := tree(t, out)
	if len(got) != 1 || got["compose/base.yml"] != "hand-written\n" {
		t.Fatalf("out/ changed: %v", got)
	}
}

func TestWriteKeepsHandEditedFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	write(t, out, plan("dev", "a.yml", "a\n", "b.yml", "b\n"))
	if err := os.WriteFile(filepath.Join(out, "a.yml"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "b.yml"), []byte("edited too\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, out)
	// A changed a.yml would overwrite the edit; dropping b.yml would prune it.
	_, err := Write(out, plan("dev", "a.yml", "A\n"))
	var he *HandEditError
	if !errors.As(err, &he) || strings.Join(he.Paths, ",") != "out/a.yml,out/b.yml" {
		t.Fatalf("err = %v, want HandEditError for out/a.yml and out/b.yml", err)
	}
	if !strings.Contains(err.Error(), "degen diff") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("message gives no way on: %v", err)
	}
	if !equal(before, tree(t, out)) {
		t.Fatalf("hand edits lost: %v", tree(t, out))
	}
	// An edit that already equals the new content loses nothing.
	os.WriteFile(filepath.Join(out, "a.yml"), []byte("A\n"), 0o644)
	os.WriteFile(filepath.Join(out, "b.yml"), []byte("b\n"), 0o644)
	write(t, out, plan("dev", "a.yml", "A\n"))
	if got := tree(t, out); got["a.yml"] != "A\n" || got["b.yml"] != "" {
		t.Fatalf("out/ = %v", got)
	}
}

func TestWriteForceDiscardsHandEdit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	p := plan("dev", "a.yml", "a\n")
	write(t, out, p)
	os.WriteFile(filepath.Join(out, "a.yml"), []byte("edited\n"), 0o644)
	p.Force = true
	rep := write(t, out, p)
	if strings.Join(rep.Written, ",") != "a.yml" || tree(t, out)["a.yml"] != "a\n" {
		t.Fatalf("forced write did not restore: %+v %v", rep, tree(t, out))
	}
}

func TestWriteStopsWhenLocked(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	os.MkdirAll(filepath.Join(dir, ScratchDir), 0o755)
	l := flock.New(filepath.Join(dir, ScratchDir, "lock"))
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer l.Unlock()
	_, err := Write(out, plan("dev", "a.yml", "a\n"))
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want LockedError", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("out/ was written while locked")
	}
}

func TestWriteCorruptIndex(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	write(t, out, plan("dev", "a.yml", "a\n"))
	os.WriteFile(filepath.Join(out, IndexName), []byte("{not json"), 0o644)
	_, err := Write(out, plan("dev", "a.yml", "b\n"))
	var ce *CorruptIndexError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want CorruptIndexError", err)
	}
	if tree(t, out)["a.yml"] != "a\n" {
		t.Fatal("out/ changed")
	}
}

// TestWriteCrashLeavesPreviousTree stops Write at each point of its work, as
// a crash would, and checks out/ is the old tree or the new one, and that the
// next Write completes.
func TestWriteCrashLeavesPreviousTree(t *testing.T) {
	for _, point := range []string{"staged", "swapped"} {
		t.Run(point, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			oldPlan := plan("dev", "a.yml", "old\n", "gone.yml", "x\n")
			newPlan := plan("dev", "a.yml", "new\n", "b.yml", "b\n")
			write(t, out, oldPlan)
			before := tree(t, out)

			stop := func(p string) {
				if p == point {
					runtime.Goexit() // the goroutine dies here, as a killed process would
				}
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); writeAt(out, newPlan, stop) }()
			wg.Wait()

			after := tree(t, out)
			wantNew := point == "swapped"
			if wantNew {
				if after["a.yml"] != "new\n" || after["b.yml"] != "b\n" || after["gone.yml"] != "" {
					t.Fatalf("after swap, out/ = %v", after)
				}
			} else if !equal(before, after) {
				t.Fatalf("crash before swap changed out/:\nbefore %v\nafter  %v", before, after)
			}
			write(t, out, newPlan)
			if got := tree(t, out); got["a.yml"] != "new\n" || got["b.yml"] != "b\n" {
				t.Fatalf("recovery write: %v", got)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(out), ScratchDir, "staging")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("staging tree left after recovery")
			}
		})
	}
}

func TestSwapFallbackRecovers(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	write(t, out, plan("dev", "a.yml", "old\n"))
	// Simulate a kill between the two renames of the fallback: out/ moved
	// away, staging not yet in place.
	scratch := filepath.Join(dir, ScratchDir)
	if err := os.Rename(out, filepath.Join(scratch, "previous")); err != nil {
		t.Fatal(err)
	}
	write(t, out, plan("dev", "a.yml", "old\n"))
	if got := tree(t, out); got["a.yml"] != "old\n" {
		t.Fatalf("previous tree not restored: %v", got)
	}
}

func TestCompare(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	write(t, out, plan("dev", "a.yml", "a\n", "b.yml", "b\n", "c.yml", "c\n"))
	d, err := Compare(out, plan("dev", "a.yml", "a\n", "b.yml", "B\n", "n.yml", "n\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(d.Stale, ",") + "|" + strings.Join(d.Missing, ",") + "|" + strings.Join(d.Extra, ",")
	if got != "b.yml|n.yml|c.yml" {
		t.Fatalf("drift = %s", got)
	}
	d, _ = Compare(out, plan("dev", "a.yml", "a\n", "b.yml", "b\n", "c.yml", "c\n"))
	if !d.Clean() {
		t.Fatalf("fresh out/ reported as drift: %+v", d)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// BenchmarkWriteNew writes n new files into an empty out/: the first build
// of a large model.
func BenchmarkWriteNew(b *testing.B) {
	for _, n := range []int{250, 6500} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			p := Plan{Files: map[string][]byte{}, Owners: map[string][]string{}, Scope: []string{"dev"}}
			for i := range n {
				name := fmt.Sprintf("kubernetes/base/c%d/deployment-s%d.yaml", i%20, i)
				p.Files[name] = []byte(strings.Repeat("line of yaml\n", 20))
				p.Owners[name] = []string{"dev"}
			}
			for i := 0; i < b.N; i++ {
				out := filepath.Join(b.TempDir(), "out")
				if _, err := Write(out, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
