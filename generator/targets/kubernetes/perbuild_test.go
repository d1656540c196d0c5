package kubernetes

import (
	"bytes"
	"testing"

	"github.com/degen-dev/degen/generator/target"
)

// TestForBuild: the target a build runs resolves the base once and makes
// exactly the files of the plain target; two builds share nothing.
func TestForBuild(t *testing.T) {
	r := theDefault(t)
	m := r.model
	b := (Target{}).ForBuild().(*buildTarget)
	if other := (Target{}).ForBuild().(*buildTarget); other == b {
		t.Fatal("two builds got one Kubernetes target value")
	}
	var first []target.File
	for _, env := range kubeEnvs(m) {
		out, err := b.Generate(target.Input{Env: m.Envs[env], Base: m.Base})
		if err != nil {
			t.Fatal(err)
		}
		want := r.out[env].Files
		if len(out.Files) != len(want) {
			t.Fatalf("%s: %d files, the plain target makes %d", env, len(out.Files), len(want))
		}
		for i := range want {
			if out.Files[i].Path != want[i].Path || !bytes.Equal(out.Files[i].Data, want[i].Data) {
				t.Fatalf("%s: file %d is %s, the plain target's %s (or their bytes differ)", env, i, out.Files[i].Path, want[i].Path)
			}
		}
		if first == nil {
			first = b.files
		} else if &b.files[0] != &first[0] {
			t.Fatalf("%s: the base was resolved again", env)
		}
	}
	if b.env != m.Base {
		t.Fatal("the build's target did not keep the base it resolved")
	}
}
