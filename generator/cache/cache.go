// Package cache keeps what a build made of each CUE instance of a model
// (each environment, and the base) under .degen/cache, next to out/ (never
// under it, never committed), so that a build evaluates only the instances
// whose inputs changed: after an edit of envs/prod.cue, prod alone.
//
// An entry is content-addressed: its key hashes the bytes of every CUE file
// the instance reads (a link by its target and what it leads to inside the
// model; every .cue file of the model directory except the
// files of envs/ tagged for another environment; out/, .degen/ and .git/
// left out), the instance's name, the identity of the degen binary and
// what else the output depends on (where out/ lies). Other files a build
// reads (files the CUE files embed, CUE files reached through a link, Helm
// charts, repository files mounted as config files) are listed in the
// entry with their hashes and checked again before it is used.
//
// An entry is trusted only when its checksum matches, it decodes, and it
// carries this version and its own key: a truncated, edited, foreign or
// older entry is ignored and the instance is evaluated for real. Entries
// are written to a temporary file and renamed, so a build killed while
// writing leaves no partial entry under a key.
//
// degen check and degen vet never read the cache: CI must judge what the
// model generates now.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/writer"
)

// Version is the entry format; an entry of another version is ignored.
const Version = 2

// Dir is the cache directory inside degen's scratch directory.
const Dir = "cache"

// Limits past which a model is not cached (hashing would cost more than
// it saves).
const (
	maxFiles = 20000
	maxBytes = 64 << 20
)

// keepEntries is how many entries pruning keeps besides a build's own.
const keepEntries = 32

// ErrTooLarge says the model directory is too large to key cheaply.
var ErrTooLarge = errors.New("model directory too large to cache")

