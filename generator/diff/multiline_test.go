package diff

import (
	"strings"
	"testing"
)

// TestMultilineValues: a config file inside a value shows as a unified
// diff of its lines with three lines of context, in order, not the whole
// file twice nor the changed lines out of order.
func TestMultilineValues(t *testing.T) {
	cm := func(lines ...string) map[string][]byte {
		return map[string][]byte{"kubernetes/cm.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flink\ndata:\n  props: |\n    " + strings.Join(lines, "\n    ") + "\n")}
	}
	old := cm("l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10", "l11", "l12", "l13", "l14")
	new := cm("l1", "l2", "l3", "l4", "L5", "l6", "l7", "l8", "l9", "l10", "l11", "l12", "l13", "l14", "l15")
	rep, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Objects) != 1 || len(rep.Objects[0].Changes) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	c := rep.Objects[0].Changes[0]
	want := "@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n@@ -12,3 +12,4 @@\n l12\n l13\n l14\n+l15\n"
	if c.Field != "data.props" || c.Diff != want {
		t.Fatalf("change %s, diff:\n%s\nwant:\n%s", c.Field, c.Diff, want)
	}
	var b strings.Builder
	if err := WriteText(&b, rep, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "        data.props:\n          @@ -2,7 +2,7 @@\n           l2\n") {
		t.Errorf("text does not show the diff under the field:\n%s", b.String())
	}
	if md := Markdown(rep, MarkdownLimit); !strings.Contains(md, "  - <code>data.props</code>: \n\n  ```diff\n  @@ -2,7 +2,7 @@\n   l2\n") {
		t.Errorf("markdown has no diff block:\n%s", md)
	}
}

// TestEnvValueKey: comparing two environments ignores values that differ
// only by the environments' names, and keeps the rest.
func TestEnvValueKey(t *testing.T) {
	doc := func(ns, host string) map[string][]byte {
		return map[string][]byte{"kubernetes/i.yaml": []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: " + ns + "\nspec:\n  host: " + host + "\n")}
	}
	rep, err := Compare(doc("de-staging", "staging.example.com"), doc("de-prod", "example.com"), Options{IgnoreNamespace: true, OldValueKey: Env{Name: "staging", Namespace: "de-staging"}.ValueKey(), NewValueKey: Env{Name: "prod", Namespace: "de-prod"}.ValueKey()})
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

// TestEnvValueKeyEqualValue: a value both environments hold as it is
// ("letsencrypt-prod" in staging and in prod) is no change, although only
// prod's key of it has a placeholder; a value that differs still is.
func TestEnvValueKeyEqualValue(t *testing.T) {
	doc := func(issuer, class string) map[string][]byte {
		return map[string][]byte{"kubernetes/i.yaml": []byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    cert-manager.io/cluster-issuer: " + issuer + "\nspec:\n  ingressClassName: " + class + "\n")}
	}
	rep, err := Compare(doc("letsencrypt-prod", "nginx"), doc("letsencrypt-prod", "traefik"), Options{OldValueKey: Env{Name: "staging"}.ValueKey(), NewValueKey: Env{Name: "prod"}.ValueKey()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range rep.Objects {
		for _, c := range o.Changes {
			got = append(got, c.Field+": "+c.Old+" → "+c.New)
		}
	}
	if want := `spec.ingressClassName: "nginx" → "traefik"`; strings.Join(got, "\n") != want {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
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
