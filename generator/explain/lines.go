package explain

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/joho/godotenv"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	yaml "go.yaml.in/yaml/v3"

	"github.com/degen-dev/degen/generator/target"
)

// Lines parses a generated file with the library its kind is written with
// (YAML and JSON with yaml.v3, tfvars with HCL, .env with godotenv) and
// returns one target.Line for every line that holds a key or a list
// element, in line order: its document's object (KIND/NAME) and its key
// path. Comments and blank lines have none. A line holding several nodes
// (a flow list) is the first, outermost one.
func Lines(file string, data []byte) ([]target.Line, error) {
	var lines []target.Line
	var err error
	switch {
	case strings.HasSuffix(file, ".tfvars"), strings.HasSuffix(file, ".tf"):
		lines, err = hclLines(file, data)
	case strings.HasPrefix(path.Base(file), ".env"):
		lines, err = dotenvLines(data)
	case strings.HasSuffix(file, ".yaml"), strings.HasSuffix(file, ".yml"), strings.HasSuffix(file, ".json"):
		lines, err = yamlLines(data)
	default:
		return nil, fmt.Errorf("%s is not a YAML, JSON, HCL or .env file", file)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	slices.SortStableFunc(lines, func(a, b target.Line) int { return a.Number - b.Number })
	seen := map[int]bool{}
	out := lines[:0]
	for _, l := range lines {
		if !seen[l.Number] {
			seen[l.Number] = true
			l.File = file
			out = append(out, l)
		}
	}
	return continued(data, out), nil
}

// continued adds, for each line that holds no node but the rest of a
// value begun above (a block scalar, a quoted string or a heredoc over
// several lines), the line of that value. Blank lines and fixedLine's
// lines are left out.
func continued(data []byte, lines []target.Line) []target.Line {
	if len(lines) == 0 {
		return lines
	}
	var out []target.Line
	next := 0
	var above *target.Line
	for i, text := range strings.Split(string(data), "\n") {
		n := i + 1
		if next < len(lines) && lines[next].Number == n {
			out = append(out, lines[next])
			above = &lines[next]
			next++
			continue
		}
		if _, fixed := fixedLine(text); fixed || strings.TrimSpace(text) == "" || above == nil {
			continue
		}
		l := *above
		l.Number = n
		out = append(out, l)
	}
	return out
}

// fixedLine is the kind of a line of a generated file that holds no value
// and so answers "degen's fixed output" rather than a model field: a
// comment (the header, the notes degen writes above a value), a YAML
// document separator, or a line of brackets closing (or opening) a JSON
// or HCL map or list. Every other non-blank line must be attributed.
func fixedLine(text string) (string, bool) {
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		return "", false
	case strings.HasPrefix(t, "#"):
		return "comment", true
	case t == "---":
		return "document separator", true
	case strings.Trim(t, "{}[](),") == "":
		return "brackets", true
	}
	return "", false
}

// yamlLines walks every document of a YAML stream.
func yamlLines(data []byte) ([]target.Line, error) {
	text := strings.Split(string(data), "\n")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []target.Line
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		var decoded any
		if err := root.Decode(&decoded); err != nil {
			return nil, err
		}
		object := objectOf(root)
		walkYAML(root, nil, func(n *yaml.Node, keys []string) {
			l := target.Line{Number: n.Line, Object: object, Keys: append([]string(nil), keys...), Doc: decoded}
			if n.Kind == yaml.ScalarNode {
				l.Value = n.Value
			}
			out = append(out, l)
			if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				// Every line of a block scalar is the value's, one
				// starting with # too: the lines below the key
				// indented deeper than it.
				for i := n.Line; i < len(text); i++ {
					t := strings.TrimLeft(text[i], " ")
					if t != "" && len(text[i])-len(t) < n.Column {
						break
					}
					if t != "" {
						c := l
						c.Number = i + 1
						out = append(out, c)
					}
				}
			}
		})
	}
}

// walkYAML calls visit for the key node of every map entry (with the
// entry's value when it is a scalar) and for every list element, depth
// first, in document order.
func walkYAML(n *yaml.Node, keys []string, visit func(*yaml.Node, []string)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			at := append(keys, k.Value)
			line := *k
			if v.Kind == yaml.ScalarNode {
				line.Kind, line.Value, line.Style = yaml.ScalarNode, v.Value, v.Style
			} else {
				line.Kind = yaml.MappingNode
			}
			visit(&line, at)
			walkYAML(v, at, visit)
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			at := append(keys, elementKey(e, i))
			visit(e, at)
			walkYAML(e, at, visit)
		}
	case yaml.AliasNode:
		walkYAML(n.Alias, keys, visit)
	}
}

