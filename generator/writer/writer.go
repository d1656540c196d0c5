// Package writer owns out/. It writes a generated tree so that a crash or a
// kill at any moment leaves either the previous tree or the new one, never a
// mix:
//
//  1. take an exclusive lock (.degen/lock next to out/);
//  2. build the complete new tree in .degen/staging, hard-linking every file
//     that does not change (so its modification time stays), from up to
//     four goroutines, one directory each, and flush it;
//  3. swap the staging tree and out/ in one atomic rename (RENAME_EXCHANGE
//     on Linux), then delete the old tree.
//
// An index (out/.degen-index.json) lists every file degen wrote with its
// hash and the environments that generated it. Only those files are ever
// replaced or pruned; a file degen did not write stops the build.
package writer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gofrs/flock"
)

// IndexName is the index file inside out/.
const IndexName = ".degen-index.json"

// ScratchDir is degen's scratch directory, a sibling of out/.
const ScratchDir = ".degen"

// ignoreIn gives the scratch directory r a .gitignore that ignores
// everything in it, unless it has one, so that its staging tree and lock
// are never committed, whatever the repository's own .gitignore says
// (degen import compose adopts repositories that have none for it).
func ignoreIn(r *os.Root) error {
	f, err := r.OpenFile(".gitignore", os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, FileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = f.WriteString("# degen's scratch directory (staging tree, lock): never committed.\n*\n")
	return errors.Join(err, f.Close())
}

// lockFlags open the lock file (read-write: flock needs it on some systems).
const lockFlags = os.O_CREATE | os.O_RDWR

// File modes of everything degen writes, whatever the umask, so a checkout's
// out/ is the same for every developer.
const (
	FileMode fs.FileMode = 0o644
	DirMode  fs.FileMode = 0o755
)

// Plan is what to write: the files generated for Scope, the environments
// that were built. Files of other environments already in out/ are kept.
// Force discards hand edits of generated files instead of stopping.
// Progress, when set, is called once per generated file as it is staged
// (written, or linked when unchanged), from several goroutines at once.
type Plan struct {
	Files    map[string][]byte
	Owners   map[string][]string
	Scope    []string
	Force    bool
	Progress func()
}

// Report says what a write changed.
type Report struct {
	Written   []string // new or changed files
	Unchanged []string
	Pruned    []string // files no longer generated, removed
}

// Changed reports whether the write changed out/.
func (r *Report) Changed() bool { return len(r.Written)+len(r.Pruned) > 0 }

// ForeignFileError is returned when a generated path is taken by a file
// degen did not write.
type ForeignFileError struct{ Paths []string }

func (e *ForeignFileError) Error() string {
	return fmt.Sprintf("out/ holds files degen did not write where it must write: %s; move them away (degen never overwrites them) and build again", strings.Join(e.Paths, ", "))
}

// HandEditError is returned when a build would overwrite or prune generated
// files whose bytes no longer match the hashes degen recorded: someone
// edited them by hand, and the edit would be lost.
type HandEditError struct{ Paths []string }

func (e *HandEditError) Error() string {
	return fmt.Sprintf("out/ holds hand edits that this build would lose: %s; see them with degen diff, move what you need into the model, then build with --force to discard them", strings.Join(e.Paths, ", "))
}

// LockedError is returned when another degen holds the lock on out/.
type LockedError struct{ Lock string }

func (e *LockedError) Error() string {
	return fmt.Sprintf("another degen is writing this out/ (lock %s is held): wait for it to finish and run again", e.Lock)
}

// Write makes out equal to the plan. out's parent must exist. Every file
// operation goes through an os.Root opened on out's parent, with paths that
// ParseIndex or the plan check made canonical, and out/ is scanned first:
// a symbolic link or special file anywhere inside it stops the build, so no
// operation can reach outside out/ and the scratch directory beside it.
func Write(out string, plan Plan) (*Report, error) { return writeAt(out, plan, nil) }

// writeAt is Write calling at, when it is not nil, at named points of its
// work ("staged", "swapped"), where the tests stop it as a crash would.
func writeAt(out string, plan Plan, at func(point string)) (*Report, error) {
	if at == nil {
		at = func(string) {}
	}
	out = filepath.Clean(out)
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(out, abs); err != nil {
		return nil, err
	}
	for p := range plan.Files {
		if reason := checkRel(p); reason != "" {
			return nil, fmt.Errorf("generated path %q %s (a bug in a target)", p, reason)
		}
	}
	parentDir := filepath.Dir(abs)
	w := &workTree{out: filepath.Base(abs), display: out}
	if w.parent, err = os.OpenRoot(parentDir); err != nil {
		return nil, err
	}
	defer w.parent.Close()
	if err := w.mkdir(ScratchDir); err != nil {
		return nil, fmt.Errorf("creating %s: %w", filepath.Join(parentDir, ScratchDir), err)
	}
	scratch, err := w.parent.OpenRoot(ScratchDir)
	if err != nil {
		return nil, err
	}
	err = errors.Join(ignoreIn(scratch), scratch.Close())
	if err != nil {
		return nil, err
	}
	// The scratch directory is a real directory (mkdir checked it), and
	// the lock file is opened without following a link planted at its
	// name: a committed .degen/lock -> elsewhere is refused, not created.
	lock := flock.New(filepath.Join(parentDir, ScratchDir, "lock"), flock.SetFlag(lockFlags|noFollow))
	ok, err := lock.TryLock()
	if st, lerr := w.parent.Lstat(ScratchDir + "/lock"); err != nil && lerr == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %s, not degen's lock file: remove it and run again (degen opens nothing in %s through a link)", lock.Path(), kindOf(st.Mode()), ScratchDir)
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", lock.Path(), err)
	}
	if !ok {
		return nil, &LockedError{Lock: lock.Path()}
	}
	defer lock.Unlock()

	if err := w.recoverScratch(); err != nil {
		return nil, err
	}
	var r *outRoot
	if _, err := w.parent.Lstat(w.out); err == nil {
		if r, err = openOut(abs); err != nil {
			return nil, err
		}
		defer r.Close()
	}
	disk, err := scanOut(r)
	if err != nil {
		return nil, err
	}
	old := emptyIndex()
	if disk.files[IndexName] {
		if old, err = readIndex(r, displayIndex(out)); err != nil {
			return nil, err
		}
	}
	final, err := merge(old, plan)
	if err != nil {
		return nil, err
	}
	if err := checkForeign(disk, old, final); err != nil {
		return nil, err
	}
	rep, err := diffAgainstDisk(r, disk, old, final, plan.Force)
	if err != nil {
		return nil, err
	}
	if !rep.Changed() {
		return rep, nil
	}
	unchanged := map[string]bool{}
	for _, p := range rep.Unchanged {
		unchanged[p] = true
	}
	if err := w.buildStaging(disk, old, final, unchanged, plan.Progress); err != nil {
		w.parent.RemoveAll(stagingDir)
		return nil, err
	}
	at("staged")
	if err := swap(filepath.Join(parentDir, stagingDir), abs); err != nil {
		w.parent.RemoveAll(stagingDir)
		return nil, err
	}
	at("swapped")
	if err := w.parent.RemoveAll(stagingDir); err != nil {
		return nil, fmt.Errorf("removing the previous tree %s: %w", filepath.Join(parentDir, stagingDir), err)
	}
	return rep, nil
}

