package cache

import (
	"os"
	"path/filepath"
	"testing"
)

// TestHashPathConfined: the cache hashes an input through the model's
// confined view: a path or link out of the model root, or into .git/,
// hashes as "missing" (nothing outside is read), and a file reached
// through a link inside the root is part of the hash.
func TestHashPathConfined(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "model")
	for _, d := range []string{"charts/c/files", "ext", ".git/c"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(top, "canary"), "outside")
	write(filepath.Join(root, "charts", "c", "Chart.yaml"), "name: c\n")
	write(filepath.Join(root, "ext", "real"), "one")
	write(filepath.Join(root, ".git", "c", "Chart.yaml"), "name: c\n")
	for l, target := range map[string]string{
		"charts/c/files/in": "../../../ext/real",
		"charts/out":        "../../canary",
		"charts/abs":        filepath.Join(top, "canary"),
	} {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(l))); err != nil {
			t.Fatal(err)
		}
	}
	for _, rel := range []string{"../canary", filepath.Join(top, "canary"), "charts/out", "charts/abs", ".git/c"} {
		if h := HashPath(root, rel); h != "missing" {
			t.Errorf("HashPath(%q) = %s, want missing", rel, h)
		}
	}
	before := HashPath(root, "charts/c")
	write(filepath.Join(root, "ext", "real"), "two")
	if HashPath(root, "charts/c") == before {
		t.Error("a file the chart links to changed, and its hash did not")
	}
}
