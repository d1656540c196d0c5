package writer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// The one way degen writes a file outside out/ (degen init, import
// compose, diff --parts, the tree of a git revision degen diff builds, the
// build cache): through an os.Root opened on the directory it writes
// into, so that no path, and no symbolic link the directory holds, resolves
// outside it; a file is created O_CREATE|O_EXCL|O_NOFOLLOW, so that a link
// or a file planted at its name makes the create fail instead of being
// followed or overwritten.

// CreateNew creates the file p (slash-separated, relative to root) holding
// data, and its missing directories, through root. An existing file, link
// or directory at p is an error (fs.ErrExist): nothing is overwritten.
func CreateNew(root *os.Root, p string, data []byte, mode fs.FileMode) error {
	name := filepath.FromSlash(p)
	if d := filepath.Dir(name); d != "." {
		if err := root.MkdirAll(d, DirMode); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(name)
	}
	return err
}

// CreateTemp creates a temporary file beside p through root (CreateNew,
// under a name no one can plant a link at in advance: p's name, ".tmp-"
// and 16 random hex digits) holding data, and returns its path.
func CreateTemp(root *os.Root, p string, data []byte, mode fs.FileMode) (string, error) {
	for range 10 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		tmp := path.Join(path.Dir(p), "."+path.Base(p)+TempInfix+hex.EncodeToString(b[:]))
		err := CreateNew(root, tmp, data, mode)
		if !errors.Is(err, fs.ErrExist) {
			return tmp, err
		}
	}
	return "", fmt.Errorf("creating a temporary file beside %s: %w", p, fs.ErrExist)
}

// TempInfix precedes the random part of CreateTemp's names.
const TempInfix = ".tmp-"

// ReplaceFiles writes files (by slash-separated path relative to root)
// through root: each to a temporary beside it (CreateTemp), then, once
// every one is written, each renamed over its path (a link at the path is
// replaced, never followed). An error before the renames removes the
// temporaries and leaves every file as it was.
func ReplaceFiles(root *os.Root, files map[string][]byte) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var tmps []string
	cleanup := func() {
		for _, t := range tmps {
			root.Remove(filepath.FromSlash(t))
		}
	}
	for _, p := range paths {
		tmp, err := CreateTemp(root, p, files[p], FileMode)
		if err != nil {
			cleanup()
			return err
		}
		tmps = append(tmps, tmp)
	}
	for i, p := range paths {
		if err := root.Rename(filepath.FromSlash(tmps[i]), filepath.FromSlash(p)); err != nil {
			cleanup()
			return err
		}
	}
	return nil
}

// ReadOut reads out/ as Write does, through an os.Root, after scanning it
// whole: a symbolic link or a special file anywhere inside is a
// *LinkError, and nothing is read through it. It returns the index (empty
// when out/ or its index is missing) and the bytes of each file the index
// lists for which want (nil: every file) holds; a listed file missing from
// disk is left out.
func ReadOut(out string, want func(p string, e IndexEntry) bool) (*Index, map[string][]byte, error) {
	r, err := openOut(out)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyIndex(), map[string][]byte{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	disk, err := scanOut(r)
	if err != nil {
		return nil, nil, err
	}
	idx := emptyIndex()
	if disk.files[IndexName] {
		if idx, err = readIndex(r, displayIndex(out)); err != nil {
			return nil, nil, err
		}
	}
	files := map[string][]byte{}
	for _, p := range sortedKeys(idx.Files) {
		if !disk.files[p] || want != nil && !want(p, idx.Files[p]) {
			continue
		}
		data, err := r.readRegular(p)
		if err != nil {
			return nil, nil, fmt.Errorf("reading out/%s: %w", p, err)
		}
		files[p] = data
	}
	return idx, files, nil
}
