package main

import (
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/target"
)

func diags(ws ...target.Warning) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, w := range ws {
		ds = append(ds, w.Diagnostic())
	}
	return ds
}

func TestPrintWarningsGroupsEnvironments(t *testing.T) {
	var b strings.Builder
	printDiags(&b, diags(
		target.Warning{Env: "local", Target: "compose", Subject: "grafana", Message: "ingress /grafana is not carried"},
		target.Warning{Env: "dev", Target: "compose", Subject: "grafana", Message: "ingress /grafana is not carried"},
		target.Warning{Env: "dev", Target: "compose", Subject: "kafka-ui", Message: "nodePort 30080 is Kubernetes only"},
		target.Warning{Env: "prod", Target: "kubernetes", Subject: "", Message: "something else"},
	))
	want := "warning: compose (dev, local): grafana: ingress /grafana is not carried\n" +
		"warning: compose (dev): kafka-ui: nodePort 30080 is Kubernetes only\n" +
		"warning: kubernetes (prod): something else\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestPrintWarningsEscaped: a warning that carries a model's text (a
// subject, a message) prints it on one line, its controls escaped.
func TestPrintWarningsEscaped(t *testing.T) {
	var b strings.Builder
	printDiags(&b, diags(
		target.Warning{Env: "prod", Target: "kubernetes", Subject: "api\u202e", Message: "value \"x\x1b[1A\x1b[2K\rok\"\nwarning: forged"},
	))
	want := `warning: kubernetes (prod): api\u202e: value "x\x1b[1A\x1b[2K\rok"\nwarning: forged` + "\n"
	if b.String() != want {
		t.Fatalf("got:\n%q\nwant:\n%q", b.String(), want)
	}
}
