package repofs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sandbox lays out a repository beside a canary outside it.
func sandbox(t *testing.T) (repo, canary string) {
	t.Helper()
	top := t.TempDir()
	repo = filepath.Join(top, "repo")
	canary = filepath.Join(top, "canary.txt")
	must(t, os.WriteFile(canary, []byte("CANARY"), 0o644))
	for _, d := range []string{"envs", ".git", ".degen", "charts/c/templates", "infra"} {
		must(t, os.MkdirAll(filepath.Join(repo, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(repo, ".git", "config"), []byte("token"), 0o644))
	must(t, os.WriteFile(filepath.Join(repo, "envs", "a.cue"), []byte("package envs"), 0o644))
	must(t, os.WriteFile(filepath.Join(repo, "infra", "big"), make([]byte, 200), 0o644))
	must(t, os.WriteFile(filepath.Join(repo, "charts", "c", "Chart.yaml"), []byte("name: c"), 0o644))
	links := map[string]string{
		"envs/in.cue":                "a.cue",               // inside: fine
		"envs/abs.txt":               canary,                // absolute, outside
		"envs/up.txt":                "../../canary.txt",    // relative, outside
		"envs/git.txt":               "../.git/config",      // inside, but private
		"envs/loop":                  "loop",                // a loop
		"charts/c/templates/out.txt": "../../../envs/a.cue", // leaves the chart
		"charts/c/templates/in.txt":  "../Chart.yaml",       // stays in the chart
		"absin.cue":                  filepath.Join(repo, "envs", "a.cue"),
	}
	for l, target := range links {
		must(t, os.Symlink(target, filepath.Join(repo, filepath.FromSlash(l))))
	}
	return repo, canary
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConfinedReads(t *testing.T) {
	repo, _ := sandbox(t)
	r, err := Open(repo, 100)
	must(t, err)
	defer r.Close()
	for _, ok := range []string{"envs/a.cue", "envs/in.cue", "absin.cue", "charts/c/templates/in.txt"} {
		if _, err := r.ReadFile(ok); err != nil {
			t.Errorf("ReadFile(%s): %v", ok, err)
		}
	}
	for _, bad := range []string{"/etc/passwd", "../canary.txt", "envs/../../canary.txt", "envs/abs.txt", "envs/up.txt",
		"envs/git.txt", ".git/config", ".degen/x", "./.git/config", "envs/loop", "infra/big", "envs", "nope.cue", ""} {
		data, err := r.ReadFile(bad)
		if err == nil {
			t.Errorf("ReadFile(%q) = %q, want an error", bad, data)
			continue
		}
		var re *Error
		if !errors.As(err, &re) {
			t.Errorf("ReadFile(%q): %v is not a *repofs.Error", bad, err)
		}
	}
	if _, err := fs.ReadFile(r.FS(), "envs/up.txt"); err == nil {
		t.Error("FS().Open followed a link out of the root")
	}
	if _, err := fs.ReadFile(r.FS(), "envs/a.cue"); err != nil {
		t.Error(err)
	}
}

func TestSubConfinesToItsDirectory(t *testing.T) {
	repo, _ := sandbox(t)
	r, err := Open(repo, 100)
	must(t, err)
	defer r.Close()
	c, err := r.Sub("charts/c", 100)
	must(t, err)
	defer c.Close()
	if _, err := c.ReadFile("templates/in.txt"); err != nil {
		t.Errorf("a link inside the chart: %v", err)
	}
	if data, err := c.ReadFile("templates/out.txt"); err == nil {
		t.Errorf("a link leaving the chart was read: %q", data)
	}
	var names []string
	err = c.Walk(".", 1000, func(rel string, _ []byte) error { names = append(names, rel); return nil })
	if err == nil {
		t.Errorf("Walk read %v through a link leaving the chart", names)
	}
	if err := r.Walk("charts/c", 5, func(string, []byte) error { return nil }); err == nil {
		t.Error("Walk over its total: no error")
	}
	// WalkSkip: a skipped directory is neither read nor counted (so a link
	// leaving the view inside it is no error), and a Sub view's total is
	// reported at the view's directory.
	names = nil
	skip := func(rel string, fi fs.FileInfo) bool { return rel == "templates" && fi.IsDir() }
	must(t, c.WalkSkip(".", 1000, skip, func(rel string, _ []byte) error { names = append(names, rel); return nil }))
	if len(names) != 1 || names[0] != "Chart.yaml" {
		t.Errorf("WalkSkip read %v, want [Chart.yaml]", names)
	}
	err = c.WalkSkip(".", 3, skip, func(string, []byte) error { return nil })
	var re *Error
	if !errors.As(err, &re) || re.Path != "charts/c" {
		t.Errorf("over the total: %v, want an error at charts/c", err)
	}
}

// TestReasons: a link into .git/ says it leads there; a file over the
// limit carries ErrTooLarge.
func TestReasons(t *testing.T) {
	repo, _ := sandbox(t)
	r, err := Open(repo, 100)
	must(t, err)
	defer r.Close()
	var re *Error
	if _, err := r.ReadFile("envs/git.txt"); !errors.As(err, &re) || !strings.Contains(re.Reason, "leads through a symbolic link into .git/") {
		t.Errorf("envs/git.txt: %v", err)
	}
	if _, err := r.ReadFile(".git/config"); !errors.As(err, &re) || !strings.HasPrefix(re.Reason, "is under .git/") {
		t.Errorf(".git/config: %v", err)
	}
	if _, err := r.ReadFile("infra/big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("infra/big: %v, want ErrTooLarge", err)
	}
}
