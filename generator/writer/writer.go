// Package writer owns out/. It writes a generated tree so that a crash or a
// kill at any moment leaves either the previous tree or the new one, never a
// mix:
//
//  1. take an exclusive lock (.degen/lock next to out/);
//  2. build the complete new tree in .degen/staging, hard-linking every file
//     that does not change (so its modification time stays);
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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gofrs/flock"
)

// IndexName is the index file inside out/.
const IndexName = ".degen-index.json"

// ScratchDir is degen's scratch directory, a sibling of out/.
const ScratchDir = ".degen"

// Index records the files degen generated.
type Index struct {
	Version int                   `json:"version"`
	Files   map[string]IndexEntry `json:"files"`
}

// IndexEntry is one generated file.
type IndexEntry struct {
	SHA256 string   `json:"sha256"`
	Envs   []string `json:"envs"`
}

// Plan is what to write: the files generated for Scope, the environments
// that were built. Files of other environments already in out/ are kept.
type Plan struct {
	Files  map[string][]byte
	Owners map[string][]string
	Scope  []string
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

// LockedError is returned when another degen holds the lock on out/.
type LockedError struct{ Lock string }

func (e *LockedError) Error() string {
	return fmt.Sprintf("another degen is writing this out/ (lock %s is held): wait for it to finish and run again", e.Lock)
}

// hook, when set by tests, runs at named points of Write.
var hook func(point string)

func at(point string) {
	if hook != nil {
		hook(point)
	}
}

// Write makes out equal to the plan. out's parent must exist.
func Write(out string, plan Plan) (*Report, error) {
	out = filepath.Clean(out)
	scratch := filepath.Join(filepath.Dir(out), ScratchDir)
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", scratch, err)
	}
	lock := flock.New(filepath.Join(scratch, "lock"))
	ok, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", lock.Path(), err)
	}
	if !ok {
		return nil, &LockedError{Lock: lock.Path()}
	}
	defer lock.Unlock()

	if err := recoverScratch(out, scratch); err != nil {
		return nil, err
	}
	old, err := ReadIndex(out)
	if err != nil {
		return nil, err
	}
	final, err := merge(old, plan)
	if err != nil {
		return nil, err
	}
	if err := checkForeign(out, old, final); err != nil {
		return nil, err
	}
	rep, err := diffAgainstDisk(out, old, final)
	if err != nil {
		return nil, err
	}
	if !rep.Changed() {
		return rep, nil
	}
	staging := filepath.Join(scratch, "staging")
	unchanged := map[string]bool{}
	for _, p := range rep.Unchanged {
		unchanged[p] = true
	}
	if err := buildStaging(out, staging, old, final, unchanged); err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	at("staged")
	if err := swap(staging, out); err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	at("swapped")
	if err := os.RemoveAll(staging); err != nil {
		return nil, fmt.Errorf("removing the previous tree %s: %w", staging, err)
	}
	return rep, nil
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
	return final, nil
}

func checkForeign(out string, old *Index, final map[string]finalFile) error {
	var foreign []string
	for p := range final {
		if _, ok := old.Files[p]; ok {
			continue
		}
		if _, err := os.Lstat(filepath.Join(out, filepath.FromSlash(p))); err == nil {
			foreign = append(foreign, "out/"+p)
		}
	}
	if len(foreign) > 0 {
		sort.Strings(foreign)
		return &ForeignFileError{Paths: foreign}
	}
	return nil
}

// diffAgainstDisk classifies the final files by comparing them with what is
// on disk, so a hand-edited file is rewritten too.
func diffAgainstDisk(out string, old *Index, final map[string]finalFile) (*Report, error) {
	rep := &Report{}
	for _, p := range sortedKeys(final) {
		f := final[p]
		onDisk, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
		switch {
		case err == nil && Sum(onDisk) == f.sum:
			rep.Unchanged = append(rep.Unchanged, p)
			if !sameEnvs(old.Files[p].Envs, f.envs) {
				rep.Written = append(rep.Written, IndexName) // ownership changed
			}
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return nil, err
		default:
			if f.data == nil {
				return nil, fmt.Errorf("out/%s is missing or changed by hand and belongs to %v, which this build does not cover: build them too (--all)", p, f.envs)
			}
			rep.Written = append(rep.Written, p)
		}
	}
	for _, p := range sortedKeys(old.Files) {
		if _, ok := final[p]; !ok {
			rep.Pruned = append(rep.Pruned, p)
		}
	}
	sort.Strings(rep.Written)
	rep.Written = dedup(rep.Written)
	if len(rep.Written)+len(rep.Pruned) == 0 {
		idx, err := os.ReadFile(filepath.Join(out, IndexName))
		if err != nil || !bytes.Equal(idx, encodeIndex(final)) {
			rep.Written = append(rep.Written, IndexName)
		}
	}
	return rep, nil
}

