package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/writer"
)

func TestStoreLoadAndDistrust(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "model")
	os.MkdirAll(filepath.Join(root, "envs"), 0o755)
	os.MkdirAll(filepath.Join(root, "charts", "c"), 0o755)
	os.WriteFile(filepath.Join(root, "envs", "a.cue"), []byte("package envs\n"), 0o644)
	os.WriteFile(filepath.Join(root, "envs", "prod.cue"), []byte("@if(prod)\n\npackage envs\n"), 0o644)
	os.WriteFile(filepath.Join(root, "charts", "c", "Chart.yaml"), []byte("name: c\n"), 0o644)
	cacheDir := filepath.Join(dir, "cache", "model")
	out := filepath.Join(root, "out")
	open := func() *Cache {
		t.Helper()
		c, err := Open(cacheDir, root, out, "place")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	notProd := func(rel string) bool { return rel == "envs/prod.cue" }
	c := open()
	key := c.Key("dev", notProd)
	e := &Entry{Key: key, Env: &model.Environment{Name: "dev", Params: map[string]any{"n": 1.0, "l": []any{"x"}}},
		Files:  []File{{File: target.File{Path: "a.yml", Data: []byte("a\n")}, By: "compose"}},
		Inputs: map[string]string{"charts/c": HashPath(root, "charts/c")}}
	if err := c.Store(e); err != nil {
		t.Fatal(err)
	}
	got := c.Load(key)
	if got == nil || len(got.Files) != 1 || string(got.Files[0].Data) != "a\n" || got.Env.Name != "dev" || got.Env.Root != root {
		t.Fatalf("stored entry not loaded: %+v", got)
	}
	// A chart that changed makes the entry stale.
	os.WriteFile(filepath.Join(root, "charts", "c", "Chart.yaml"), []byte("name: d\n"), 0o644)
	if c.Load(key) != nil {
		t.Fatal("entry used although its chart changed")
	}
	os.WriteFile(filepath.Join(root, "charts", "c", "Chart.yaml"), []byte("name: c\n"), 0o644)
	// A CUE file the instance reads changes its key; a file it does not
	// read, or a non-CUE file, does not.
	os.WriteFile(filepath.Join(root, "notes.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(root, "envs", "prod.cue"), []byte("@if(prod)\n\npackage envs\nx: 1\n"), 0o644)
	if k := open().Key("dev", notProd); k != key {
		t.Fatal("a file dev does not read changed its key")
	}
	if k := open().Key("prod", nil); k == c.Key("prod", nil) {
		t.Fatal("an edited file of prod kept prod's key")
	}
	os.WriteFile(filepath.Join(root, "envs", "a.cue"), []byte("package envs\nx: 1\n"), 0o644)
	if k := open().Key("dev", notProd); k == key {
		t.Fatal("an edited shared file kept the key")
	}
	if c.Key("staging", notProd) == key {
		t.Fatal("another instance has the same key")
	}
	// Truncated, edited, empty or another key: ignored.
	p := filepath.Join(cacheDir, name(key))
	data, _ := os.ReadFile(p)
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/2],
		"edited":    []byte(strings.Replace(string(data), "compose", "composx", 1)),
		"empty":     nil,
	} {
		os.WriteFile(p, bad, 0o644)
		if c.Load(key) != nil {
			t.Errorf("%s entry trusted", name)
		}
	}
	os.WriteFile(p, data, 0o644)
	if c.Load(key) == nil {
		t.Fatal("the entry restored is not trusted")
	}
	other := strings.Repeat("0", 64)
	os.WriteFile(filepath.Join(cacheDir, name(other)), data, 0o644)
	if c.Load(other) != nil {
		t.Error("entry of another key trusted")
	}
}

// TestLocation: the cache of a model lies outside it, in $DEGEN_CACHE_DIR
// or the user's cache directory, one directory per model path (symbolic
// links resolved); with neither there is no cache.
func TestLocation(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.MkdirAll(a, 0o755)
	os.MkdirAll(b, 0o755)
	os.Symlink(a, filepath.Join(dir, "link"))
	env := func(k string) string { return map[string]string{EnvDir: filepath.Join(dir, "caches")}[k] }
	la, err := Location(a, env)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(la) != filepath.Join(dir, "caches") {
		t.Errorf("Location = %s, want a directory of $%s", la, EnvDir)
	}
	if lb, _ := Location(b, env); lb == la {
		t.Error("two models share a cache directory")
	}
	if ll, _ := Location(filepath.Join(dir, "link"), env); ll != la {
		t.Errorf("a model reached through a link has another cache: %s, %s", ll, la)
	}
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "xdg"))
	if got, err := Location(a, func(string) string { return "" }); err != nil || filepath.Dir(got) != filepath.Join(dir, "xdg", "degen") {
		t.Errorf("without $%s: %s, %v; want a directory of the user cache directory's degen/", EnvDir, got, err)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if got, err := Location(a, func(string) string { return "" }); !errors.Is(err, ErrNoDir) {
		t.Errorf("without a user cache directory: %s, %v; want ErrNoDir", got, err)
	}
}

