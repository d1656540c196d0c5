package compose_test

import (
	"testing"
)

// TestComposePatch patches the tiny model's app service with a field the
// schema does not carry (shm_size), a changed one (restart) and a removed
// one (null): compose-go loads the result with the patch applied, and the
// other service is untouched.
func TestComposePatch(t *testing.T) {
	m, res, out, vars := buildTiny(t, `package envs

environments: local: compose: patches: app: {
	shm_size: "256m"
	restart:  "on-failure"
	labels: "example.com/tier": "web"
	depends_on: null
}
`)
	env := m.Envs["local"]
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
