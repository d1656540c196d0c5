package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

func TestStoreLoadAndDistrust(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "model")
	os.MkdirAll(filepath.Join(root, "envs"), 0o755)
	os.MkdirAll(filepath.Join(root, "charts", "c"), 0o755)
	os.WriteFile(filepath.Join(root, "envs", "a.cue"), []byte("package envs\n"), 0o644)
	os.WriteFile(filepath.Join(root, "envs", "prod.cue"), []byte("@if(prod)\n\npackage envs\n"), 0o644)
	os.WriteFile(filepath.Join(root, "charts", "c", "Chart.yaml"), []byte("name: c\n"), 0o644)
	scratch := filepath.Join(root, ".degen")
	out := filepath.Join(root, "out")
	open := func() *Cache {
		t.Helper()
		c, err := Open(scratch, root, out, "place")
		if err != nil {
			t.Fatal(err)
		}
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
	p := c.path(key)
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
	os.WriteFile(c.path("other"), data, 0o644)
	if c.Load("other") != nil {
		t.Error("entry of another key trusted")
	}
}