// maxWriters bounds the goroutines that write the staging tree.
const maxWriters = 4

// stagingDir and previousDir are relative to out's parent.
const (
	stagingDir  = ScratchDir + "/staging"
	previousDir = ScratchDir + "/previous"
)

// workTree performs the writer's file operations beneath out's parent.
type workTree struct {
	parent  *os.Root
	out     string // out/'s name in parent
	display string
	made    map[string]bool
	// dirs are the staging tree's directories that buildStaging's own
	// goroutine opened; each writer goroutine has its own.
	dirs *dirRoots
}

// mkdir creates dir (slash-separated, relative to the parent) and its
// missing parents with DirMode.
func (w *workTree) mkdir(dir string) error {
	if dir == "." || dir == "/" || w.made[dir] {
		return nil
	}
	if err := w.mkdir(path.Dir(dir)); err != nil {
		return err
	}
	err := w.parent.Mkdir(dir, DirMode)
	switch {
	case err == nil:
		err = w.parent.Chmod(dir, DirMode) // the umask must not decide
	case errors.Is(err, fs.ErrExist):
		st, serr := w.parent.Lstat(dir)
		if serr != nil {
			return serr
		}
		if !st.IsDir() {
			return fmt.Errorf("%s is a %s, not a directory", dir, kindOf(st.Mode()))
		}
		err = nil
	}
	if err == nil {
		if w.made == nil {
			w.made = map[string]bool{}
		}
		w.made[dir] = true
	}
	return err
}

