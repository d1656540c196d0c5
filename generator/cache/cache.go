// Package cache keeps what a build made of each CUE instance of a model
// (each environment, and the base) in the user's cache directory, outside
// the repository (Location), so that a build evaluates only the instances
// whose inputs changed: after an edit of envs/prod.cue, prod alone. As the
// cache is not in the repository, a pull request can neither plant an
// entry nor make degen write or delete through a link it commits: a
// .degen/cache in the repository is never read, written or removed.
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
// older entry is ignored and the instance is evaluated for real. Every
// file operation goes through an os.Root opened on the model's cache
// directory, which must be a real directory, not a symbolic link. Entries
// are written to a temporary file (O_EXCL, writer.CreateTemp) and renamed,
// so a build killed while writing leaves no partial entry under a key, and
// pruning removes only names of the cache's own formats.
//
// degen check and degen vet never read the cache: CI must judge what the
// model generates now.
package cache

import (
	"bytes"
	"cmp"
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
const Version = 3

// EnvDir is the environment variable that names the directory of degen's
// build caches, instead of degen/ in the user's cache directory
// (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches
// on macOS, %LocalAppData% on Windows).
const EnvDir = "DEGEN_CACHE_DIR"

// entrySuffix ends the name of an entry, after its key (64 hex digits).
const entrySuffix = ".entry"

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

// ErrNoDir says there is no user cache directory (no $HOME) and no
// $DEGEN_CACHE_DIR: a build runs without a cache.
var ErrNoDir = errors.New("no cache directory")

func init() {
	// What the model's free-form values (params, data) decode to.
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

// Cache is the cache of one model's builds.
type Cache struct {
	dir    *os.Root          // the model's cache directory
	root   string            // the model directory
	extra  string            // the binary and what the caller adds
	hashes map[string]string // every .cue file, relative, to its hash
}

// Location is the cache directory of the model at root: a directory named
// by the hex SHA-256 of root's absolute path, symbolic links resolved, in
// $DEGEN_CACHE_DIR (looked up with getenv) or else in degen/ of the user's
// cache directory. It is ErrNoDir when there is neither.
func Location(root string, getenv func(string) string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	base := getenv(EnvDir)
	if base == "" {
		user, err := os.UserCacheDir()
		if err != nil {
			return "", ErrNoDir
		}
		base = filepath.Join(user, "degen")
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(base, hex.EncodeToString(sum[:])), nil
}

// DirError says why a cache directory is not used.
type DirError struct {
	Dir    string
	Reason string
}

func (e *DirError) Error() string { return e.Dir + " " + e.Reason }

// openDir creates dir (and its parent) unless they exist, and opens it.
// dir and its parent, which degen creates, must be real directories: a
// symbolic link at either is a *DirError.
func openDir(dir string) (*os.Root, error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	for _, d := range []string{parent, dir} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		st, err := os.Lstat(d)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			kind := "symbolic link"
			if st.Mode()&fs.ModeSymlink == 0 {
				kind = "file"
			}
			return nil, &DirError{Dir: d, Reason: "is a " + kind + ", not a directory: degen keeps its build cache in a directory of its own; remove it"}
		}
	}
	p, err := os.OpenRoot(parent)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	// Through the parent, so that a link that replaced dir since is
	// followed nowhere outside it.
	return p.OpenRoot(filepath.Base(dir))
}

// Open hashes the CUE files of the model at root (out/ left out) for the
// cache in dir (Location), which it creates. extra is what else the outputs
// depend on. The caller closes the cache.
func Open(dir, root, out string, extra ...string) (*Cache, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	c := &Cache{root: root, hashes: map[string]string{},
		extra: fmt.Sprintf("degen-cache %d\n%s\nextra %q\n", Version, binaryID(), extra)}
	files, total := 0, int64(0)
	model, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer model.Close()
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
		data, err := keyedBytes(model, root, p, d)
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
	if c.dir, err = openDir(dir); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes the cache directory.
func (c *Cache) Close() error { return c.dir.Close() }

// keyedBytes is what the key hashes of the CUE file p: its bytes, or for a
// symbolic link its target and the hash of what it leads to through the
// model's confined view ("missing" when refused): never a file outside.
func keyedBytes(model *os.Root, root, p string, d fs.DirEntry) ([]byte, error) {
	rel, _ := filepath.Rel(root, p)
	if d.Type().IsRegular() {
		// A regular file WalkDir found under the model root; its size is
		// checked before it is read, so a huge file costs nothing (the
		// loader refuses it), and it is read through the model's os.Root,
		// so a file swapped for a link since the walk stays inside.
		if info, err := d.Info(); err != nil || info.Size() > maxBytes {
			return nil, cmp.Or(err, ErrTooLarge)
		}
		return model.ReadFile(rel)
	}
	target, err := os.Readlink(p)
	if err != nil {
		return nil, err
	}
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

// name is the file name of key's entry.
func name(key string) string { return key + entrySuffix }

// Load returns the entry for key, or nil when there is none or it cannot be
// trusted: its checksum does not match, it does not decode, it is of
// another version or key, or an input it lists changed since.
func (c *Cache) Load(key string) *Entry {
	if !isKey(key) {
		return nil
	}
	if st, err := c.dir.Lstat(name(key)); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	data, err := c.dir.ReadFile(name(key))
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
	if !isKey(e.Key) {
		return fmt.Errorf("cache key %q is not a key", e.Key)
	}
	tmp, err := writer.CreateTemp(c.dir, name(e.Key), append(sum[:], body.Bytes()...), 0o600)
	if err != nil {
		return err
	}
	if err := c.dir.Rename(tmp, name(e.Key)); err != nil {
		c.dir.Remove(tmp)
		return err
	}
	return nil
}

// isKey reports whether s is a key: 64 lower-case hex digits.
func isKey(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// ownName says whether name is an entry (key) or a temporary file of one
// (temp), so that pruning never removes anything else.
func ownName(n string) (key string, entry, temp bool) {
	if k, ok := strings.CutSuffix(n, entrySuffix); ok && isKey(k) {
		return k, true, false
	}
	rest, ok := strings.CutPrefix(n, ".")
	if !ok {
		return "", false, false
	}
	i := strings.Index(rest, entrySuffix+writer.TempInfix)
	if i < 0 || !isKey(rest[:i]) {
		return "", false, false
	}
	random := rest[i+len(entrySuffix+writer.TempInfix):]
	_, err := hex.DecodeString(random)
	return "", false, len(random) == 16 && err == nil
}

// Prune keeps the entries of keep and the newest others (and removes stale
// temporary files), so that the cache does not grow with every edit.
// Only names of the cache's own formats are removed, through its root.
func (c *Cache) Prune(keep []string) {
	ents, err := fs.ReadDir(c.dir.FS(), ".")
	if err != nil {
		return
	}
	type aged struct {
		name string
		mod  int64
	}
	var list []aged
	for _, d := range ents {
		key, entry, temp := ownName(d.Name())
		if !d.Type().IsRegular() || !entry && !temp {
			continue
		}
		info, err := d.Info()
		if err != nil {
			continue
		}
		if temp {
			c.dir.Remove(d.Name())
			continue
		}
		if !slices.Contains(keep, key) {
			list = append(list, aged{d.Name(), info.ModTime().UnixNano()})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].mod > list[j].mod })
	for i, a := range list {
		if i >= keepEntries {
			c.dir.Remove(a.name)
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
// view (repofs: nothing outside dir, under .git/ or .degen/, nor more than
// hashMax bytes); a path it cannot read hashes as "missing".
func HashPath(dir, rel string) string {
	repo, err := repofs.Open(dir, hashMax)
	if err != nil {
		return "missing"
	}
	defer repo.Close()
	h := sha256.New()
	add := func(p string, data []byte) error {
		r := strings.TrimPrefix(strings.TrimPrefix(p, path.Clean(rel)), "/")
		if r == "" {
			r = "."
		}
		fmt.Fprintf(h, "file %q %d\n", r, len(data))
		h.Write(data)
		return nil
	}
	st, err := repo.Stat(rel)
	if err == nil && st.IsDir() {
		err = repo.Walk(rel, hashMax, add)
	} else if err == nil {
		var data []byte
		if data, err = repo.ReadFile(rel); err == nil {
			err = add(rel, data)
		}
	}
	if err != nil {
		return "missing"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashMax bounds what HashPath reads of one input: more than any input a
// build reads (a Helm chart is at most 10 MiB).
const hashMax = 16 << 20
