package load

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWhere: the positions of a model path come from the trees the Load
// kept, the environment's block first, then the base, then the schema.
func TestWhere(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"cue.mod/module.cue": "module: \"example.com/w@v0\"\nlanguage: version: \"v0.17.0\"\ndeps: \"degen.dev/schema@v1\": v: \"v1.0.0\"\n",
		"envs/stack.cue": `package envs

import "degen.dev/schema"

#Base: schema.#Environment & {
	project: name: "w"
	services: web: {
		image: "nginx:1.27.3"
		resources: requests: cpu: *"100m" | _
	}
}

environments: [N=string]: #Base & {name: N}
environments: {
	local: {stage: "local", artefacts: ["compose"]}
	prod: {
		artefacts: ["kubernetes"]
		services: web: resources: requests: cpu: "200m"
	}
}
`,
	} {
		f := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(Options{Dir: dir})
	if err != nil {
		t.Fatal(Format(err, dir))
	}
	trees := TreesOf(m.Envs["prod"])
	if trees == nil {
		t.Fatal("no trees kept")
	}
	str := func(env, path string) []string {
		var out []string
		for _, p := range trees.Where(env, path) {
			out = append(out, RelPos(p, dir))
		}
		return out
	}
	for _, c := range []struct {
		env, path string
		want      []string
	}{
		{"prod", "services.web.resources.requests.cpu", []string{"./envs/stack.cue:18:44", "./envs/stack.cue:9:29", "degen.dev/schema@v1.0.0/schema.cue"}},
		{"local", "services.web.image", []string{"./envs/stack.cue:8:10", "degen.dev/schema@v1.0.0/schema.cue"}},
		{"local", "stage", []string{"./envs/stack.cue:15:17", "degen.dev/schema@v1.0.0/schema.cue"}},
	} {
		got := str(c.env, c.path)
		if len(got) != len(c.want) {
			t.Errorf("Where(%s, %s) = %v, want %v", c.env, c.path, got, c.want)
			continue
		}
		for i := range got {
			if w := c.want[i]; len(got[i]) < len(w) || got[i][:len(w)] != w {
				t.Errorf("Where(%s, %s)[%d] = %s, want %s", c.env, c.path, i, got[i], w)
			}
		}
	}
	// The ranks: the environment's block, the base, the schema.
	ps := trees.Where("prod", "services.web.resources.requests.cpu")
	for i, want := range []int{rankEnv, rankBase, rankSchema} {
		if got := trees.Rank(ps[i], dir); got != want {
			t.Errorf("Rank(%s) = %d, want %d", RelPos(ps[i], dir), got, want)
		}
	}
	if !trees.IsDefault(ps[1]) {
		t.Errorf("%s is not seen as a default", RelPos(ps[1], dir))
	}
}
