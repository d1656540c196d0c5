package generator

import (
	"os"
	"path/filepath"

	"github.com/degen-dev/degen/generator/target"
)

// PlaceOf says where the out/ directory out lies for the model at dir: its
// path in the Git repository that holds it (the nearest parent with a .git
// entry; without one, out/ is taken to be at the repository's root beside
// the model, as in the zero Place) and the model's root seen from it.
// Nothing is run: the repository is found by looking at the directories.
func PlaceOf(dir, out string) (target.Place, error) {
	var p target.Place
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return p, err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return p, err
	}
	if rel, err := filepath.Rel(absOut, absDir); err == nil {
		p.ModelFromOut = filepath.ToSlash(rel)
	}
	for d := absOut; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			if rel, err := filepath.Rel(d, absOut); err == nil && filepath.IsLocal(rel) {
				p.OutInRepo = filepath.ToSlash(rel)
			}
			break
		}
		if filepath.Dir(d) == d {
			if rel, err := filepath.Rel(absDir, absOut); err == nil && filepath.IsLocal(rel) {
				p.OutInRepo = filepath.ToSlash(rel)
			}
			break
		}
	}
	if p.ModelFromOut == ".." {
		p.ModelFromOut = ""
	}
	if p.OutInRepo == "out" {
		p.OutInRepo = ""
	}
	return p, nil
}
