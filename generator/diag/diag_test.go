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
