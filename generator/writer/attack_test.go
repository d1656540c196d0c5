package writer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// sandbox is a directory holding out/ and files that must never change: a
// victim tree beside out/ and a file above it. state records every path of
// the sandbox outside out/ and .degen/ with its content, mode and mtime.
type sandbox struct {
	root, out, victim string
}

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	root := t.TempDir()
	s := &sandbox{root: root, out: filepath.Join(root, "work", "out"), victim: filepath.Join(root, "victim")}
	for _, d := range []string{filepath.Join(root, "work"), s.victim, filepath.Join(s.victim, "compose")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(s.victim, "x"), filepath.Join(s.victim, "compose", "base.yml"), filepath.Join(root, "above"), filepath.Join(root, "work", "model.cue")} {
		if err := os.WriteFile(f, []byte("precious\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *sandbox) state(t testing.TB) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == s.out || d.Name() == ScratchDir {
			return filepath.SkipDir
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", p, info.Mode())
		if p != filepath.Dir(s.out) { // out/'s parent changes as out/ and .degen/ are replaced
			line += fmt.Sprintf(" %d", info.ModTime().UnixNano())
		}
		if info.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:8])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func (s *sandbox) assertOutsideUnchanged(t testing.TB, before string) {
	t.Helper()
	if after := s.state(t); after != before {
		t.Fatalf("a path outside out/ changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestAttackSymlinkedDirectoryInOut(t *testing.T) {
	s := newSandbox(t)
	write(t, s.out, plan("dev", "flags/dev/flags.json", "{}\n"))
	outBefore := tree(t, s.out)
	if err := os.Symlink(filepath.Join(s.victim, "compose"), filepath.Join(s.out, "compose")); err != nil {
		t.Fatal(err)
	}
	before := s.state(t)
	_, err := Write(s.out, plan("dev", "compose/base.yml", "evil\n", "flags/dev/flags.json", "{}\n"))
	var le *LinkError
	if !errors.As(err, &le) || le.Path != "compose" || !strings.Contains(err.Error(), "replace it with a real directory") {
		t.Fatalf("err = %v, want a LinkError naming out/compose with advice", err)
	}
	s.assertOutsideUnchanged(t, before)
	os.Remove(filepath.Join(s.out, "compose"))
	if !equal(outBefore, tree(t, s.out)) {
		t.Fatal("out/ changed")
	}
	// Also a link to a file, and one deeper in the tree.
	os.Symlink(filepath.Join(s.victim, "x"), filepath.Join(s.out, "flags", "dev", "x"))
	if _, err := Write(s.out, plan("dev", "flags/dev/flags.json", "{\"a\":1}\n")); !errors.As(err, &le) || le.Path != "flags/dev/x" {
		t.Fatalf("err = %v, want a LinkError naming out/flags/dev/x", err)
	}
	s.assertOutsideUnchanged(t, before)
}

func TestAttackCraftedIndex(t *testing.T) {
	sum := Sum([]byte("precious\n"))
	for name, entry := range map[string]string{
		"parent":       "../../victim/x",
		"deep parent":  strings.Repeat("../", 20) + "etc/passwd",
		"absolute":     "/" + "VICTIM/x", // replaced below by the sandbox's absolute path
		"dot":          "./compose/base.yml",
		"inner parent": "compose/../../../victim/x",
		"empty part":   "compose//base.yml",
		"trailing":     "compose/",
		"backslash":    `..\..\victim\x`,
		"the index":    IndexName,
		"empty":        "",
	} {
		t.Run(name, func(t *testing.T) {
			s := newSandbox(t)
			write(t, s.out, plan("dev", "a.yml", "a\n"))
			if name == "absolute" {
				entry = filepath.Join(s.victim, "x")
			}
			idx := fmt.Sprintf(`{"version": 1, "files": {%q: {"sha256": %q, "envs": ["prod"]}, "a.yml": {"sha256": %q, "envs": ["dev"]}}}`, entry, sum, Sum([]byte("a\n")))
			os.WriteFile(filepath.Join(s.out, IndexName), []byte(idx), 0o644)
			before := s.state(t)
			outBefore := tree(t, s.out)
			for _, p := range []Plan{plan("dev", "a.yml", "b\n"), plan("prod", "b.yml", "b\n")} {
				_, err := Write(s.out, p)
				var ce *CorruptIndexError
				if !errors.As(err, &ce) || ce.Entry != entry {
					t.Fatalf("err = %v, want CorruptIndexError naming %q", err, entry)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("%q", entry)) {
					t.Fatalf("message does not name the entry: %v", err)
				}
			}
			if _, err := Compare(s.out, plan("dev", "a.yml", "a\n")); err == nil {
				t.Fatal("Compare trusted the index")
			}
			s.assertOutsideUnchanged(t, before)
			if !equal(outBefore, tree(t, s.out)) {
				t.Fatal("out/ changed")
			}
		})
	}
}

func TestAttackIndexDuplicateAndShape(t *testing.T) {
	a := Sum([]byte("a\n"))
	for name, idx := range map[string]string{
		"duplicate":       fmt.Sprintf(`{"version":1,"files":{"a.yml":{"sha256":%q,"envs":["dev"]},"a.yml":{"sha256":%q,"envs":["dev"]}}}`, a, a),
		"file under file": fmt.Sprintf(`{"version":1,"files":{"a.yml":{"sha256":%q,"envs":["dev"]},"a.yml/b":{"sha256":%q,"envs":["dev"]}}}`, a, a),
		"bad hash":        `{"version":1,"files":{"a.yml":{"sha256":"xyz","envs":["dev"]}}}`,
		"no envs":         fmt.Sprintf(`{"version":1,"files":{"a.yml":{"sha256":%q,"envs":[]}}}`, a),
		"bad env":         fmt.Sprintf(`{"version":1,"files":{"a.yml":{"sha256":%q,"envs":["../x"]}}}`, a),
		"unknown field":   fmt.Sprintf(`{"version":1,"files":{"a.yml":{"sha256":%q,"envs":["dev"],"mode":"0777"}}}`, a),
		"version":         `{"version":2,"files":{}}`,
		"trailing data":   `{"version":1,"files":{}} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseIndex([]byte(idx), "out/"+IndexName)
			var ce *CorruptIndexError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CorruptIndexError", err)
			}
		})
	}
	// The index degen writes is accepted.
	final := map[string]finalFile{"a/b.yml": {sum: a, envs: []string{"dev", "prod"}}}
	if _, err := ParseIndex(encodeIndex(final), "x"); err != nil {
		t.Fatalf("own index refused: %v", err)
	}
}

func TestAttackOutIsSymlink(t *testing.T) {
	s := newSandbox(t)
	if err := os.Symlink(s.victim, s.out); err != nil {
		t.Fatal(err)
	}
	before := s.state(t)
	_, err := Write(s.out, plan("dev", "x", "evil\n", "compose/base.yml", "evil\n"))
	var oe *OutError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v, want an OutError saying out/ is a symbolic link", err)
	}
	if err := CheckOut(s.out, ""); !errors.As(err, &oe) {
		t.Fatalf("CheckOut = %v, want OutError", err)
	}
	if st, err := os.Lstat(s.out); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the link out/ was replaced")
	}
	s.assertOutsideUnchanged(t, before)
	if _, err := ReadIndex(s.out); !errors.As(err, &oe) {
		t.Fatalf("ReadIndex through a linked out/ = %v, want OutError", err)
	}
}

func TestAttackScratchIsSymlink(t *testing.T) {
	s := newSandbox(t)
	if err := os.Symlink(s.victim, filepath.Join(filepath.Dir(s.out), ScratchDir)); err != nil {
		t.Fatal(err)
	}
	before := s.state(t)
	var oe *OutError
	if _, err := Write(s.out, plan("dev", "a.yml", "a\n")); !errors.As(err, &oe) {
		t.Fatalf("err = %v, want OutError for the linked %s", err, ScratchDir)
	}
	s.assertOutsideUnchanged(t, before)
}

// TestAttackScratchFilesAreLinks: a committed .degen/ whose lock and
// .gitignore are links out of the repository: neither is followed, so
// nothing is created or written where they point.
func TestAttackScratchFilesAreLinks(t *testing.T) {
	s := newSandbox(t)
	scratch := filepath.Join(filepath.Dir(s.out), ScratchDir)
	if err := os.Mkdir(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"lock": "created-by-lock", ".gitignore": "x"} {
		if err := os.Symlink(filepath.Join(s.victim, target), filepath.Join(scratch, name)); err != nil {
			t.Fatal(err)
		}
	}
	before := s.state(t)
	_, err := Write(s.out, plan("dev", "a.yml", "a\n"))
	s.assertOutsideUnchanged(t, before)
	if err == nil || !strings.Contains(err.Error(), "lock") {
		t.Fatalf("err = %v, want the linked lock refused", err)
	}
}

func TestCheckOutRefusesModelAndDevices(t *testing.T) {
	root := t.TempDir()
	model := filepath.Join(root, "repo", "model")
	for _, d := range []string{filepath.Join(root, "repo", ".git"), filepath.Join(model, "envs"), filepath.Join(model, "cue.mod")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(model, "envs", "prod.cue"), []byte("package envs\n"), 0o644)
	os.WriteFile(filepath.Join(root, "file"), nil, 0o644)
	for _, out := range []string{
		model,                        // --out .
		filepath.Join(model, ".."),   // contains the model
		filepath.Join(root, "repo"),  // the repository root
		"/",                          // the root
		filepath.Join(model, "envs"), // holds the model's CUE files
		filepath.Join(model, "cue.mod"),
		filepath.Join(root, "file"), // not a directory
		"/dev/null",                 // a device
		filepath.Join(root, "missing", "out"),
		filepath.Join(model, ScratchDir, "out"),
	} {
		err := CheckOut(out, model)
		var oe *OutError
		if !errors.As(err, &oe) {
			t.Errorf("CheckOut(%s) = %v, want OutError", out, err)
		}
	}
	if _, err := os.Lstat("/dev/" + ScratchDir); err == nil {
		t.Fatalf("/dev/%s exists", ScratchDir)
	}
	for _, out := range []string{filepath.Join(model, "out"), filepath.Join(root, "elsewhere")} {
		if err := CheckOut(out, model); err != nil {
			t.Errorf("CheckOut(%s) = %v, want nil", out, err)
		}
	}
	// Write itself refuses what needs no model to judge.
	if _, err := Write("/dev/null", plan("dev", "a.yml", "a\n")); err == nil {
		t.Fatal("Write into /dev/null succeeded")
	}
	if _, err := os.Lstat("/dev/" + ScratchDir); err == nil {
		t.Fatalf("Write created /dev/%s", ScratchDir)
	}
}

func TestWriteFixedModesWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	out := filepath.Join(t.TempDir(), "out")
	write(t, out, plan("dev", "compose/dev/base.yml", "a\n", "flags.json", "{}\n"))
	check := func() {
		t.Helper()
		filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			info, _ := os.Lstat(p)
			want := FileMode
			if d.IsDir() {
				want = DirMode | fs.ModeDir
			}
			if info.Mode() != want {
				t.Errorf("%s: mode %v, want %v", p, info.Mode(), want)
			}
			return nil
		})
	}
	check()
	// A generated file whose mode drifted is rewritten, even with the same bytes.
	os.Chmod(filepath.Join(out, "flags.json"), 0o600)
	rep := write(t, out, plan("dev", "compose/dev/base.yml", "a\n", "flags.json", "{}\n"))
	if strings.Join(rep.Written, ",") != "flags.json" {
		t.Fatalf("written = %v, want flags.json", rep.Written)
	}
	check()
}

func TestWriteRefusesFileWhereDirectoryGoes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "compose"), []byte("mine\n"), 0o644)
	_, err := Write(out, plan("dev", "compose/base.yml", "a\n"))
	var fe *ForeignFileError
	if !errors.As(err, &fe) || strings.Join(fe.Paths, ",") != "out/compose" {
		t.Fatalf("err = %v, want ForeignFileError for out/compose", err)
	}
}

// FuzzParseIndex: whatever the bytes, the reader returns an error or an
// index whose every entry is a canonical path inside out/.
func FuzzParseIndex(f *testing.F) {
	a := Sum([]byte("a\n"))
	f.Add([]byte(fmt.Sprintf(`{"version":1,"files":{"a.yml":{"sha256":%q,"envs":["dev"]}}}`, a)))
	f.Add([]byte(fmt.Sprintf(`{"version":1,"files":{"../x":{"sha256":%q,"envs":["dev"]}}}`, a)))
	f.Add([]byte(`{"version":1,"files":{}}`))
	f.Add([]byte(`{"files":{"a":1,"a":2},"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex(data, "idx")
		if err != nil {
			return
		}
		for p := range idx.Files {
			if !filepath.IsLocal(filepath.FromSlash(p)) || filepath.Clean(p) != p || strings.Contains(p, "\\") {
				t.Fatalf("accepted entry %q", p)
			}
		}
	})
}

// FuzzWritePath puts an arbitrary path into the index (for an environment
// not built) and into the plan, and checks that nothing outside out/ changes.
func FuzzWritePath(f *testing.F) {
	for _, p := range []string{"a.yml", "../victim/x", "../../victim/x", "/etc/passwd", "compose/../../above", "compose", "x/./y", ".degen-index.json", "c/\x00"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		s := newSandbox(t)
		write(t, s.out, plan("dev", "a.yml", "a\n"))
		idx := fmt.Sprintf(`{"version":1,"files":{%q:{"sha256":%q,"envs":["prod"]}}}`, p, Sum([]byte("precious\n")))
		before := s.state(t)
		Write(s.out, plan("dev", p, "evil\n"))
		s.assertOutsideUnchanged(t, before)
		os.WriteFile(filepath.Join(s.out, IndexName), []byte(idx), 0o644)
		Write(s.out, plan("dev", "b.yml", "b\n"))
		Write(s.out, plan("prod", "b.yml", "b\n"))
		s.assertOutsideUnchanged(t, before)
	})
}
