package diag

import (
	"strings"
	"testing"
)

func TestMergeFoldsEnvironments(t *testing.T) {
	d := Diagnostic{Source: "schema", Code: "undefined-flag", Path: "services.web.flags", Severity: Error,
		Message: `flag "beta" is not defined`, Hint: "add it under flags", Pos: Pos{File: "./stack.cue", Line: 3, Col: 2}}
	a, b, c := d, d, d
	a.Envs, b.Envs, c.Envs = []string{"prod"}, []string{"dev"}, []string{"prod"}
	w := Diagnostic{Source: "compose", Code: "ingress-not-carried", Subject: "web", Severity: Warning, Message: "no ingress", Envs: []string{"local"}}
	got := Merge([]Diagnostic{w, a, b, c})
	if len(got) != 2 {
		t.Fatalf("Merge gave %d diagnostics, want 2: %v", len(got), got)
	}
	if got[0].Severity != Error || strings.Join(got[0].Envs, ",") != "dev,prod" {
		t.Errorf("first = %+v, want the error found in dev and prod", got[0])
	}
	want := "./stack.cue:3:2: error: schema (dev, prod): services.web.flags: flag \"beta\" is not defined: add it under flags"
	if got[0].Text() != want {
		t.Errorf("Text =\n%s\nwant\n%s", got[0].Text(), want)
	}
	if !strings.HasSuffix(got[1].Text(), "[compose/ingress-not-carried/web]") {
		t.Errorf("a warning's text ends with its ID: %s", got[1].Text())
	}
}

func TestTextEscapes(t *testing.T) {
	d := Diagnostic{Source: "model", Code: "x", Severity: Error, Message: "bad \x1b[31m name"}
	if strings.ContainsRune(d.Text(), 0x1b) {
		t.Errorf("Text keeps a raw ESC: %q", d.Text())
	}
}

func TestParsePosRoundTrips(t *testing.T) {
	for _, s := range []string{"./envs/prod.cue:12:3", "out/compose/local/compose.yaml:4:1", "docker-compose.yml:9", ".env", ""} {
		if got := ParsePos(s).String(); got != s {
			t.Errorf("ParsePos(%q).String() = %q", s, got)
		}
	}
	if p := ParsePos("./a.cue:7:2"); p.Line != 7 || p.Col != 2 || p.File != "./a.cue" {
		t.Errorf("ParsePos = %+v", p)
	}
}

// TestTextNamesSubjectOrPath: a diagnostic without a path names its
// subject; a policy's error ends with its ID (the rule policies/ overrides).
func TestTextNamesSubjectOrPath(t *testing.T) {
	d := Diagnostic{Source: "compose", Code: "x", Subject: "web", Severity: Warning, Message: "m", Envs: []string{"local"}}
	if got, want := d.Text(), "warning: compose (local): web: m [compose/x/web]"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	d.Path = "services.web.kind"
	if got, want := d.Text(), "warning: compose (local): services.web.kind: m [compose/x/web]"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	p := Diagnostic{Source: "policy", Code: "images-pinned", Subject: "web", Severity: Error, Message: "m"}
	if !strings.HasSuffix(p.Text(), "[policy/images-pinned/web]") {
		t.Errorf("a policy's error does not end with its ID: %s", p.Text())
	}
	s := Diagnostic{Source: "schema", Code: "conflict", Severity: Error, Message: "m"}
	if strings.Contains(s.Text(), "[") {
		t.Errorf("a schema error shows an ID: %s", s.Text())
	}
}

// TestMergeFoldsSeverities: a policy that denies in prod and staging and
// warns in local is one line, the error's, naming the others.
func TestMergeFoldsSeverities(t *testing.T) {
	d := Diagnostic{Source: "policy", Code: "resources-set", Subject: "worker", Path: "services.worker.resources",
		Message: "no cpu limits", Hint: "add one", Pos: Pos{File: "./stack.cue", Line: 14, Col: 3}}
	var ds []Diagnostic
	for _, e := range []struct {
		env string
		sev Severity
	}{{"local", Warning}, {"staging", Error}, {"prod", Error}, {"dev", Warning}} {
		x := d
		x.Envs, x.Severity = []string{e.env}, e.sev
		ds = append(ds, x)
	}
	got := Merge(ds)
	if len(got) != 1 {
		t.Fatalf("Merge gave %d diagnostics, want 1: %v", len(got), got)
	}
	want := "./stack.cue:14:3: error: [deny] prod/resources-set: services.worker.resources: no cpu limits: add one (also staging; warn in dev, local) [policy/resources-set/worker]"
	if got[0].Text() != want {
		t.Errorf("Text =\n%s\nwant\n%s", got[0].Text(), want)
	}
	s := Diagnostic{Source: "schema", Code: "c", Severity: Warning, Message: "m", Envs: []string{"local"}}
	e := s
	e.Severity, e.Envs = Error, []string{"prod"}
	if got, want := Merge([]Diagnostic{s, e})[0].Text(), "error: schema (prod; warning in local): m"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
