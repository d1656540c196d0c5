package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/schema"
)

// MaxModelFile is the largest file of a model degen reads: a CUE file, or
// a file a CUE file embeds (@embed). A larger one is refused, naming it.
const MaxModelFile = 4 << 20

// OpenRepo returns the confined view of the model's repository at root
// (see repofs) every read of a model file goes through.
func OpenRepo(root string) (*repofs.Repo, error) { return repofs.Open(root, MaxModelFile) }

// modelFS is the one file system cue/load reads a model through
// (load.Config.FS): the model's repository as the confined view repo
// sees it, at the top, and the modules the registry serves (the schema
// from the binary, any other from CUE's module cache) mounted at their
// directories. Names are FS names: slash-separated, relative to the model
// root. Files extra adds (the policies' contract) are served beside the
// repository's.
type modelFS struct {
	repo  *repofs.Repo // nil when only modules are read
	root  string       // the model's absolute directory, for positions
	extra map[string][]byte
	log   *readLog
	// parsed is set once cue/load is done: before, a file of the
	// repository that is not a CUE file reads as empty. cue/load reads
	// every file of a package's directory, and needs only the CUE ones;
	// the others are read when a CUE file embeds them, during evaluation.
	parsed atomic.Bool

	mu     sync.Mutex
	mounts map[string]fs.FS // by FS directory
}

// readLog is what one instance's load read of the repository: the files
// opened, by FS name, and the reads refused (in refusals, which every
// instance of a Load shares).
type readLog struct {
	mu      sync.Mutex
	files   map[string]bool
	refused *refusals
}

// refusals are the reads a view refused, by FS name.
type refusals struct {
	mu sync.Mutex
	m  map[string]*repofs.Error
}

func newRefusals() *refusals { return &refusals{m: map[string]*repofs.Error{}} }

func newReadLog(ref *refusals) *readLog {
	return &readLog{files: map[string]bool{}, refused: ref}
}

func (l *readLog) opened(name string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.files[name] = true
	l.mu.Unlock()
}

func (l *readLog) refuse(name string, err error) {
	var re *repofs.Error
	if l == nil || l.refused == nil || !errors.As(err, &re) {
		return
	}
	l.refused.mu.Lock()
	l.refused.m[name] = re
	l.refused.mu.Unlock()
}

// Files are the repository files read, sorted.
func (l *readLog) Files() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.files))
	for f := range l.files {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// get is why the read of name was refused, or nil; with under, the
// first refusal of a path under the directory name.
func (r *refusals) get(name string, under bool) *repofs.Error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.m[name]; e != nil || !under {
		return e
	}
	var first string
	for p := range r.m {
		if (name == "." || strings.HasPrefix(p, name+"/")) && (first == "" || p < first) {
			first = p
		}
	}
	return r.m[first]
}

func newModelFS(repo *repofs.Repo, root string, log *readLog) *modelFS {
	m := &modelFS{repo: repo, root: root, log: log, mounts: map[string]fs.FS{}}
	m.mount(strings.TrimPrefix(SchemaRoot, "/"), schema.Files())
	return m
}

// mount serves fsys at the FS directory dir.
func (m *modelFS) mount(dir string, fsys fs.FS) {
	m.mu.Lock()
	m.mounts[dir] = fsys
	m.mu.Unlock()
}

// mounted returns the module serving name and name within it.
func (m *modelFS) mounted(name string) (fs.FS, string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for dir, fsys := range m.mounts {
		if name == dir {
			return fsys, ".", true
		}
		if rest, ok := strings.CutPrefix(name, dir+"/"); ok {
			return fsys, rest, true
		}
	}
	return nil, "", false
}

// fromFSPath is how a file of the FS is named in positions: a repository
// file by its absolute path under the model root (as when cue/load read
// the host file system: messages print it relative to the root), a module
// file by its mount (SchemaRoot/…, or its directory in CUE's cache).
func (m *modelFS) fromFSPath(p string) string {
	name := strings.TrimPrefix(p, "/")
	if _, _, ok := m.mounted(name); ok || m.root == "" {
		return "/" + name
	}
	return filepath.Join(m.root, filepath.FromSlash(name))
}

func (m *modelFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if fsys, rest, ok := m.mounted(name); ok {
		return fsys.Open(rest)
	}
	if data, ok := m.extra[name]; ok {
		return &memFile{name: path.Base(name), Reader: bytes.NewReader(data), size: int64(len(data))}, nil
	}
	if m.repo == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := m.repo.FS().Open(name)
	if err != nil {
		m.log.refuse(name, err)
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		m.log.opened(name)
	}
	return f, nil
}