// finalFile is one file of the tree after the write.
type finalFile struct {
	data []byte // nil when kept from out/ as it is
	sum  string
	envs []string
}

// merge combines the old index and the plan: files of environments outside
// the plan's scope stay; files of the scope are replaced by the plan's.
func merge(old *Index, plan Plan) (map[string]finalFile, error) {
	scope := map[string]bool{}
	for _, e := range plan.Scope {
		scope[e] = true
	}
	final := map[string]finalFile{}
	for p, e := range old.Files {
		var keep []string
		for _, env := range e.Envs {
			if !scope[env] {
				keep = append(keep, env)
			}
		}
		if len(keep) > 0 {
			final[p] = finalFile{sum: e.SHA256, envs: keep}
		}
	}
	for p, data := range plan.Files {
		sum := Sum(data)
		f := final[p]
		if f.envs != nil && f.sum != sum {
			return nil, fmt.Errorf("%s is generated by %v with other content than by %v: build them together (--all)", p, f.envs, plan.Owners[p])
		}
		envs := append(append([]string(nil), f.envs...), plan.Owners[p]...)
		sort.Strings(envs)
		final[p] = finalFile{data: data, sum: sum, envs: dedup(envs)}
	}
	for _, p := range sortedKeys(final) {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if _, ok := final[dir]; ok {
				return nil, fmt.Errorf("%s would be both a file and the directory of %s: build every environment (--all) so the stale file is pruned", dir, p)
			}
		}
	}
	return final, nil
}

// checkForeign refuses a build that would replace a file or directory degen
// did not write.
func checkForeign(disk *scan, old *Index, final map[string]finalFile) error {
	var foreign []string
	for p := range final {
		if _, ok := old.Files[p]; !ok && disk.files[p] {
			foreign = append(foreign, "out/"+p)
		}
		for _, b := range disk.blocked(p, old.Files) {
			foreign = append(foreign, "out/"+b)
		}
	}
	if len(foreign) > 0 {
		sort.Strings(foreign)
		return &ForeignFileError{Paths: dedup(foreign)}
	}
	return nil
}

