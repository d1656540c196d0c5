package cache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStoreLoadAndDistrust(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	os.MkdirAll(filepath.Join(model, "envs"), 0o755)
	os.MkdirAll(filepath.Join(model, "charts", "c"), 0o755)
	os.WriteFile(filepath.Join(model, "envs", "a.cue"), []byte("package envs\n"), 0o644)
	os.WriteFile(filepath.Join(model, "charts", "c", "Chart.yaml"), []byte("name: c\n"), 0o644)
	scratch := filepath.Join(model, ".degen")
	key, err := Key(model, filepath.Join(model, "out"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &Entry{Files: map[string][]byte{"a.yml": []byte("a\n")}, Inputs: map[string]string{"charts/c": HashPath(model, "charts/c")}}
	if err := Store(scratch, key, e); err != nil {
		t.Fatal(err)
	}
	got := Load(scratch, model, key)
	if got == nil || string(got.Files["a.yml"]) != "a\n" {
		t.Fatalf("stored entry not loaded: %+v", got)
	}
	// A chart that changed makes the entry stale.
	os.WriteFile(filepath.Join(model, "charts", "c", "Chart.yaml"), []byte("name: d\n"), 0o644)
	if Load(scratch, model, key) != nil {
		t.Fatal("entry used although its chart changed")
	}
	os.WriteFile(filepath.Join(model, "charts", "c", "Chart.yaml"), []byte("name: c\n"), 0o644)
	// A CUE file that changed changes the key; a non-CUE file does not.
	os.WriteFile(filepath.Join(model, "notes.txt"), []byte("x"), 0o644)
	if k, _ := Key(model, filepath.Join(model, "out"), nil); k != key {
		t.Fatal("a non-CUE file changed the key")
	}
	os.WriteFile(filepath.Join(model, "envs", "a.cue"), []byte("package envs\nx: 1\n"), 0o644)
	if k, _ := Key(model, filepath.Join(model, "out"), nil); k == key {
		t.Fatal("an edited CUE file kept the key")
	}
	if k, _ := Key(model, filepath.Join(model, "out"), []string{"prod"}); k == key {
		t.Fatal("another environment selection kept the key")
	}
	// Truncated, edited, another version or another key: ignored.
	p := path(scratch, key)
	data, _ := os.ReadFile(p)
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/2],
		"edited":    []byte(string(data[:20]) + "X" + string(data[21:])),
		"version":   []byte(`{"version":99}`),
	} {
		os.WriteFile(p, bad, 0o644)
		if Load(scratch, model, key) != nil {
			t.Errorf("%s entry trusted", name)
		}
	}
	os.WriteFile(p, data, 0o644)
	if Load(scratch, model, "other") != nil {
		t.Error("entry of another key trusted")
	}
}
