package generator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/target"
)

// TestPlaceOf: out/'s path in its repository and the model seen from out/,
// for the layouts a repository may have.
func TestPlaceOf(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	bare := t.TempDir() // no repository above it (t.TempDir is outside this one)
	for _, tt := range []struct {
		name, dir, out string
		want           target.Place
	}{
		{"model at the root", root, filepath.Join(root, "out"), target.Place{}},
		{"model in a subdirectory", filepath.Join(root, "deploy"), filepath.Join(root, "deploy", "out"), target.Place{OutInRepo: "deploy/out"}},
		{"out elsewhere", filepath.Join(root, "model"), filepath.Join(root, "gen", "out"), target.Place{OutInRepo: "gen/out", ModelFromOut: "../../model"}},
		{"no repository", bare, filepath.Join(bare, "out"), target.Place{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := generator.PlaceOf(tt.dir, tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PlaceOf(%s, %s) = %+v, want %+v", tt.dir, tt.out, got, tt.want)
			}
		})
	}
}
