package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/cache"
)

// The attacks of issue 23 on degen's writes: each runs in a sandbox
// directory holding the repository, a build cache of its own and canaries
// beside them, and checks by walking the sandbox that nothing outside the
// repository (out/ and .degen/ included) and the cache changed.

// canary is the content of every file an attack aims at.
const canary = "canary 4f1d: nothing may read, write or delete this"

// sandbox is a directory holding repo (empty), cache (this test's
// $DEGEN_CACHE_DIR), a canary file victim and a directory victims holding
// one; it returns the sandbox and the repository.
func sandbox(t *testing.T) (box, repo string) {
	t.Helper()
	box = t.TempDir()
	repo = filepath.Join(box, "repo")
	must(t, os.MkdirAll(repo, 0o755))
	t.Setenv(cache.EnvDir, filepath.Join(box, "cache"))
	must(t, os.WriteFile(filepath.Join(box, "victim"), []byte(canary), 0o644))
	must(t, os.MkdirAll(filepath.Join(box, "victims", "local"), 0o755))
	must(t, os.WriteFile(filepath.Join(box, "victims", "canary"), []byte(canary), 0o644))
	must(t, os.WriteFile(filepath.Join(box, "victims", "local", "compose.yaml"), []byte("# "+canary+"\nservices: {}\n"), 0o644))
	return box, repo
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// outside is the state of everything in box but repo and the cache: each
// name, link target, content hash and modification time.
func outside(t *testing.T, box string) string {
	t.Helper()
	var lines []string
	must(t, filepath.WalkDir(box, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(box, p)
		if d.IsDir() && (rel == "repo" || rel == "cache") {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v %d", filepath.ToSlash(rel), d.Type(), info.ModTime().UnixNano())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += " " + hex.EncodeToString(sum[:8])
		}
		lines = append(lines, line)
		return nil
	}))
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// untouched fails unless nothing outside the repository and the cache
// changed since before.
func untouched(t *testing.T, box, before string) {
	t.Helper()
	if after := outside(t, box); after != before {
		t.Fatalf("degen changed files outside the repository:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// noCanary fails if an output shows the canaries' content.
func noCanary(t *testing.T, what string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, "canary 4f1d") {
			t.Fatalf("%s shows a canary:\n%s", what, o)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(link), 0o755))
	must(t, os.Symlink(target, link))
}

// TestImportThroughPlantedLinks: links planted at the temporary and final
// names import compose writes, and at the directory it writes into, are
// never followed.
func TestImportThroughPlantedLinks(t *testing.T) {
	box, repo := sandbox(t)
	must(t, os.WriteFile(filepath.Join(repo, "compose.yaml"), []byte("services:\n  web:\n    image: nginx:1.27.0\n"), 0o644))
	symlink(t, "../../victim", filepath.Join(repo, "envs", "stack.cue.degen-import.tmp"))
	symlink(t, "../../victim", filepath.Join(repo, "envs", ".stack.cue.degen-import.tmp"))
	symlink(t, "../../victim", filepath.Join(repo, "envs", "local.cue"))
	symlink(t, "../../victim", filepath.Join(repo, "cue.mod", "module.cue"))
	before := outside(t, box)
	code, stdout, stderr := runDegen("import", "compose", "-f", filepath.Join(repo, "compose.yaml"), "--into", repo, "--force")
	untouched(t, box, before)
	noCanary(t, "import compose", stdout, stderr)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, f := range []string{"envs/stack.cue", "envs/local.cue"} {
		if st, err := os.Lstat(filepath.Join(repo, f)); err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s is not a regular file after import: %v", f, err)
		}
	}

	// A directory of the model that is a link out of the repository:
	// refused, nothing written.
	for _, dir := range []string{"envs", "cue.mod"} {
		must(t, os.RemoveAll(filepath.Join(repo, dir)))
		symlink(t, "../victims", filepath.Join(repo, dir))
		before = outside(t, box)
		code, stdout, stderr = runDegen("import", "compose", "-f", filepath.Join(repo, "compose.yaml"), "--into", repo, "--force")
		untouched(t, box, before)
		noCanary(t, "import compose", stdout, stderr)
		if code != exitFailure || !strings.Contains(stderr, "writing the model into") {
			t.Fatalf("import through the linked %s: exit %d, want %d\n%s%s", dir, code, exitFailure, stdout, stderr)
		}
		must(t, os.Remove(filepath.Join(repo, dir)))
	}
}

// builtRepo is a sandbox whose repository holds the default model, built
// for environment local.
func builtRepo(t *testing.T) (box, repo string) {
	t.Helper()
	box, repo = sandbox(t)
	copyModelTo(t, repo)
	if code, stdout, stderr := runDegen("build", "--env", "local", "--dir", repo); code != exitOK {
		t.Fatalf("build: exit %d\n%s%s", code, stdout, stderr)
	}
	return box, repo
}

// TestDiffPartsThroughPlantedLinks: links planted at the names diff
// --parts writes and removes are replaced or removed, never followed; a
// parts directory that is a link is refused.
func TestDiffPartsThroughPlantedLinks(t *testing.T) {
	box, repo := builtRepo(t)
	parts := filepath.Join(repo, "diff-parts")
	symlink(t, "../../victim", filepath.Join(parts, "part-1.md"))
	symlink(t, "../../victim", filepath.Join(parts, "part-7.md"))
	symlink(t, "../../victims/canary", filepath.Join(parts, "part-8.md"))
	before := outside(t, box)
	code, stdout, stderr := runDegen("diff", "--env", "local", "--dir", repo, "--format", "markdown", "--parts", parts)
	untouched(t, box, before)
	noCanary(t, "diff --parts", stdout, stderr)
	if code != 0 && code != exitDiffDifferent {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	ents, err := os.ReadDir(parts)
	must(t, err)
	if len(ents) != 1 || ents[0].Name() != "part-1.md" || !ents[0].Type().IsRegular() {
		t.Fatalf("diff-parts holds %v, want the regular file part-1.md alone", ents)
	}

	must(t, os.RemoveAll(parts))
	symlink(t, "../victims", parts)
	before = outside(t, box)
	code, stdout, stderr = runDegen("diff", "--env", "local", "--dir", repo, "--format", "markdown", "--parts", parts)
	untouched(t, box, before)
	if code != exitDiffError || !strings.Contains(stderr, "is a symbolic link") {
		t.Fatalf("diff --parts into a link: exit %d, want %d and the link named\n%s", code, exitDiffError, stderr)
	}
}

// TestDiffRefusesLinkInOut: degen diff reads nothing through a link inside
// out/, which build and check refuse too: it exits 2 with build's advice
// and shows nothing of what the link points to.
func TestDiffRefusesLinkInOut(t *testing.T) {
	for _, c := range []struct{ link, target string }{
		{"out/compose", "../../victims"},
		{"out/compose/local/compose.yaml", "../../../../victim"},
	} {
		t.Run(c.link, func(t *testing.T) {
			box, repo := builtRepo(t)
			link := filepath.Join(repo, filepath.FromSlash(c.link))
			must(t, os.RemoveAll(link))
			symlink(t, c.target, link)
			before := outside(t, box)
			code, buildOut, buildErr := runDegen("build", "--env", "local", "--dir", repo)
			if code == exitOK {
				t.Fatalf("build through %s succeeded", c.link)
			}
			_, advice, _ := strings.Cut(strings.TrimSpace(buildErr), "out: ") // after "writing ./out: "
			code, stdout, stderr := runDegen("diff", "--env", "local", "--dir", repo)
			untouched(t, box, before)
			noCanary(t, "diff", buildOut, buildErr, stdout, stderr)
			if code != exitDiffError || !strings.Contains(stderr, advice) || !strings.Contains(advice, "symbolic link") {
				t.Fatalf("diff: exit %d, want %d with build's advice %q\nstdout: %s\nstderr: %s", code, exitDiffError, advice, stdout, stderr)
			}
			for _, format := range []string{"markdown", "json"} {
				code, stdout, stderr := runDegen("diff", "--env", "local", "--dir", repo, "--format", format)
				noCanary(t, "diff --format "+format, stdout, stderr)
				if code != exitDiffError {
					t.Fatalf("diff --format %s: exit %d, want %d", format, code, exitDiffError)
				}
			}
		})
	}
}

// TestForgedCacheEntryInRepo: an entry the repository commits under
// .degen/cache, edited, with its checksum recomputed, is never trusted:
// the cache is not in the repository.
func TestForgedCacheEntryInRepo(t *testing.T) {
	box, repo := builtRepo(t)
	entries, err := filepath.Glob(filepath.Join(box, "cache", "*", "*"))
	must(t, err)
	if len(entries) == 0 {
		t.Fatal("the build wrote no cache entry")
	}
	forged := filepath.Join(repo, ".degen", "cache")
	must(t, os.MkdirAll(forged, 0o755))
	edits := 0
	for _, e := range entries {
		data, err := os.ReadFile(e)
		must(t, err)
		body := bytes.ReplaceAll(data[sha256.Size:], []byte("nginx"), []byte("evilx"))
		if !bytes.Equal(body, data[sha256.Size:]) {
			edits++
		}
		sum := sha256.Sum256(body)
		entry := append(sum[:], body...)
		// Under the entry's name and its bare key, as degen once named them.
		must(t, os.WriteFile(filepath.Join(forged, filepath.Base(e)), entry, 0o644))
		must(t, os.WriteFile(filepath.Join(forged, strings.TrimSuffix(filepath.Base(e), ".entry")), entry, 0o644))
	}
	if edits == 0 {
		t.Fatal("no entry names nginx; the test would prove nothing")
	}
	// The cache a pull request cannot reach is gone: only the forged
	// entries are left.
	must(t, os.RemoveAll(filepath.Join(box, "cache")))
	code, stdout, stderr := runDegen("build", "--env", "local", "--dir", repo)
	if code != exitOK || strings.Contains(stdout, "from the build cache") {
		t.Fatalf("build: exit %d, want a build evaluated for real\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runDegen("check", "--env", "local", "--dir", repo); code != exitOK {
		t.Fatalf("check after a build beside forged entries: exit %d\n%s%s", code, stdout, stderr)
	}
	must(t, filepath.WalkDir(filepath.Join(repo, "out"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if bytes.Contains(data, []byte("evilx")) {
			t.Errorf("%s holds the forged entry's content", p)
		}
		return err
	}))
}