// ReadFile reads a file whole (cue/load reads every file of a package's
// directory so). Until cue/load is done, a repository file that is not a
// CUE file reads as empty: cue/load has no use for it, and @embed reads it
// later, through Open.
func (m *modelFS) ReadFile(name string) ([]byte, error) {
	if _, _, ok := m.mounted(name); !ok && m.repo != nil && m.extra[name] == nil && !m.parsed.Load() && !strings.HasSuffix(name, ".cue") {
		return []byte{}, nil
	}
	f, err := m.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func (m *modelFS) Stat(name string) (fs.FileInfo, error) {
	if fsys, rest, ok := m.mounted(name); ok {
		return fs.Stat(fsys, rest)
	}
	if data, ok := m.extra[name]; ok {
		return &memFile{name: path.Base(name), size: int64(len(data))}, nil
	}
	if m.repo == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	st, err := fs.Stat(m.repo.FS(), name)
	if err != nil {
		m.log.refuse(name, err)
	}
	return st, err
}

// ReadDir lists a directory, with the files extra adds to it (once, when
// it replaces a file of the repository).
func (m *modelFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if fsys, rest, ok := m.mounted(name); ok {
		return fs.ReadDir(fsys, rest)
	}
	if m.repo == nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	ents, err := fs.ReadDir(m.repo.FS(), name)
	if err != nil {
		m.log.refuse(name, err)
		return nil, err
	}
	for p, data := range m.extra {
		// An overlaid file (Options.Overlay) is listed already.
		if path.Dir(p) == name && !slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return e.Name() == path.Base(p) }) {
			ents = append(ents, fs.FileInfoToDirEntry(&memFile{name: path.Base(p), size: int64(len(data))}))
		}
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, nil
}

// memFile is a file extra adds, and its FileInfo.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }

// config is the cue/load configuration reading through m, at the FS
// directory dir.
func (m *modelFS) config(dir string) *load.Config {
	return &load.Config{Dir: dir, FS: m, FromFSPath: m.fromFSPath, Registry: &registry{fs: m}}
}

// embedErrors rewrites the errors of @embed attributes, which CUE words
// as "@embed" alone, to say why, at the attribute: the cause CUE keeps
// ("open x.txt: no such file or directory"), or, when the view refused the
// read, its reason: @embed(file=x.txt): "envs/x.txt" is under .git/, which
// is never a model input….
func embedErrors(err error, root string, ref *refusals) error {
	if err == nil || ref == nil {
		return err
	}
	var out cueerrors.Error
	for _, e := range cueerrors.Errors(err) {
		out = cueerrors.Append(out, embedError(e, root, ref))
	}
	return out
}

func embedError(e cueerrors.Error, root string, ref *refusals) cueerrors.Error {
	// CUE reports a failed @embed as "@embed" at the attribute, with why
	// as the cause.
	outer, outerArgs := e.Msg()
	if outer != "@%s" || len(outerArgs) != 1 {
		return e
	}
	var cause cueerrors.Error
	if !errors.As(errors.Unwrap(e), &cause) {
		return e
	}
	pos := e.Position()
	format, args := cause.Msg()
	msg := fmt.Sprintf("@%v: %s", outerArgs[0], fmt.Sprintf(format, args...))
	switch format {
	case "only relative files are allowed":
		msg = "@embed: an absolute path is refused: degen embeds only files of the model's repository, by a path relative to the CUE file"
	case "cannot refer to parent directory":
		msg = "@embed: a path through \"..\" is refused: degen embeds only files under the CUE file's directory"
	}
	rel, rerr := filepath.Rel(root, pos.Filename())
	if len(args) > 0 && rerr == nil && filepath.IsLocal(rel) {
		dir := path.Dir(filepath.ToSlash(rel))
		arg := fmt.Sprint(args[0])
		var why *repofs.Error
		var what string
		switch format {
		case "open %v: no such file or directory":
			why, what = ref.get(path.Join(dir, arg), false), "file="+arg
		case "failed to stat %s: %v":
			why, what = ref.get(path.Join(dir, arg), false), "glob matching "+arg
		case "no matches for glob pattern %q":
			why, what = ref.get(path.Join(dir, path.Dir(arg)), true), "glob="+arg
		}
		if why != nil {
			msg = fmt.Sprintf("@embed(%s): %q %s", what, why.Path, why.Reason)
		}
	}
	return &rewordedError{e: e, msg: msg}
}

// rewordedError is a CUE error with another message, at the same
// positions and path.
type rewordedError struct {
	e   cueerrors.Error
	msg string
}

func (e *rewordedError) Position() token.Pos         { return e.e.Position() }
func (e *rewordedError) InputPositions() []token.Pos { return e.e.InputPositions() }
func (e *rewordedError) Path() []string              { return e.e.Path() }
func (e *rewordedError) Msg() (string, []any)        { return "%s", []any{e.msg} }
func (e *rewordedError) Error() string               { return e.msg }