// tree is every name under dir, with the target of each link and the
// content of each file.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v", p, d.Type())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			b.WriteString(" -> " + l)
		case d.Type().IsRegular():
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, " %q", data)
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// attacked is a temporary directory holding a model root, a directory
// victim with a canary file, and the path of a cache directory (not
// created).
func attacked(t *testing.T) (root, victim, cacheDir string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "model")
	os.MkdirAll(filepath.Join(root, "envs"), 0o755)
	os.WriteFile(filepath.Join(root, "envs", "a.cue"), []byte("package envs\n"), 0o644)
	victim = filepath.Join(dir, "victim")
	os.MkdirAll(victim, 0o755)
	os.WriteFile(filepath.Join(victim, "canary"), []byte("canary"), 0o644)
	return root, victim, filepath.Join(dir, "caches", "model")
}

// TestLinkedCacheDirRefused: a cache directory (or the directory of the
// caches) that is a symbolic link is not used, and nothing is created
// where it points.
func TestLinkedCacheDirRefused(t *testing.T) {
	for _, linked := range []string{"model", "caches"} {
		t.Run(linked, func(t *testing.T) {
			root, victim, cacheDir := attacked(t)
			before := tree(t, victim)
			if linked == "model" {
				os.MkdirAll(filepath.Dir(cacheDir), 0o755)
				os.Symlink(victim, cacheDir)
			} else {
				os.Symlink(victim, filepath.Dir(cacheDir))
			}
			c, err := Open(cacheDir, root, filepath.Join(root, "out"))
			var de *DirError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "is a symbolic link") {
				if c != nil {
					c.Close()
				}
				t.Fatalf("Open = %v, want a DirError for the link", err)
			}
			if after := tree(t, victim); after != before {
				t.Fatalf("the link's target changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

// TestPruneOnlyOwnNames: pruning removes old entries and temporary files,
// and nothing else the cache directory holds: no foreign file, no
// directory, no link (and nothing where a link points).
func TestPruneOnlyOwnNames(t *testing.T) {
	root, victim, cacheDir := attacked(t)
	c, err := Open(cacheDir, root, filepath.Join(root, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hexName := strings.Repeat("a", 64)
	foreign := []string{"notes.txt", hexName, strings.Repeat("A", 64) + entrySuffix, ".tmp-123", "." + hexName + entrySuffix + ".tmp-xyz"}
	for _, f := range foreign {
		os.WriteFile(filepath.Join(cacheDir, f), []byte("foreign"), 0o644)
	}
	os.Mkdir(filepath.Join(cacheDir, strings.Repeat("b", 64)+entrySuffix), 0o755)
	os.Symlink(filepath.Join(victim, "canary"), filepath.Join(cacheDir, strings.Repeat("c", 64)+entrySuffix))
	stale := "." + strings.Repeat("d", 64) + entrySuffix + writer.TempInfix + "0123456789abcdef"
	os.WriteFile(filepath.Join(cacheDir, stale), []byte("killed"), 0o644)
	before := tree(t, victim)
	var keys []string
	for i := range keepEntries + 8 {
		key := c.Key(fmt.Sprint("env", i), nil)
		keys = append(keys, key)
		if err := c.Store(&Entry{Key: key, Env: &model.Environment{Name: "dev"}}); err != nil {
			t.Fatal(err)
		}
	}
	c.Prune(keys[:1])
	for _, f := range foreign {
		if _, err := os.Lstat(filepath.Join(cacheDir, f)); err != nil {
			t.Errorf("pruning removed the foreign file %s", f)
		}
	}
	if _, err := os.Lstat(filepath.Join(cacheDir, strings.Repeat("c", 64)+entrySuffix)); err != nil {
		t.Error("pruning removed a link")
	}
	if _, err := os.Lstat(filepath.Join(cacheDir, stale)); err == nil {
		t.Error("pruning kept a temporary file")
	}
	entries := 0
	ents, _ := os.ReadDir(cacheDir)
	for _, e := range ents {
		if _, entry, _ := ownName(e.Name()); entry && e.Type().IsRegular() {
			entries++
		}
	}
	if entries != keepEntries+1 {
		t.Errorf("%d entries after pruning, want %d", entries, keepEntries+1)
	}
	if c.Load(keys[0]) == nil {
		t.Error("pruning removed a kept entry")
	}
	if after := tree(t, victim); after != before {
		t.Fatalf("the link's target changed:\n%s\nwas\n%s", after, before)
	}
}