// diffAgainstDisk classifies the final files by comparing them with what is
// on disk. A generated file whose bytes differ from the index's hash was
// edited by hand: rewriting or pruning it would lose the edit, so the build
// stops unless forced. A generated file with another mode is rewritten.
func diffAgainstDisk(r *outRoot, disk *scan, old *Index, final map[string]finalFile, force bool) (*Report, error) {
	rep := &Report{}
	var edited []string
	// read returns the file's bytes, or nil when it is absent.
	read := func(p string) ([]byte, fs.FileMode, bool, error) {
		if !disk.files[p] {
			return nil, 0, false, nil
		}
		data, mode, err := r.readRegularMode(p)
		return data, mode, err == nil, err
	}
	for _, p := range sortedKeys(final) {
		f := final[p]
		onDisk, mode, exists, err := read(p)
		if err != nil {
			return nil, err
		}
		sum := ""
		if exists {
			sum = Sum(onDisk)
		}
		switch {
		case exists && sum == f.sum && mode == FileMode:
			rep.Unchanged = append(rep.Unchanged, p)
			if !sameEnvs(old.Files[p].Envs, f.envs) {
				rep.Written = append(rep.Written, IndexName) // ownership changed
			}
		case f.data == nil:
			return nil, fmt.Errorf("out/%s is missing or changed by hand and belongs to %v, which this build does not cover: build them too (--all)", p, f.envs)
		default:
			if e, owned := old.Files[p]; owned && exists && sum != e.SHA256 && sum != f.sum && !force {
				edited = append(edited, "out/"+p)
			}
			rep.Written = append(rep.Written, p)
		}
	}
	for _, p := range sortedKeys(old.Files) {
		if _, ok := final[p]; ok {
			continue
		}
		onDisk, _, exists, err := read(p)
		if err != nil {
			return nil, err
		}
		if exists && Sum(onDisk) != old.Files[p].SHA256 && !force {
			edited = append(edited, "out/"+p)
		}
		rep.Pruned = append(rep.Pruned, p)
	}
	if len(edited) > 0 {
		sort.Strings(edited)
		return nil, &HandEditError{Paths: edited}
	}
	sort.Strings(rep.Written)
	rep.Written = dedup(rep.Written)
	if len(rep.Written)+len(rep.Pruned) == 0 {
		idx, mode, exists, err := read(IndexName)
		if err != nil || !exists || mode != FileMode || !bytes.Equal(idx, encodeIndex(final)) {
			rep.Written = append(rep.Written, IndexName)
		}
	}
	return rep, nil
}

// buildStaging writes the new tree: foreign files and the generated files
// diffAgainstDisk found unchanged are hard-linked from out/ (the lock is
// held, so they are still as it read them), the rest written fresh. The files are
// made durable once, together, before the tree is swapped in (syncStaging).
func (w *workTree) buildStaging(disk *scan, old *Index, final map[string]finalFile, unchanged map[string]bool, progress func()) (err error) {
	w.dirs = newDirRoots(w.parent)
	defer func() { err = errors.Join(err, w.dirs.close()) }()
	var written []string
	if err := w.parent.RemoveAll(stagingDir); err != nil {
		return err
	}
	if err := w.mkdir(stagingDir); err != nil {
		return err
	}
	staged := func(p string) string { return path.Join(stagingDir, p) }
	inOut := func(p string) string { return path.Join(w.out, p) }
	// Carry over everything degen does not own, directories included.
	for _, d := range disk.dirs {
		if err := w.mkdir(staged(d)); err != nil {
			return fmt.Errorf("copying out/ into the staging tree: %w", err)
		}
	}
	for _, p := range sortedKeys(disk.files) {
		if _, owned := old.Files[p]; owned || p == IndexName {
			continue
		}
		copied, err := w.link(w.dirs, inOut(p), staged(p), false)
		if err != nil {
			return fmt.Errorf("copying out/ into the staging tree: %w", err)
		}
		if copied {
			written = append(written, staged(p))
		}
	}
	// The generated files, one directory per worker at a time: creating
	// a file waits on its directory's lock, and on these machines a
	// create takes about half a millisecond, so files of different
	// directories are created in parallel (docs/PERFORMANCE.md).
	paths := sortedKeys(final)
	for _, p := range paths {
		if err := w.mkdir(path.Dir(staged(p))); err != nil {
			return err
		}
	}
	copied := make([]bool, len(paths))
	errs := make([]error, len(paths))
	var groups [][]int // indices into paths, by directory
	for i, p := range paths {
		if i == 0 || path.Dir(p) != path.Dir(paths[i-1]) {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], i)
	}
	next := make(chan []int)
	var wg sync.WaitGroup
	for range min(len(groups), runtime.GOMAXPROCS(0), maxWriters) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs := newDirRoots(w.parent)
			defer dirs.close()
			for group := range next {
				for _, i := range group {
					p := paths[i]
					if unchanged[p] {
						copied[i], errs[i] = w.link(dirs, inOut(p), staged(p), true)
					} else {
						copied[i], errs[i] = true, w.writeFile(dirs, staged(p), final[p].data)
					}
					if progress != nil {
						progress()
					}
				}
			}
		}()
	}
	for _, g := range groups {
		next <- g
	}
	close(next)
	wg.Wait()
	for i, p := range paths {
		if errs[i] != nil {
			return errs[i]
		}
		if copied[i] {
			written = append(written, staged(p))
		}
	}
	index := staged(IndexName)
	if err := w.writeFile(w.dirs, index, encodeIndex(final)); err != nil {
		return err
	}
	written = append(written, index)
	if err := w.dirs.close(); err != nil {
		return err
	}
	w.removeEmptyDirs()
	abs := make([]string, len(written))
	for i, p := range written {
		abs[i] = filepath.Join(w.parent.Name(), filepath.FromSlash(p))
	}
	return syncStaging(filepath.Join(w.parent.Name(), stagingDir), abs)
}

