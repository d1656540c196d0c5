package writer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestDirRootsErrorsNameTheWholePath: an error of a file reached through
// a directory opened once names the file's path from the root, as an
// operation on the root itself would.
func TestDirRootsErrorsNameTheWholePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	r := &outRoot{Root: root, dirs: newDirRoots(root)}
	_, _, err = r.readRegularMode("a/b/missing.yaml")
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != "a/b/missing.yaml" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want a not-exist error naming a/b/missing.yaml", err)
	}
	if err := r.dirs.close(); err != nil || len(r.dirs.open) != 0 {
		t.Fatalf("close: %v, %d still open", err, len(r.dirs.open))
	}
}
