package main

import (
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/target"
)

func TestPrintWarningsGroupsEnvironments(t *testing.T) {
	var b strings.Builder
	printWarnings(&b, []target.Warning{
		{Env: "local", Target: "compose", Subject: "grafana", Message: "ingress /grafana is not carried"},
		{Env: "dev", Target: "compose", Subject: "grafana", Message: "ingress /grafana is not carried"},
		{Env: "dev", Target: "compose", Subject: "kafka-ui", Message: "nodePort 30080 is Kubernetes only"},
		{Env: "prod", Target: "kubernetes", Subject: "", Message: "something else"},
	})
	want := "warning: compose (dev, local): grafana: ingress /grafana is not carried\n" +
		"warning: compose (dev): kafka-ui: nodePort 30080 is Kubernetes only\n" +
		"warning: kubernetes (prod): something else\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