func init() {
	// What the model's free-form values (params, data) decode to.
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

// Cache is the cache of one model's builds.
type Cache struct {
	dir    string            // .degen/cache
	root   string            // the model directory
	extra  string            // the binary and what the caller adds
	hashes map[string]string // every .cue file, relative, to its hash
}

// Open hashes the CUE files of the model at root (out/ left out) for the
// cache under scratch (.degen). extra is what else the outputs depend on.
func Open(scratch, root, out string, extra ...string) (*Cache, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	c := &Cache{dir: filepath.Join(scratch, Dir), root: root, hashes: map[string]string{},
		extra: fmt.Sprintf("degen-cache %d\n%s\nextra %q\n", Version, binaryID(), extra)}
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
		if !strings.HasSuffix(d.Name(), ".cue") || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		data, err := keyedBytes(root, p, d)
		if err != nil {
			return err
		}
		files++
		total += int64(len(data))
		if files > maxFiles || total > maxBytes {
			return ErrTooLarge
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(data)
		c.hashes[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// keyedBytes is what the key hashes of the CUE file p: its bytes, or for a
// symbolic link its target and the hash of what it leads to through the
// model's confined view ("missing" when refused): never a file outside.
func keyedBytes(root, p string, d fs.DirEntry) ([]byte, error) {
	if d.Type().IsRegular() {
		return os.ReadFile(p)
	}
	target, err := os.Readlink(p)
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, p)
	return []byte("link " + target + " " + HashPath(root, filepath.ToSlash(rel))), nil
}

// Key is the key of the instance name, which reads every CUE file of the
// model but those skip refuses (paths relative to the model, slashed).
func (c *Cache) Key(name string, skip func(rel string) bool) string {
	h := sha256.New()
	fmt.Fprintf(h, "%sinstance %q\n", c.extra, name)
	rels := make([]string, 0, len(c.hashes))
	for rel := range c.hashes {
		if skip == nil || !skip(rel) {
			rels = append(rels, rel)
		}
	}
	sort.Strings(rels)
	for _, rel := range rels {
		fmt.Fprintf(h, "file %q %s\n", rel, c.hashes[rel])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Keyed reports whether the instances' keys cover the file rel (a path
// relative to the model, slashed): a .cue file of the model. A
// file an instance read that the keys do not cover (a file it embeds, a
// CUE file reached through a link) belongs in its entry's Inputs.
func (c *Cache) Keyed(rel string) bool { _, ok := c.hashes[rel]; return ok }

// File is a generated file and the target that made it.
type File struct {
	target.File
	By string
}

// Entry is what a build made of one instance.
type Entry struct {
	Version int
	Key     string
	// Env is the environment (or the base) as the loader resolved it.
	Env *model.Environment
	// Defined, for the base, are the environments the untagged files
	// define.
	Defined []string
	// Files, Warnings and Violations are the targets' and the policies'
	// findings for the environment, before acknowledgements.
	Files      []File
	Warnings   []target.Warning
	Violations []policy.Violation
	// SecretVars are the variables of the environment's secrets: the leak
	// check looks for their values in the shell, so an entry is used only
	// while none of them is set.
	SecretVars []string
	// Inputs are the other files and directories the instance's build
	// read, relative to the model directory, with their hashes (HashPath).
	Inputs map[string]string
}

func (c *Cache) path(key string) string { return filepath.Join(c.dir, key) }

// Load returns the entry for key, or nil when there is none or it cannot be
// trusted: its checksum does not match, it does not decode, it is of
// another version or key, or an input it lists changed since.
func (c *Cache) Load(key string) *Entry {
	data, err := os.ReadFile(c.path(key))
	if err != nil || len(data) < sha256.Size {
		return nil
	}
	sum, body := data[:sha256.Size], data[sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil
	}
	var e Entry
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&e); err != nil || e.Version != Version || e.Key != key || e.Env == nil {
		return nil
	}
	for rel, sum := range e.Inputs {
		if HashPath(c.root, rel) != sum {
			return nil
		}
	}
	e.Env.Root = c.root
	return &e
}

// Store writes e under its key.
func (c *Cache) Store(e *Entry) error {
	e.Version = Version
	env := *e.Env
	env.Source = nil // the loader's handle on CUE, not data
	stored := *e
	stored.Env = &env
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(&stored); err != nil {
		return err
	}
	sum := sha256.Sum256(body.Bytes())
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if err := writer.IgnoreScratch(filepath.Dir(c.dir)); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(sum[:], body.Bytes()...))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(e.Key))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Prune keeps the entries of keep and the newest others (and removes stale
// temporary files), so that the cache does not grow with every edit.
func (c *Cache) Prune(keep []string) {
	ents, err := os.ReadDir(c.dir)
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
			os.Remove(filepath.Join(c.dir, d.Name()))
			continue
		}
		if !slices.Contains(keep, d.Name()) {
			list = append(list, aged{d.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].mod > list[j].mod })
	for i, a := range list {
		if i >= keepEntries {
			os.Remove(filepath.Join(c.dir, a.name))
		}
	}
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

// HashPath hashes the file or directory tree at rel under dir (every
// regular file by path and content), read through the model's confined
// view (repofs): a symbolic link inside the model is followed, as the
// build follows it, so that editing the file it leads to changes the
// hash. A missing or refused path hashes as "missing".
func HashPath(dir, rel string) string {
	repo, err := repofs.Open(dir, maxBytes)
	if err != nil {
		return "missing"
	}
	defer repo.Close()
	st, err := repo.Stat(rel)
	if err != nil {
		return "missing"
	}
	h := sha256.New()
	if !st.IsDir() {
		data, err := repo.ReadFile(rel)
		if err != nil {
			return "missing"
		}
		fmt.Fprintf(h, "file %q %d\n", ".", len(data))
		h.Write(data)
		return hex.EncodeToString(h.Sum(nil))
	}
	top := path.Clean(rel)
	err = repo.Walk(top, maxBytes, func(p string, data []byte) error {
		r := strings.TrimPrefix(strings.TrimPrefix(p, top), "/")
		if top == "." {
			r = p
		}
		fmt.Fprintf(h, "file %q %d\n", r, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "missing"
	}
	return hex.EncodeToString(h.Sum(nil))
}
