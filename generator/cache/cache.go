// Package cache keeps the result of a build under .degen/cache, next to
// out/ (never under it, never committed), so that a build whose inputs have
// not changed skips evaluating the model. An entry is keyed on the bytes of
// every CUE file of the model directory (out/, .degen/ and .git/ left out),
// the environments asked for and the identity of the degen binary. It is
// trusted only when it decodes, carries that key and its own checksum
// matches: a truncated, edited or foreign entry is ignored and the build
// runs for real. The key covers every .cue file of the model directory;
// other files a build reads (Helm charts of components, repository files
// services mount as config files) are listed in the
// entry with their hashes and checked again before it is used. Entries are written to a temporary file and renamed, so a
// build killed while writing leaves no partial entry under its name.
//
// degen check and degen vet never read the cache: CI must judge what the
// model generates now.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
)

// Version is the entry format; an entry of another version is ignored.
const Version = 1

// Dir is the cache directory inside degen's scratch directory.
const Dir = "cache"

// Limits past which a model is not cached (hashing would cost more than
// it saves).
const (
	maxFiles = 20000
	maxBytes = 64 << 20
)

// ErrTooLarge says the model directory is too large to key cheaply.
var ErrTooLarge = errors.New("model directory too large to cache")

// Entry is one build's result.
type Entry struct {
	Version int    `json:"version"`
	Key     string `json:"key"`
	// SecretVars are the variables of the model's secrets: the leak check
	// looks for their values in the shell, so an entry is only used while
	// none of them is set.
	SecretVars []string            `json:"secretVars"`
	Files      map[string][]byte   `json:"files"`
	Owners     map[string][]string `json:"owners"`
	Envs       []string            `json:"envs"`
	Warnings   []target.Warning    `json:"warnings"`
	Violations []policy.Violation  `json:"violations"`
	// Inputs are the other files and directories the build read, relative
	// to the model directory (Helm charts), with their hashes (HashPath).
	Inputs map[string]string `json:"inputs,omitempty"`
	// Sum is the SHA-256 of the entry encoded with Sum empty.
	Sum string `json:"sum"`
}

// Key hashes what a build of the model at dir reads: every .cue file under
// dir except those under out, .degen and .git, by relative path and
// content, with envs (nil for all), the binary's identity and extra (what
// else the output depends on, e.g. where out/ lies).
func Key(dir, out string, envs []string, extra ...string) (string, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "degen-cache %d\n%s\n", Version, binaryID())
	sorted := append([]string(nil), envs...)
	sort.Strings(sorted)
	fmt.Fprintf(h, "envs %q\n", sorted)
	fmt.Fprintf(h, "extra %q\n", extra)
	files, total := 0, int64(0)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == absOut || (p != root && (d.Name() == ".degen" || d.Name() == ".git")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(d.Name(), ".cue") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		total += info.Size()
		if files > maxFiles || total > maxBytes {
			return ErrTooLarge
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "file %q %d\n", filepath.ToSlash(rel), info.Size())
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// binaryID names the running degen: its build info and, as the module
// version does not change with every edit of a development build, the
// executable's path, size and modification time.
func binaryID() string {
	var b strings.Builder
	if bi, ok := debug.ReadBuildInfo(); ok {
		b.WriteString(bi.Main.Path + "@" + bi.Main.Version)
		for _, s := range bi.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				b.WriteString(" " + s.Key + "=" + s.Value)
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			fmt.Fprintf(&b, " %s %d %d", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}

func path(scratch, key string) string { return filepath.Join(scratch, Dir, key+".json") }

// HashPath hashes the file or directory tree at rel under dir (every
// regular file by path and content); a missing path hashes as "missing".
func HashPath(dir, rel string) string {
	root := filepath.Join(dir, filepath.FromSlash(rel))
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "file %q %d\n", filepath.ToSlash(r), len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "missing"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Load returns the entry for key, or nil when there is none or it cannot be
// trusted: it does not decode, is of another version or key, its checksum
// does not match, or an input it lists changed since (dir is the model
// directory).
func Load(scratch, dir, key string) *Entry {
	data, err := os.ReadFile(path(scratch, key))
	if err != nil {
		return nil
	}
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil || e.Version != Version || e.Key != key {
		return nil
	}
	want := e.Sum
	if got, err := e.checksum(); err != nil || got != want {
		return nil
	}
	for rel, sum := range e.Inputs {
		if HashPath(dir, rel) != sum {
			return nil
		}
	}
	return &e
}

// Store writes e under key, replacing the model's other entries: one
// entry per environment selection is all a build needs.
func Store(scratch, key string, e *Entry) error {
	e.Version, e.Key = Version, key
	sum, err := e.checksum()
	if err != nil {
		return err
	}
	e.Sum = sum
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	dir := filepath.Join(scratch, Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path(scratch, key)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	prune(dir, key)
	return nil
}

// prune keeps the newest entries (and removes stale temporary files), so
// the cache does not grow with every edit.
func prune(dir, keep string) {
	const max = 8
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type aged struct {
		name string
		mod  int64
	}
	var list []aged
	for _, d := range ents {
		info, err := d.Info()
		if err != nil {
			continue
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			os.Remove(filepath.Join(dir, d.Name()))
			continue
		}
		if d.Name() != keep+".json" {
			list = append(list, aged{d.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].mod > list[j].mod })
	for i, a := range list {
		if i >= max-1 {
			os.Remove(filepath.Join(dir, a.name))
		}
	}
}

func (e *Entry) checksum() (string, error) {
	c := *e
	c.Sum = ""
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:]), nil
}
