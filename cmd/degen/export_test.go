package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/textesc"
)

// TestExportEscapes: what export prints holds no raw control or bidi
// character, and reads back to the same data, in YAML and in JSON.
func TestExportEscapes(t *testing.T) {
	in := map[string]any{
		"evil\u202ekey": "a\u202eb\u001b[2K\u001b[1Ac\td\u0085e\u2066",
		"block":         "line one\nline two\u202e\n",
		"plain":         "nothing to see",
		"long":          strings.Repeat("word \u0085 ", 40) + "\u202e",
		"list":          []any{"x\u200fy", "ok"},
	}
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out, err := escapedYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	js := textesc.JSON(string(data))
	for name, text := range map[string]string{"yaml": string(out), "json": js} {
		if i := strings.IndexFunc(text, func(r rune) bool { return r != '\n' && textesc.Unsafe(r) }); i >= 0 {
			t.Errorf("%s output holds a raw %U:\n%s", name, []rune(text[i:])[0], text)
		}
		var back map[string]any
		if err := yaml.Unmarshal([]byte(text), &back); err != nil {
			t.Fatalf("%s output does not parse: %v\n%s", name, err, text)
		}
		if !reflect.DeepEqual(back, in) {
			t.Errorf("%s output reads back as\n%#v\nwant\n%#v\n%s", name, back, in, text)
		}
	}
}
