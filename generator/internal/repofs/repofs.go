// Package repofs is the one read-only view of a model's repository that
// everything degen reads from a model goes through: CUE files and the files
// they @embed, policies, config files a service mounts, Helm charts.
//
// A model is untrusted input (in CI it is what a pull request wrote), so a
// read is confined: a path must be relative and stay under the root, a
// symbolic link is followed only while it stays under the root (and, for a
// view made with Sub, under that subdirectory), nothing under .git/ or
// .degen/ is ever a model input (.git/config holds the CI job's token;
// .degen/ is degen's scratch), only regular files are read, and a file
// larger than the view's limit is refused before it is read whole.
//
// Containment is enforced twice: the path is resolved link by link and
// checked, and the open itself goes through an os.Root, which refuses to
// leave the root whatever the path says.
package repofs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// privateDirs are the top-level directories of a repository that are never
// model inputs.
func privateDirs() []string { return []string{".git", ".degen"} }

// ErrTooLarge is the cause of a refusal of a file over the view's limit.
var ErrTooLarge = errors.New("file too large")

// maxHops bounds the symbolic links followed to resolve one path.
const maxHops = 40

// Repo is a confined view of a directory tree.
type Repo struct {
	root *os.Root
	// real is the symlink-free absolute path of the repository's root (the
	// top of the view made by Open; Sub keeps it) and sub the view's
	// directory below it, slash-separated ("" for the root itself).
	real, sub string
	max       int64
}

