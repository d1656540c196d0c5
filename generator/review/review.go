// Package review gathers the two sides a degen diff compares: the files in
// out/, the files the model generates at a git revision, and the files of
// one environment of a build. It never writes into the work tree.
package review

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/writer"
)

// ReadOut returns the files of out/ that degen generated for any of envs
// (every environment when envs is nil), as its index lists them. A file the
// index lists but that is missing from disk is left out, so it shows as
// added. A corrupt index is a *writer.CorruptIndexError. out/ is read as
// degen build reads it (writer.ReadOut): a symbolic link or special file
// anywhere inside is a *writer.LinkError, and nothing is read through it.
func ReadOut(out string, envs []string) (map[string][]byte, error) {
	files, _, err := readOut(out, envs)
	return files, err
}

// readOut is ReadOut that also returns the environments the index names
// for each file read.
func readOut(out string, envs []string) (map[string][]byte, map[string][]string, error) {
	want := map[string]bool{}
	for _, e := range envs {
		want[e] = true
	}
	idx, files, err := writer.ReadOut(out, func(_ string, e writer.IndexEntry) bool {
		return envs == nil || anyOf(e.Envs, want)
	})
	if err != nil {
		return nil, nil, err
	}
	owners := map[string][]string{}
	for p := range files {
		owners[p] = idx.Files[p].Envs
	}
	return files, owners, nil
}

func anyOf(envs []string, want map[string]bool) bool {
	for _, e := range envs {
		if want[e] {
			return true
		}
	}
	return false
}

// EnvFiles returns the files of a build that env generated, shared files
// included.
func EnvFiles(res *generator.Result, env string) map[string][]byte {
	files := map[string][]byte{}
	for p, owners := range res.Owners {
		for _, o := range owners {
			if o == env {
				files[p] = res.Files[p]
			}
		}
	}
	return files
}

// RefError is returned when a git revision cannot be read.
type RefError struct {
	Ref    string
	Detail string
}

func (e *RefError) Error() string {
	return fmt.Sprintf("cannot read git revision %q: %s (give a branch, tag or commit of this repository, e.g. --base origin/main; in CI fetch the history with fetch-depth: 0)", e.Ref, e.Detail)
}

// BuildAt builds the model as it is at the git revision ref of the
// repository holding opts.Dir. The revision's tree is extracted with git
// archive into a temporary directory, which is removed afterwards; the work
// tree and the index are never touched.
func BuildAt(ref string, opts generator.Options) (*model.Model, *generator.Result, error) {
	var m *model.Model
	var res *generator.Result
	err := atRevision(ref, opts.Dir, func(dir string) error {
		opts.Dir = dir
		var err error
		if m, res, err = generator.Build(opts); err != nil {
			return fmt.Errorf("building the model at %s: %w", ref, err)
		}
		return nil
	})
	return m, res, err
}

// atRevision extracts the model's directory dir as it is at the git
// revision ref into a temporary directory, calls f with it, and removes
// it.
func atRevision(ref, dir string, f func(dir string) error) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // git reports the top level with symlinks resolved
	}
	commit, err := resolve(dir, ref)
	if err != nil {
		return err
	}
	top, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return &RefError{Ref: ref, Detail: err.Error()}
	}
	prefix, err := filepath.Rel(strings.TrimSpace(top), dir)
	if err != nil {
		return err
	}
	// commit:path names the model's directory in that commit, so the
	// archive holds just the model, at its root.
	tree := commit + ":"
	if prefix != "." {
		tree += filepath.ToSlash(prefix)
	}
	archive, err := git(strings.TrimSpace(top), "archive", "--format=tar", tree)
	if err != nil {
		return &RefError{Ref: ref, Detail: err.Error()}
	}
	tmp, err := os.MkdirTemp("", "degen-base-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := untar(tmp, []byte(archive)); err != nil {
		return fmt.Errorf("extracting %s: %w", ref, err)
	}
	return f(tmp)
}

// resolve returns the commit ref names in the repository holding dir.
func resolve(dir, ref string) (string, error) {
	commit, err := git(dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", &RefError{Ref: ref, Detail: "no such commit"}
	}
	return strings.TrimSpace(commit), nil
}

// git runs git in dir and returns its standard output.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.String(), nil
}

// untar writes the regular files and directories of a tar stream under dir,
// through an os.Root opened on it (writer.CreateNew: no link followed, no
// file overwritten), refusing any entry that would land outside it. Links
// in the stream are not created.
func untar(dir string, data []byte) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(h.Name)
		if name == "." || path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			if name == "." {
				continue
			}
			return fmt.Errorf("archive entry %q escapes the tree", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(filepath.FromSlash(name), writer.DirMode); err != nil {
				return err
			}
		case tar.TypeReg:
			body, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if err := writer.CreateNew(root, name, body, writer.FileMode); err != nil {
				return err
			}
		}
	}
}
