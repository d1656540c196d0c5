package load_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/load"
)

// embedModel is the tiny model with its project name embedded from
// envs/name.txt, a file the test lays out (or links) itself.
func embedModel(t *testing.T) string {
	t.Helper()
	dir := writeModel(t, `project: name: "tiny"`, `project: name: _ @embed(file=name.txt, type=text)`)
	src, err := os.ReadFile(filepath.Join(dir, "envs/stack.cue"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "envs/stack.cue"), append([]byte("@extern(embed)\n\n"), src...))
	return dir
}

// TestReadsListEmbeddedFiles: the files an instance read include those its
// CUE files embed, by the path the model gives, so that a cache can key on
// them.
func TestReadsListEmbeddedFiles(t *testing.T) {
	dir := embedModel(t)
	writeFile(t, filepath.Join(dir, "infra/name.txt"), []byte("tiny"))
	if err := os.Symlink("../infra/name.txt", filepath.Join(dir, "envs/name.txt")); err != nil {
		t.Fatal(err)
	}
	m, err := load.Load(load.Options{Dir: dir})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	env := m.Envs["tiny"]
	if env.Project.Name != "tiny" {
		t.Errorf("project name %q, want the embedded tiny", env.Project.Name)
	}
	reads := load.Reads(env)
	for _, want := range []string{"envs/stack.cue", "envs/name.txt", "cue.mod/module.cue"} {
		if !slices.Contains(reads, want) {
			t.Errorf("Reads = %v, want %s in it", reads, want)
		}
	}
}

// TestEmbedOutsideRefused: an @embed that would read outside the model
// root, or .git/, is an error at the attribute saying why, and no byte of
// the file reaches the message.
func TestEmbedOutsideRefused(t *testing.T) {
	for _, c := range []struct{ name, target, want string }{
		{"outside", "../../canary.txt", `"envs/name.txt" leads outside the model root through a symbolic link`},
		{"git", "../.git/config", `"envs/name.txt" leads through a symbolic link into .git/`},
		{"degen", "../.degen/x", `"envs/name.txt" leads through a symbolic link into .degen/`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := embedModel(t)
			writeFile(t, filepath.Join(dir, "../canary.txt"), []byte("CANARY-1"))
			writeFile(t, filepath.Join(dir, ".git/config"), []byte("CANARY-2"))
			writeFile(t, filepath.Join(dir, ".degen/x"), []byte("CANARY-3"))
			if err := os.Symlink(c.target, filepath.Join(dir, "envs/name.txt")); err != nil {
				t.Fatal(err)
			}
			_, err := load.Load(load.Options{Dir: dir})
			if err == nil {
				t.Fatal("the model loaded")
			}
			got := load.Format(err, dir)
			line := lineOf(t, `project: name: "tiny"`) + 2 // after @extern and a blank line
			if !strings.HasPrefix(got, "./envs/stack.cue:"+strconv.Itoa(line)+":") || !strings.Contains(got, "@embed(file=name.txt): "+c.want) {
				t.Errorf("got %q, want ./envs/stack.cue:%d: @embed(file=name.txt): %s", got, line, c.want)
			}
			if strings.Contains(got, "CANARY") {
				t.Errorf("the message shows the file: %q", got)
			}
		})
	}
}

// TestOversizedFileRefused: a CUE file over MaxModelFile is refused at the
// file, naming it, before it is parsed.
func TestOversizedFileRefused(t *testing.T) {
	dir := writeModel(t)
	big := append([]byte("package envs\n\n// "), make([]byte, load.MaxModelFile)...)
	for i := range big[16:] {
		big[16+i] = 'x'
	}
	writeFile(t, filepath.Join(dir, "envs/big.cue"), big)
	_, err := load.Load(load.Options{Dir: dir})
	if err == nil {
		t.Fatal("the model loaded")
	}
	if got := load.Format(err, dir); !strings.HasPrefix(got, `./envs/big.cue:1:1: error: model: "envs/big.cue" is larger than`) {
		t.Errorf("got %q", got)
	}
}
