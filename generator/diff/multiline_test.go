package diff

import (
	"strings"
	"testing"
)

// TestMultilineValues: a config file inside a value shows the lines that
// differ, not the whole file twice.
func TestMultilineValues(t *testing.T) {
	old := map[string][]byte{"kubernetes/cm.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flink\ndata:\n  props: |\n    a: 1\n    b: 2\n    c: 3\n")}
	new := map[string][]byte{"kubernetes/cm.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flink\ndata:\n  props: |\n    a: 1\n    b: 20\n    c: 3\n")}
	rep, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Objects) != 1 || len(rep.Objects[0].Changes) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	c := rep.Objects[0].Changes[0]
	if c.Field != "data.props (lines)" || c.Old != `["b: 2"]` || c.New != `["b: 20"]` {
		t.Fatalf("change = %+v", c)
	}
}

// TestEnvValueKey: comparing two environments ignores values that differ
// only by the environments' names, and keeps the rest.
func TestEnvValueKey(t *testing.T) {
	doc := func(ns, host string) map[string][]byte {
		return map[string][]byte{"kubernetes/i.yaml": []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: " + ns + "\nspec:\n  host: " + host + "\n")}
	}
	rep, err := Compare(doc("de-staging", "staging.example.com"), doc("de-prod", "example.com"), Options{IgnoreNamespace: true, ValueKey: EnvValueKey("prod", "staging")})
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, o := range rep.Objects {
		for _, c := range o.Changes {
			fields = append(fields, c.Field)
		}
	}
	if strings.Join(fields, ",") != "spec.host" {
		t.Fatalf("changed fields = %v, want only spec.host", fields)
	}
}

// TestKustomizeView: overlays are compared as kustomize builds them, so a
// base change shows on the built object of each overlay.
func TestKustomizeView(t *testing.T) {
	files := func(replicas string) map[string][]byte {
		return map[string][]byte{
			"kubernetes/base/kustomization.yaml":          []byte("resources:\n- d.yaml\n"),
			"kubernetes/base/d.yaml":                      []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: " + replicas + "\n"),
			"kubernetes/overlays/prod/kustomization.yaml": []byte("namespace: de-prod\nresources:\n- ../../base\n"),
		}
	}
	rep, err := Compare(files("1"), files("2"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Objects) != 1 {
		t.Fatalf("objects = %+v", rep.Objects)
	}
	o := rep.Objects[0]
	if o.File != "kubernetes/overlays/prod/"+BuiltName || o.ID != "apps/v1 Deployment de-prod/api" || o.Changes[0].Field != "spec.replicas" {
		t.Fatalf("object = %+v", o)
	}
	raw, err := Compare(files("1"), files("2"), Options{Raw: true})
	if err != nil || len(raw.Objects) != 1 || raw.Objects[0].File != "kubernetes/base/d.yaml" {
		t.Fatalf("raw = %+v, %v", raw, err)
	}
}