// buildStaging writes the new tree: foreign files and the generated files
// diffAgainstDisk found unchanged are hard-linked from out/ (the lock is
// held, so they are still as it read them), the rest written fresh. The files are
// made durable once, together, before the tree is swapped in (syncStaging).
func buildStaging(out, staging string, old *Index, final map[string]finalFile, unchanged map[string]bool) error {
	var written []string
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return err
	}
	// Carry over everything degen does not own, directories included.
	if _, err := os.Stat(out); err == nil {
		err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(out, p)
			relSlash := filepath.ToSlash(rel)
			if rel == "." || relSlash == IndexName {
				return nil
			}
			dst := filepath.Join(staging, rel)
			if d.IsDir() {
				return os.MkdirAll(dst, 0o755)
			}
			if _, owned := old.Files[relSlash]; owned {
				return nil
			}
			copied, err := link(p, dst)
			if copied {
				written = append(written, dst)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("copying out/ into the staging tree: %w", err)
		}
	}
	for _, p := range sortedKeys(final) {
		f := final[p]
		src := filepath.Join(out, filepath.FromSlash(p))
		dst := filepath.Join(staging, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if unchanged[p] {
			copied, err := link(src, dst)
			if err != nil {
				return err
			}
			if copied {
				written = append(written, dst)
			}
			continue
		}
		if err := writeFile(dst, f.data); err != nil {
			return err
		}
		written = append(written, dst)
	}
	index := filepath.Join(staging, IndexName)
	if err := writeFile(index, encodeIndex(final)); err != nil {
		return err
	}
	written = append(written, index)
	removeEmptyDirs(staging)
	return syncStaging(staging, written)
}

// link hard-links src to dst, copying (with the modification time) where the
// file system cannot link; copied says it did.
func link(src, dst string) (copied bool, err error) {
	if err := os.Link(src, dst); err == nil {
		return false, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(src)
	if err != nil {
		return false, err
	}
	if err := writeFile(dst, data); err != nil {
		return true, err
	}
	return true, os.Chtimes(dst, st.ModTime(), st.ModTime())
}

// writeFile writes a file of the staging tree; syncStaging makes it durable.
func writeFile(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
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

// removeEmptyDirs drops directories left empty by pruning, deepest first.
func removeEmptyDirs(root string) {
	var dirs []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != root {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		os.Remove(d) // fails, as wanted, when not empty
	}
}

// recoverScratch cleans up after a build that was killed: a staging tree is
// removed; if out/ is missing while a moved-away tree exists (the two-rename
// fallback was interrupted) that tree is put back.
func recoverScratch(out, scratch string) error {
	moved := filepath.Join(scratch, "previous")
	if _, err := os.Stat(moved); err == nil {
		if _, err := os.Stat(out); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(moved, out); err != nil {
				return fmt.Errorf("restoring out/ from %s: %w", moved, err)
			}
		} else if err := os.RemoveAll(moved); err != nil {
			return err
		}
	}
	return os.RemoveAll(filepath.Join(scratch, "staging"))
}

// ReadIndex reads out/'s index; a missing out/ or index is an empty index.
func ReadIndex(out string) (*Index, error) {
	data, err := os.ReadFile(filepath.Join(out, IndexName))
	if errors.Is(err, fs.ErrNotExist) {
		return &Index{Version: 1, Files: map[string]IndexEntry{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var idx Index
	if err := json.Unmarshal(data, &idx); err != nil || idx.Version != 1 || idx.Files == nil {
		return nil, &CorruptIndexError{Path: filepath.Join(out, IndexName)}
	}
	return &idx, nil
}

// CorruptIndexError is returned when out/'s index cannot be read.
type CorruptIndexError struct{ Path string }

func (e *CorruptIndexError) Error() string {
	return fmt.Sprintf("%s is not a degen index (edited by hand or corrupt): restore it from git (git checkout -- %s) and run again", e.Path, e.Path)
}

func encodeIndex(final map[string]finalFile) []byte {
	idx := Index{Version: 1, Files: map[string]IndexEntry{}}
	for p, f := range final {
		idx.Files[p] = IndexEntry{SHA256: f.sum, Envs: f.envs}
	}
	data, _ := json.MarshalIndent(idx, "", "  ")
	return append(data, '\n')
}

// Sum is the hex SHA-256 of data, as the index records it.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

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
