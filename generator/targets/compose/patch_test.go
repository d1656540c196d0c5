package compose_test

import (
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
)

// TestComposePatch patches the tiny model's app service with a field the
// schema does not carry (shm_size), a changed one (restart) and a removed
// one (null): compose-go loads the result with the patch applied, and the
// other service is untouched.
func TestComposePatch(t *testing.T) {
	root := tinyModel(t, `package envs

environments: local: compose: patches: app: {
	shm_size: "256m"
	restart:  "on-failure"
	labels: "example.com/tier": "web"
	depends_on: null
}
`)
	m, res, err := generator.Build(generator.Options{Dir: root, Targets: targets()})
	if err != nil {
		t.Fatal(load.Format(err, root))
	}
	out := writeOut(t, res)
	env := m.Envs["local"]
	vars := composeEnv(t, out, env)
	for _, files := range [][]string{composeFiles(res, env), {"compose.yaml"}} {
		p, err := loadProject(t, out, "local", files, vars)
		if err != nil {
			t.Fatalf("compose-go rejects the patched files %v: %v", files, err)
		}
		app, err := p.GetService("app")
		if err != nil {
			t.Fatal(err)
		}
		if app.ShmSize != 256*1024*1024 {
			t.Errorf("%v: app shm_size = %d, want 256m", files, app.ShmSize)
		}
		if app.Restart != "on-failure" {
			t.Errorf("%v: app restart = %q, want on-failure", files, app.Restart)
		}
		if app.Labels["example.com/tier"] != "web" {
			t.Errorf("%v: app labels = %v", files, app.Labels)
		}
		if len(app.DependsOn) != 0 {
			t.Errorf("%v: app depends_on = %v, want it removed", files, app.DependsOn)
		}
		if app.Image != "app:1.0.0" {
			t.Errorf("%v: app image = %q: the patch lost a generated field", files, app.Image)
		}
		db, err := p.GetService("db")
		if err != nil {
			t.Fatal(err)
		}
		if db.ShmSize != 0 || db.Restart == "on-failure" {
			t.Errorf("%v: db was patched too: shm_size %d, restart %q", files, db.ShmSize, db.Restart)
		}
	}
}

// TestComposePatchBadInput refuses a patch of no service and one that
// leaves a service Compose refuses, at the patch's line.
func TestComposePatchBadInput(t *testing.T) {
	for name, c := range map[string]struct {
		local string
		want  []string
	}{
		"unknown service": {
			local: "package envs\n\nenvironments: local: compose: patches: ap: shm_size: \"1g\"\n",
			want:  []string{"./envs/local.cue:3:", `compose.patches names "ap", which is not a service`, "app, db"},
		},
		"invalid service": {
			local: "package envs\n\nenvironments: local: compose: patches: app: shm_size: {big: true}\n",
			want:  []string{"./envs/local.cue:3:", "the Compose specification refuses", "shm_size"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			msg, _ := build(t, c.local)
			if msg == "" {
				t.Fatal("the model built")
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			if !strings.HasPrefix(msg, c.want[0]) {
				t.Errorf("the first line is not at %s:\n%s", c.want[0], msg)
			}
		})
	}
}