// link hard-links src to dst, copying (with the modification time) where the
// file system cannot link; copied says it did. A generated file's copy gets
// FileMode, a foreign file's keeps its own.
func (w *workTree) link(dirs *dirRoots, src, dst string, generated bool) (copied bool, err error) {
	if err := w.parent.Link(src, dst); err == nil {
		return false, nil
	}
	st, err := w.parent.Lstat(src)
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return false, &LinkError{Path: strings.TrimPrefix(src, w.out+"/"), Kind: kindOf(st.Mode())}
	}
	data, err := w.parent.ReadFile(src)
	if err != nil {
		return false, err
	}
	mode := FileMode
	if !generated {
		mode = st.Mode().Perm()
	}
	if err := w.writeFileMode(dirs, dst, data, mode); err != nil {
		return true, err
	}
	return true, w.parent.Chtimes(dst, st.ModTime(), st.ModTime())
}

// writeFile writes a file of the staging tree with FileMode; syncStaging
// makes it durable.
func (w *workTree) writeFile(dirs *dirRoots, p string, data []byte) error {
	return w.writeFileMode(dirs, p, data, FileMode)
}

func (w *workTree) writeFileMode(dirs *dirRoots, p string, data []byte, mode fs.FileMode) error {
	dir, name, err := dirs.of(p)
	if err != nil {
		return withPath(err, p)
	}
	f, err := dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, mode)
	if err != nil {
		return withPath(err, p)
	}
	if err := f.Chmod(mode); err != nil { // the umask must not decide
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncFiles flushes each file, then the staging directory: the portable
// form of syncStaging.
func syncFiles(staging string, files []string) error {
	for _, p := range files {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return syncDir(staging)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeEmptyDirs drops the staging directories left empty by pruning,
// deepest first.
func (w *workTree) removeEmptyDirs() {
	dirs := make([]string, 0, len(w.made))
	for d := range w.made {
		if strings.HasPrefix(d, stagingDir+"/") {
			dirs = append(dirs, d)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		w.parent.Remove(d) // fails, as wanted, when not empty
	}
}

// recoverScratch cleans up after a build that was killed: a staging tree is
// removed; if out/ is missing while a moved-away tree exists (the two-rename
// fallback was interrupted) that tree is put back.
func (w *workTree) recoverScratch() error {
	if st, err := w.parent.Lstat(previousDir); err == nil && st.IsDir() {
		if _, err := w.parent.Lstat(w.out); errors.Is(err, fs.ErrNotExist) {
			if err := w.parent.Rename(previousDir, w.out); err != nil {
				return fmt.Errorf("restoring out/ from %s: %w", previousDir, err)
			}
		} else if err := w.parent.RemoveAll(previousDir); err != nil {
			return err
		}
	}
	return w.parent.RemoveAll(stagingDir)
}

// Sum is the hex SHA-256 of data, as the index records it.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// sortedKeys are m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func dedup(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func sameEnvs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