// Error is a refused read: Path is the path as the model gave it, Reason a
// sentence saying why and what to do.
type Error struct {
	Path   string
	Reason string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%q %s", e.Path, e.Reason) }
func (e *Error) Unwrap() error { return e.Err }

// Open returns a view of dir whose reads are at most max bytes a file.
func Open(dir string, max int64) (*Repo, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	if real, err = filepath.Abs(real); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &Repo{root: r, real: real, max: max}, nil
}

// Close releases the view's directory.
func (r *Repo) Close() error { return r.root.Close() }

// Max is the largest file the view reads.
func (r *Repo) Max() int64 { return r.max }

// Sub returns a view of the directory rel (a path of this view) whose
// links must also stay inside rel: a chart's files may not reach the rest
// of the repository. max bounds each file of the new view.
func (r *Repo) Sub(rel string, max int64) (*Repo, error) {
	res, err := r.resolve(rel)
	if err != nil {
		return nil, err
	}
	st, err := r.root.Stat(r.local(res))
	if err != nil {
		return nil, r.notFound(rel, err)
	}
	if !st.IsDir() {
		return nil, &Error{Path: rel, Reason: "is not a directory"}
	}
	sr, err := r.root.OpenRoot(r.local(res))
	if err != nil {
		return nil, r.notFound(rel, err)
	}
	return &Repo{root: sr, real: r.real, sub: res, max: max}, nil
}

// ReadFile reads the regular file rel, a slash-separated path relative to
// the view.
func (r *Repo) ReadFile(rel string) ([]byte, error) {
	f, err := r.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{Path: rel, Reason: "cannot be read", Err: err}
	}
	if st.IsDir() {
		return nil, &Error{Path: rel, Reason: "is a directory, not a file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, r.max+1))
	if err != nil {
		return nil, &Error{Path: rel, Reason: "cannot be read", Err: err}
	}
	if int64(len(data)) > r.max {
		return nil, r.tooLarge(rel)
	}
	return data, nil
}

// Open opens rel for reading: a regular file within the size limit, or a
// directory. The returned file implements fs.ReadDirFile for directories.
func (r *Repo) Open(rel string) (*os.File, error) {
	res, err := r.resolve(rel)
	if err != nil {
		return nil, err
	}
	f, err := r.root.Open(r.local(res))
	if err != nil {
		return nil, r.notFound(rel, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{Path: rel, Reason: "cannot be read", Err: err}
	}
	switch {
	case st.IsDir():
	case !st.Mode().IsRegular():
		f.Close()
		return nil, &Error{Path: rel, Reason: "is not a regular file (a device, socket or pipe): degen reads only files"}
	case st.Size() > r.max:
		f.Close()
		return nil, r.tooLarge(rel)
	}
	return f, nil
}

// Stat describes rel after the same checks as Open.
func (r *Repo) Stat(rel string) (fs.FileInfo, error) {
	f, err := r.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

func (r *Repo) tooLarge(rel string) error {
	return &Error{Path: rel, Reason: fmt.Sprintf("is larger than %d bytes, the most degen reads of one model file: make it smaller", r.max), Err: ErrTooLarge}
}

func (r *Repo) notFound(rel string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &Error{Path: rel, Reason: "does not exist under the model root: add it or fix the path", Err: fs.ErrNotExist}
	}
	if strings.Contains(err.Error(), "escapes") {
		return &Error{Path: rel, Reason: "leads outside the model root through a symbolic link: degen reads only files of the model's repository", Err: fs.ErrPermission}
	}
	return &Error{Path: rel, Reason: "cannot be read", Err: err}
}

// local turns a resolved repository path into one of this view's root.
func (r *Repo) local(res string) string {
	if r.sub != "" {
		res = strings.TrimPrefix(strings.TrimPrefix(res, r.sub), "/")
	}
	if res == "" {
		return "."
	}
	return filepath.FromSlash(res)
}

// resolve checks rel and returns it, every symbolic link followed, as a
// clean slash path relative to the repository's root (not the view's).
func (r *Repo) resolve(rel string) (string, error) {
	if rel == "" || path.IsAbs(rel) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" || strings.Contains(rel, "\\") {
		return "", &Error{Path: rel, Reason: "is not a path relative to the model root (the directory holding cue.mod): give one", Err: fs.ErrInvalid}
	}
	c := path.Clean(rel)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", &Error{Path: rel, Reason: "leaves the model root: degen reads only files of the model's repository; move the file under the model root", Err: fs.ErrPermission}
	}
	// Walk the components, following each link lexically from its directory.
	done := r.sub
	todo := strings.Split(c, "/")
	if c == "." {
		todo = nil
	}
	hops := 0
	for len(todo) > 0 {
		elem := todo[0]
		todo = todo[1:]
		next := path.Join(done, elem)
		if next == ".." || strings.HasPrefix(next, "../") || !r.within(next) {
			return "", r.escapes(rel)
		}
		if err := r.private(rel, next); err != nil {
			return "", err
		}
		st, err := os.Lstat(filepath.Join(r.real, filepath.FromSlash(next)))
		if err != nil || st.Mode()&fs.ModeSymlink == 0 {
			done = next // a missing file is reported by the open
			continue
		}
		if hops++; hops > maxHops {
			return "", &Error{Path: rel, Reason: "goes through too many symbolic links", Err: fs.ErrInvalid}
		}
		target, err := os.Readlink(filepath.Join(r.real, filepath.FromSlash(next)))
		if err != nil {
			return "", &Error{Path: rel, Reason: "cannot be read", Err: err}
		}
		target = filepath.ToSlash(target)
		if path.IsAbs(target) {
			t, err := filepath.Rel(r.real, filepath.FromSlash(target))
			if err != nil {
				return "", r.escapes(rel)
			}
			target, done = filepath.ToSlash(t), ""
		}
		todo = append(strings.Split(path.Clean(target), "/"), todo...)
	}
	if !r.within(done) {
		return "", r.escapes(rel)
	}
	if err := r.private(rel, done); err != nil {
		return "", err
	}
	if done == "" {
		return ".", nil
	}
	return done, nil
}

// within reports whether p (relative to the repository's root) is inside
// the view's directory.
func (r *Repo) within(p string) bool {
	if p == "." {
		p = ""
	}
	if strings.HasPrefix(p, "../") || p == ".." {
		return false
	}
	return r.sub == "" || p == r.sub || strings.HasPrefix(p, r.sub+"/")
}

func (r *Repo) escapes(rel string) error {
	where := "the model root"
	if r.sub != "" {
		where = r.sub
	}
	return &Error{Path: rel, Reason: "leads outside " + where + " through a symbolic link or \"..\": degen reads only files inside it", Err: fs.ErrPermission}
}

func (r *Repo) private(rel, p string) error {
	first, _, _ := strings.Cut(p, "/")
	for _, d := range privateDirs() {
		if first != d {
			continue
		}
		is := "is under " + d + "/"
		if c := path.Clean(rel); c != p && !strings.HasPrefix(c, d+"/") && c != d {
			is = "leads through a symbolic link into " + d + "/"
		}
		return &Error{Path: rel, Reason: fmt.Sprintf("%s, which is never a model input (it holds Git's credentials or degen's scratch): keep model files elsewhere", is), Err: fs.ErrPermission}
	}
	return nil
}

// FS returns the view as an io/fs.FS with the same checks, for readers such
// as cue/load and Helm's loader that take one.
func (r *Repo) FS() fs.FS { return iofs{r} }

type iofs struct{ r *Repo }

func (f iofs) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	file, err := f.r.Open(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return file, nil
}

func (f iofs) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	st, err := f.r.Stat(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return st, nil
}

// Walk calls fn for every regular file under dir (a path of the view) in
// lexical order, with its path relative to the view, refusing a file over
// the limit and stopping once the files read add up to more than total
// bytes. Symbolic links are followed with the view's checks.
func (r *Repo) Walk(dir string, total int64, fn func(rel string, data []byte) error) error {
	return r.WalkSkip(dir, total, nil, fn)
}

// WalkSkip is Walk leaving out every file and directory for which skip
// (given its path relative to the view and what it is) says true: a
// skipped directory is neither read nor counted, as Helm leaves out what a
// chart's .helmignore names. A nil skip leaves out nothing.
func (r *Repo) WalkSkip(dir string, total int64, skip func(rel string, fi fs.FileInfo) bool, fn func(rel string, data []byte) error) error {
	var sum int64
	var walk func(d string, depth int) error
	walk = func(d string, depth int) error {
		if depth > maxHops {
			return &Error{Path: d, Reason: "is nested too deep (a directory link loop?)", Err: fs.ErrInvalid}
		}
		f, err := r.Open(d)
		if err != nil {
			return err
		}
		ents, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return &Error{Path: d, Reason: "cannot be read", Err: err}
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			names = append(names, e.Name())
		}
		slices.Sort(names)
		for _, n := range names {
			p := path.Join(d, n)
			st, err := r.Stat(p)
			if err != nil {
				return err
			}
			if skip != nil && skip(p, st) {
				continue
			}
			if st.IsDir() {
				if err := walk(p, depth+1); err != nil {
					return err
				}
				continue
			}
			if sum += st.Size(); sum > total {
				name := dir
				if path.Clean(dir) == "." && r.sub != "" {
					name = r.sub // a Sub view's own directory
				}
				return &Error{Path: name, Reason: fmt.Sprintf("holds more than %d bytes of files, the most degen reads of one directory: make it smaller", total)}
			}
			data, err := r.ReadFile(p)
			if err != nil {
				return err
			}
			if err := fn(p, data); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(path.Clean(dir), 0)
}
