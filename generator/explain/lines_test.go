package explain

import (
	"strings"
	"testing"
)

// TestLines maps lines of each kind of generated file to their object and
// key path, and leaves comments, blank lines and brackets out.
func TestLines(t *testing.T) {
	cases := []struct {
		file, data string
		want       map[int]string // line → OBJECT key path
		none       []int
	}{{
		file: "kubernetes/base/web.yaml",
		data: `# header
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: web:1
        args:
        - --port
---
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
`,
		want: map[int]string{2: "Deployment/web apiVersion", 7: "Deployment/web spec.replicas", 11: "Deployment/web spec.template.spec.containers[name=web]",
			12: "Deployment/web spec.template.spec.containers[name=web].image", 14: "Deployment/web spec.template.spec.containers[name=web].args[0]",
			21: "Service/web spec.ports[0]"},
		none: []int{1, 15},
	}, {
		file: "kubernetes/overlays/prod/patches/deployment-web.yaml",
		data: "- op: replace\n  path: /spec/replicas\n  value: 3\n",
		want: map[int]string{1: " [0]", 2: " [0].path", 3: " [0].value"},
	}, {
		file: "flags/prod/flags.json",
		data: "{\n  \"a\": true,\n  \"b\": [\n    \"x\"\n  ]\n}\n",
		want: map[int]string{2: " a", 3: " b", 4: " b[0]"},
		none: []int{1, 6},
	}, {
		file: "terraform/prod.tfvars",
		data: "# Generated\nbuckets = {\n  raw = {\n    acl = \"private\"\n  }\n}\nbrokers = 3\nservers = [\"a\", \"b\"]\n",
		want: map[int]string{2: " buckets", 3: " buckets.raw", 4: " buckets.raw.acl", 7: " brokers", 8: " servers"},
		none: []int{1, 5},
	}, {
		file: "env/.env.dev",
		data: "# header\n\n# read by web.A\nA=1\nB=\"two words\"\n",
		want: map[int]string{4: " A", 5: " B"},
		none: []int{1, 2, 3},
	}, {
		// The rest of a block scalar is the value's line.
		file: "compose/dev/web.yml",
		data: "services:\n  web:\n    environment:\n      CONF: |\n        a: 1\n        # b\n\n        c: 2\n    # a comment\n    image: web\n",
		want: map[int]string{4: " services.web.environment.CONF", 5: " services.web.environment.CONF", 6: " services.web.environment.CONF", 8: " services.web.environment.CONF", 10: " services.web.image"},
		none: []int{7, 9},
	}, {
		// A block is its type and labels.
		file: "terraform/variables.tf",
		data: "variable \"brokers\" {\n  type = number\n}\n",
		want: map[int]string{1: " variable.brokers", 2: " variable.brokers.type"},
		none: []int{3},
	}}
	for _, c := range cases {
		lines, err := Lines(c.file, []byte(c.data))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got := map[int]string{}
		for _, l := range lines {
			got[l.Number] = l.Object + " " + l.Field()
			if l.File != c.file {
				t.Errorf("%s:%d: File %q", c.file, l.Number, l.File)
			}
		}
		for n, want := range c.want {
			if got[n] != want {
				t.Errorf("%s:%d = %q, want %q", c.file, n, got[n], want)
			}
		}
		for _, n := range c.none {
			if g, ok := got[n]; ok {
				t.Errorf("%s:%d = %q, want no node (comment, blank or brackets)", c.file, n, g)
			}
		}
	}
}

// TestLinesValues keeps the scalar of a line, which the .env and the
// kustomization origins read.
func TestLinesValues(t *testing.T) {
	lines, err := Lines("env/.env.dev", []byte("A=\"x y\"\n"))
	if err != nil || len(lines) != 1 || lines[0].Value != "x y" {
		t.Fatalf("Lines = %+v, %v; want A with value x y", lines, err)
	}
	if _, err := Lines("notes.txt", nil); err == nil || !strings.Contains(err.Error(), "not a YAML") {
		t.Fatalf("Lines of a .txt file: %v, want an error naming the kinds read", err)
	}
}

func TestParseOutRef(t *testing.T) {
	for in, want := range map[string]OutRef{
		"out/a.yaml":        {File: "out/a.yaml"},
		"out/a.yaml:12":     {File: "out/a.yaml", Line: 12},
		"out/a.yaml#spec.x": {File: "out/a.yaml", Field: "spec.x"},
		"out/a.yaml#Deployment/web.spec.replicas": {File: "out/a.yaml", Field: "Deployment/web.spec.replicas"},
	} {
		got, err := ParseOutRef(in)
		if err != nil || got != want {
			t.Errorf("ParseOutRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"out/a.yaml:0", "out/a.yaml:x", "out/a.yaml#"} {
		if _, err := ParseOutRef(bad); err == nil {
			t.Errorf("ParseOutRef(%q) accepted", bad)
		}
	}
}
