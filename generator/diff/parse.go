package diff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// object is one comparable unit of a file.
type object struct {
	id string
	// name is the object's own name, checked for secrets like a field key
	// (an .env variable named DB_PASSWORD is redacted).
	name string
	// value is the decoded object: JSON-like maps, lists and scalars.
	value any
	// redactAll hides every value (a Kubernetes Secret's data).
	redactAll bool
}

// parseFile splits a file into objects according to its name.
func parseFile(p string, data []byte, opts Options) ([]object, error) {
	base := path.Base(p)
	switch {
	case strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml"):
		return parseYAML(data, opts)
	case strings.HasSuffix(base, ".tfvars"):
		return parseTFVars(p, data)
	case base == ".env" || strings.HasPrefix(base, ".env.") || strings.HasSuffix(base, ".env"):
		return parseDotenv(data)
	case strings.HasSuffix(base, ".json"):
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		return topLevel(v, ""), nil
	default:
		return []object{{id: "file", value: textLines(data)}}, nil
	}
}

// parseYAML reads every document of a YAML stream.
func parseYAML(data []byte, opts Options) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []any
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading YAML: %w", err)
		}
		var v any
		if err := yaml.Unmarshal(doc, &v); err != nil {
			return nil, fmt.Errorf("not valid YAML (document %d): %w", len(docs)+1, err)
		}
		if v == nil {
			continue // empty document
		}
		docs = append(docs, v)
	}
	var out []object
	for i, d := range docs {
		objs := yamlDoc(d, opts)
		if len(docs) > 1 && !isKube(d) {
			// Documents without an identity are matched by position.
			for j := range objs {
				if objs[j].id == "document" {
					objs[j].id = fmt.Sprintf("document %d", i+1)
				} else {
					objs[j].id = fmt.Sprintf("document %d: %s", i+1, objs[j].id)
				}
			}
		}
		out = append(out, objs...)
	}
	return dedupIDs(out), nil
}

// yamlDoc classifies one document: a Kubernetes object, a Compose file, a
// Prometheus configuration or any other document.
func yamlDoc(d any, opts Options) []object {
	m, _ := d.(map[string]any)
	switch {
	case isKube(d):
		return []object{kubeObject(m, opts)}
	case m != nil && isMap(m["services"]):
		return compose(m)
	case m != nil && m["scrape_configs"] != nil:
		return prometheus(m)
	default:
		return []object{{id: "document", value: d}}
	}
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

func isKube(d any) bool {
	m, ok := d.(map[string]any)
	return ok && m["kind"] != nil && isMap(m["metadata"])
}

// kubeObject identifies a Kubernetes object by apiVersion, kind, namespace
// and name.
func kubeObject(m map[string]any, opts Options) object {
	meta := m["metadata"].(map[string]any)
	name := fmt.Sprint(meta["name"])
	if ns, ok := meta["namespace"].(string); ok && ns != "" && !opts.IgnoreNamespace {
		name = ns + "/" + name
	}
	id := strings.TrimSpace(fmt.Sprintf("%v %v %s", str(m["apiVersion"]), m["kind"], name))
	return object{id: id, value: m, redactAll: m["kind"] == "Secret"}
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// compose makes one object per service, network, volume, config and secret,
// and one per other top-level key.
func compose(m map[string]any) []object {
	var out []object
	sections := map[string]string{"services": "service", "networks": "network", "volumes": "volume", "configs": "config", "secrets": "secret"}
	for _, k := range sortedKeys(m) {
		kind, ok := sections[k]
		sub, isM := m[k].(map[string]any)
		if !ok || !isM {
			out = append(out, object{id: k, name: k, value: m[k]})
			continue
		}
		for _, name := range sortedKeys(sub) {
			out = append(out, object{id: kind + " " + name, name: kind + " " + name, value: sub[name]})
		}
	}
	return out
}

// prometheus makes one object per scrape job and one per other top-level
// key.
func prometheus(m map[string]any) []object {
	var out []object
	for _, k := range sortedKeys(m) {
		jobs, ok := m[k].([]any)
		if k != "scrape_configs" || !ok {
			out = append(out, object{id: k, name: k, value: m[k]})
			continue
		}
		for i, j := range jobs {
			id := fmt.Sprintf("scrape_configs[%d]", i)
			if jm, ok := j.(map[string]any); ok && jm["job_name"] != nil {
				id = fmt.Sprintf("job %v", jm["job_name"])
			}
			out = append(out, object{id: id, value: j})
		}
	}
	return dedupIDs(out)
}

// parseTFVars makes one object per top-level attribute of a tfvars file,
// evaluated without variables or functions as Terraform reads tfvars.
func parseTFVars(p string, data []byte) ([]object, error) {
	f, diags := hclparse.NewParser().ParseHCL(data, p)
	if diags.HasErrors() {
		return nil, fmt.Errorf("not valid HCL: %w", diags)
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, fmt.Errorf("not a tfvars file: %w", diags)
	}
	var out []object
	for _, name := range sortedKeys(attrs) {
		v, diags := attrs[name].Expr.Value(&hcl.EvalContext{})
		if diags.HasErrors() {
			return nil, fmt.Errorf("evaluating %s: %w", name, diags)
		}
		js, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return nil, fmt.Errorf("rendering %s: %w", name, err)
		}
		var val any
		if err := json.Unmarshal(js, &val); err != nil {
			return nil, err
		}
		out = append(out, object{id: "variable " + name, name: name, value: val})
	}
	return out, nil
}

// parseDotenv makes one object per variable of an .env file.
func parseDotenv(data []byte) ([]object, error) {
	vars, err := dotenv.ParseWithLookup(bytes.NewReader(data), func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, fmt.Errorf("not a valid .env file: %w", err)
	}
	var out []object
	for _, name := range sortedKeys(vars) {
		out = append(out, object{id: "variable " + name, name: name, value: vars[name]})
	}
	return out, nil
}

// topLevel makes one object per top-level key of a map, or one object of
// the whole value.
func topLevel(v any, prefix string) []object {
	m, ok := v.(map[string]any)
	if !ok {
		return []object{{id: prefix + "document", value: v}}
	}
	var out []object
	for _, k := range sortedKeys(m) {
		out = append(out, object{id: prefix + k, name: k, value: m[k]})
	}
	return out
}

// textLines is a text file as a map of numbered lines, so a change names
// the lines that differ.
func textLines(data []byte) any {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	width := len(fmt.Sprint(len(lines)))
	m := map[string]any{}
	for i, l := range lines {
		m[fmt.Sprintf("line %0*d", width, i+1)] = l
	}
	return m
}

// dedupIDs numbers objects that share an ID so none is lost.
func dedupIDs(objs []object) []object {
	seen := map[string]int{}
	for i := range objs {
		seen[objs[i].id]++
		if n := seen[objs[i].id]; n > 1 {
			objs[i].id = fmt.Sprintf("%s (#%d)", objs[i].id, n)
		}
	}
	return objs
}