// elementKey is [name=x] for a list element that is a map with a string
// name, else [i].
func elementKey(e *yaml.Node, i int) string {
	if e.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(e.Content); j += 2 {
			if e.Content[j].Value == "name" && e.Content[j+1].Kind == yaml.ScalarNode {
				return "[name=" + e.Content[j+1].Value + "]"
			}
		}
	}
	return "[" + strconv.Itoa(i) + "]"
}

// objectOf is KIND/NAME of a document with a kind and a metadata.name.
func objectOf(root *yaml.Node) string {
	var head struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	}
	if root.Kind != yaml.MappingNode || root.Decode(&head) != nil || head.Kind == "" || head.Metadata.Name == "" {
		return ""
	}
	return head.Kind + "/" + head.Metadata.Name
}

// hclLines walks the attributes of an HCL file and the items of the
// object and tuple expressions they hold.
func hclLines(file string, data []byte) ([]target.Line, error) {
	f, diags := hclsyntax.ParseConfig(data, file, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil, fmt.Errorf("not an HCL native syntax file")
	}
	var out []target.Line
	var walkBody func(b *hclsyntax.Body, keys []string)
	walkBody = func(b *hclsyntax.Body, keys []string) {
		var items []hclItem
		for name, a := range b.Attributes {
			items = append(items, hclItem{name, a.NameRange.Start.Line, a.Expr})
		}
		slices.SortFunc(items, func(a, b hclItem) int { return a.line - b.line })
		for _, it := range items {
			at := append(append([]string(nil), keys...), it.key)
			out = append(out, target.Line{Number: it.line, Keys: at, Value: hclScalar(it.expr)})
			out = append(out, hclExprLines(it.expr, at)...)
		}
		for _, blk := range b.Blocks {
			at := append(append(append([]string(nil), keys...), blk.Type), blk.Labels...)
			out = append(out, target.Line{Number: blk.TypeRange.Start.Line, Keys: at})
			walkBody(blk.Body, at)
		}
	}
	walkBody(body, nil)
	slices.SortStableFunc(out, func(a, b target.Line) int { return a.Number - b.Number })
	return out, nil
}

type hclItem struct {
	key  string
	line int
	expr hclsyntax.Expression
}

// hclExprLines returns the lines of the items of an object or tuple
// expression.
func hclExprLines(e hclsyntax.Expression, keys []string) []target.Line {
	var out []target.Line
	switch x := e.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, it := range x.Items {
			key, diags := it.KeyExpr.Value(nil)
			if diags.HasErrors() {
				continue
			}
			k, err := ctyString(key)
			if err != nil {
				continue
			}
			at := append(append([]string(nil), keys...), k)
			out = append(out, target.Line{Number: it.KeyExpr.Range().Start.Line, Keys: at, Value: hclScalar(it.ValueExpr)})
			out = append(out, hclExprLines(it.ValueExpr, at)...)
		}
	case *hclsyntax.TupleConsExpr:
		for i, el := range x.Exprs {
			at := append(append([]string(nil), keys...), "["+strconv.Itoa(i)+"]")
			out = append(out, target.Line{Number: el.Range().Start.Line, Keys: at, Value: hclScalar(el)})
			out = append(out, hclExprLines(el, at)...)
		}
	}
	return out
}

// hclScalar is the value of a literal or template expression as text.
func hclScalar(e hclsyntax.Expression) string {
	switch e.(type) {
	case *hclsyntax.ObjectConsExpr, *hclsyntax.TupleConsExpr:
		return ""
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return ""
	}
	s, err := ctyString(v)
	if err != nil {
		return ""
	}
	return s
}

// dotenvLines reads a .env file one line at a time with godotenv: a line
// that defines a variable is the variable's name.
func dotenvLines(data []byte) ([]target.Line, error) {
	var out []target.Line
	for i, text := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		vars, err := godotenv.Unmarshal(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		for name, value := range vars {
			out = append(out, target.Line{Number: i + 1, Keys: []string{name}, Value: value})
		}
	}
	return out, nil
}

// ctyString is a known primitive value as a string.
func ctyString(v cty.Value) (string, error) {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsPrimitiveType() {
		return "", fmt.Errorf("not a known primitive value")
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", err
	}
	return s.AsString(), nil
}
