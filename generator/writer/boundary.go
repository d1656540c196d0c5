package writer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// OutError is returned when the output directory is one degen must not
// write: it would overwrite the model, leave out/ half-replaced, or reach
// outside out/. It is a misuse of --out (exit 2), found before anything is
// created.
type OutError struct {
	Out    string
	Reason string
}

func (e *OutError) Error() string {
	return fmt.Sprintf("--out %s: %s", e.Out, e.Reason)
}

// LinkError is returned when out/ holds a symbolic link or a special file.
// degen never follows links inside out/: a link could make it write
// elsewhere, and the atomic swap could not carry it faithfully.
type LinkError struct {
	Path string // relative to out/, slash-separated
	Kind string
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("out/%s is a %s: degen does not follow links or write special files inside out/; replace it with a real directory or file (or move it out of out/) and run again", e.Path, e.Kind)
}

// CheckOut refuses an output directory before anything is generated or
// created: / or a device, a path that is not a directory, a symbolic link,
// a directory that equals or contains the model (modelDir) or the root of
// its git repository, one that holds CUE files, and one inside degen's
// scratch directory. modelDir may be empty when there is no model.
func CheckOut(out, modelDir string) error {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return &OutError{Out: out, Reason: err.Error()}
	}
	if err := checkLayout(out, absOut); err != nil {
		return err
	}
	realOut := realPath(absOut)
	if modelDir != "" {
		absModel, err := filepath.Abs(modelDir)
		if err != nil {
			return &OutError{Out: out, Reason: err.Error()}
		}
		realModel := realPath(absModel)
		if within(realOut, realModel) {
			return &OutError{Out: out, Reason: "is or contains the model directory " + modelDir + ": degen replaces out/ as a whole and would delete the model; give a directory of its own, such as the default <dir>/out"}
		}
		if repo := repoRoot(realModel); repo != "" && within(realOut, repo) {
			return &OutError{Out: out, Reason: "is or contains the root of the model's git repository: give a directory of its own inside it, such as the default <dir>/out"}
		}
	}
	if filepath.Base(absOut) == "cue.mod" {
		return &OutError{Out: out, Reason: "is a CUE module directory (cue.mod), not generated output: give an output directory of its own"}
	}
	// A directory that holds the model's sources (--out envs) is not an
	// output tree, even when it does not contain the module root.
	if st, err := os.Lstat(absOut); err == nil && st.IsDir() {
		var found string
		filepath.WalkDir(absOut, func(p string, d fs.DirEntry, err error) error {
			if err != nil || found != "" {
				return filepath.SkipAll
			}
			name := d.Name()
			if p == absOut {
				return nil
			}
			if (d.IsDir() && (name == "cue.mod" || name == ".git")) || (!d.IsDir() && strings.HasSuffix(name, ".cue")) {
				found, _ = filepath.Rel(absOut, p)
				return filepath.SkipAll
			}
			return nil
		})
		if found != "" {
			return &OutError{Out: out, Reason: fmt.Sprintf("holds %s, a source of a model or repository, not generated output: give an output directory of its own", filepath.ToSlash(found))}
		}
	}
	return nil
}

// checkLayout is the part of CheckOut that needs no model: Write runs it
// on every call.
func checkLayout(out, absOut string) error {
	if absOut == string(filepath.Separator) || filepath.Dir(absOut) == absOut {
		return &OutError{Out: out, Reason: "is the file system root: give a directory of its own"}
	}
	for _, part := range strings.Split(filepath.ToSlash(absOut), "/") {
		if part == ScratchDir {
			return &OutError{Out: out, Reason: "lies in " + ScratchDir + "/, degen's scratch directory, which a build replaces"}
		}
	}
	st, err := os.Lstat(absOut)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return &OutError{Out: out, Reason: err.Error()}
	case st.Mode()&fs.ModeSymlink != 0:
		return &OutError{Out: out, Reason: "is a symbolic link: degen swaps out/ atomically and would replace the link itself; give the directory it points to"}
	case !st.IsDir():
		return &OutError{Out: out, Reason: fmt.Sprintf("is not a directory (%s): give a directory", kindOf(st.Mode()))}
	}
	parent := filepath.Dir(absOut)
	pst, err := os.Stat(parent)
	if err != nil || !pst.IsDir() {
		return &OutError{Out: out, Reason: fmt.Sprintf("its parent %s is not an existing directory: create it first", parent)}
	}
	if st, err := os.Lstat(filepath.Join(parent, ScratchDir)); err == nil && (st.Mode()&fs.ModeSymlink != 0 || !st.IsDir()) {
		return &OutError{Out: out, Reason: fmt.Sprintf("%s next to it is a %s, not degen's scratch directory: remove it", filepath.Join(parent, ScratchDir), kindOf(st.Mode()))}
	}
	return nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}

