package load

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// An overlaid file is evaluated in place of the repository's, which stays
// as it is; a position after the value is dropped reads the overlay too.
func TestOverlay(t *testing.T) {
	onDisk, err := os.ReadFile(filepath.Join("../..", "envs", "prod.cue"))
	if err != nil {
		t.Fatal(err)
	}
	tag := regexp.MustCompile(`(appTag:\s+)"[^"]*"`)
	loc := tag.FindIndex(onDisk)
	if loc == nil {
		t.Fatal("envs/prod.cue no longer sets params.appTag")
	}
	line := bytes.Count(onDisk[:loc[0]], []byte("\n")) + 1
	// One line more above it: a position read from the disk's file would
	// be a line off.
	edited := bytes.Replace(tag.ReplaceAll(onDisk, []byte(`${1}"v9.9.9"`)), []byte("package envs\n"), []byte("package envs\n\n// overlaid"), 1)
	line++
	m, err := Load(Options{Dir: "../..", Envs: []string{"prod"}, Overlay: map[string][]byte{"envs/prod.cue": edited}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Envs["prod"].Params["appTag"]; got != "v9.9.9" {
		t.Errorf("params.appTag = %v, want the overlay's v9.9.9", got)
	}
	if p := Line(m.Envs["prod"], "params.appTag"); p.Line() != line {
		t.Errorf("params.appTag decided at %v, want the overlay's line %d", p, line)
	}
	plain, err := Load(Options{Dir: "../..", Envs: []string{"prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.Envs["prod"].Params["appTag"]; got == "v9.9.9" {
		t.Error("the overlay leaked into a load without it")
	}
}
