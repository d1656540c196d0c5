package writer

import (
	"errors"
	"io/fs"
	"os"
	"path"
)

// dirRoots opens the directories beneath a root once each. An os.Root
// resolves a path one component at a time (an openat per directory, each
// checked to stay inside), so a file reached through the directory opened
// once costs one resolution instead of one per level: writing the 7,737
// files of the 1,000-service synthetic model through the parent root alone
// took 3.9 s on these machines, almost all of it in openat
// (docs/PERFORMANCE.md). Every directory is still opened through the root,
// so nothing resolves outside it.
type dirRoots struct {
	root *os.Root
	open map[string]*os.Root
}

// maxOpenDirs bounds the descriptors a dirRoots holds: past it, every
// directory is closed and opened again when next used. A writer goroutine
// works through one directory at a time, so a few are enough, and four
// goroutines stay far below any descriptor limit.
const maxOpenDirs = 16

func newDirRoots(root *os.Root) *dirRoots {
	return &dirRoots{root: root, open: map[string]*os.Root{}}
}

// of returns the directory of the slash-separated path p, relative to the
// root, and p's last element.
func (d *dirRoots) of(p string) (*os.Root, string, error) {
	dir, name := path.Split(p)
	dir = path.Clean(dir)
	if dir == "." {
		return d.root, name, nil
	}
	if r, ok := d.open[dir]; ok {
		return r, name, nil
	}
	if len(d.open) >= maxOpenDirs {
		if err := d.close(); err != nil {
			return nil, "", err
		}
	}
	r, err := d.root.OpenRoot(dir)
	if err != nil {
		return nil, "", err
	}
	d.open[dir] = r
	return r, name, nil
}

// close closes the directories it opened, not the root.
func (d *dirRoots) close() error {
	var errs []error
	for dir, r := range d.open {
		errs = append(errs, r.Close())
		delete(d.open, dir)
	}
	return errors.Join(errs...)
}

// withPath is err with the path of an *fs.PathError set to p, the whole
// path relative to the root: an operation through a directory of dirRoots
// names only the file's last element.
func withPath(err error, p string) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	c := *pe
	c.Path = p
	return &c
}