// realPath resolves symbolic links in p, or in the longest prefix of it that
// exists.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p
	}
	return filepath.Join(realPath(parent), filepath.Base(p))
}

// within reports whether inner is dir or lies under it.
func within(dir, inner string) bool {
	rel, err := filepath.Rel(dir, inner)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// repoRoot is the nearest directory at or above dir holding .git, or "".
func repoRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// outRoot reads out/ through an os.Root, so no path can resolve outside it.
type outRoot struct {
	*os.Root
	dirs *dirRoots
}

// Close closes out/ and the directories of it that reads opened.
func (r *outRoot) Close() error {
	return errors.Join(r.dirs.close(), r.Root.Close())
}

// openOut opens out/, which must be a real directory, not a link to one.
func openOut(out string) (*outRoot, error) {
	st, err := os.Lstat(out)
	if err != nil {
		return nil, err
	}
	if st.Mode()&fs.ModeSymlink != 0 || !st.IsDir() {
		abs, _ := filepath.Abs(out)
		if err := checkLayout(out, abs); err != nil {
			return nil, err
		}
		return nil, &OutError{Out: out, Reason: "is not a directory"}
	}
	r, err := os.OpenRoot(out)
	if err != nil {
		return nil, err
	}
	return &outRoot{Root: r, dirs: newDirRoots(r)}, nil
}

// readRegular reads a regular file of out/, refusing a link or a special
// file at that path.
func (r *outRoot) readRegular(rel string) ([]byte, error) {
	data, _, err := r.readRegularMode(rel)
	return data, err
}

func (r *outRoot) readRegularMode(rel string) ([]byte, fs.FileMode, error) {
	dir, name, err := r.dirs.of(rel)
	if err != nil {
		return nil, 0, withPath(err, rel)
	}
	st, err := dir.Lstat(name)
	if err != nil {
		return nil, 0, withPath(err, rel)
	}
	if !st.Mode().IsRegular() {
		return nil, 0, &LinkError{Path: rel, Kind: kindOf(st.Mode())}
	}
	f, err := dir.OpenFile(name, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, 0, withPath(err, rel)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	return data, st.Mode().Perm(), err
}

// scan is what out/ holds: its directories and regular files, by
// slash-separated path. A symbolic link or special file anywhere inside is a
// LinkError.
type scan struct {
	dirs  []string
	files map[string]bool
	isDir map[string]bool
}

func scanOut(r *outRoot) (*scan, error) {
	s := &scan{files: map[string]bool{}, isDir: map[string]bool{}}
	if r == nil {
		return s, nil
	}
	err := fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			s.dirs = append(s.dirs, p)
			s.isDir[p] = true
		case t.IsRegular():
			s.files[p] = true
		default:
			return &LinkError{Path: p, Kind: kindOf(t)}
		}
		return nil
	})
	return s, err
}

// blocked returns the paths in out/ that stand where p must go: a foreign
// file at one of its parent directories, or a directory at p itself.
func (s *scan) blocked(p string, owned map[string]IndexEntry) []string {
	var b []string
	if s.isDir[p] {
		b = append(b, p)
	}
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if _, ok := owned[dir]; !ok && s.files[dir] {
			b = append(b, dir)
		}
	}
	return b
}

func displayIndex(out string) string { return filepath.Join(out, IndexName) }
