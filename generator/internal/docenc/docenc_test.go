package docenc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/ini.v1"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/docenc"
)

const doc = `{"server": {"port": 8000, "ratio": 0.5, "name": "api $x", "debug": false, "hosts": ["a", "b"]}, "title": "t"}`

// TestEncodingsReadBack encodes one document in each encoding and reads it
// back with that encoding's own decoder: the values survive, integers stay
// integers, and the bytes are the same every time.
func TestEncodingsReadBack(t *testing.T) {
	want := map[string]any{"server": map[string]any{"port": int64(8000), "ratio": 0.5, "name": "api $x", "debug": false, "hosts": []any{"a", "b"}}, "title": "t"}
	for _, enc := range []string{"json", "yaml", "toml"} {
		t.Run(enc, func(t *testing.T) {
			out, err := docenc.Encode(enc, json.RawMessage(doc))
			if err != nil {
				t.Fatal(err)
			}
			again, _ := docenc.Encode(enc, json.RawMessage(doc))
			if string(again) != string(out) || !strings.HasSuffix(string(out), "\n") {
				t.Fatalf("not stable or no final newline:\n%s", out)
			}
			var got map[string]any
			switch enc {
			case "json":
				err = json.Unmarshal(out, &got)
			case "yaml":
				err = yaml.Unmarshal(out, &got)
			case "toml":
				_, err = toml.Decode(string(out), &got)
			}
			if err != nil {
				t.Fatalf("%s does not read back: %v\n%s", enc, err, out)
			}
			if diff := cmp.Diff(normalise(want), normalise(got)); diff != "" {
				t.Errorf("%s read back (-want +got):\n%s\n%s", enc, diff, out)
			}
			if enc == "toml" && !strings.Contains(string(out), "port = 8000\n") {
				t.Errorf("TOML writes the integer port as %s", out)
			}
		})
	}
}

// normalise makes numbers float64, as JSON and YAML decode them.
func normalise(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = normalise(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalise(e)
		}
		return out
	case int64:
		return float64(v)
	}
	return v
}

func TestINI(t *testing.T) {
	out, err := docenc.Encode("ini", json.RawMessage(`{"top": "x", "b": {"k": "v; not a comment", "n": 3}, "a": {"on": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ini.Load(out)
	if err != nil {
		t.Fatalf("ini does not read back: %v\n%s", err, out)
	}
	for _, c := range []struct{ sec, key, want string }{{"", "top", "x"}, {"b", "k", "v; not a comment"}, {"b", "n", "3"}, {"a", "on", "true"}} {
		if got := f.Section(c.sec).Key(c.key).String(); got != c.want {
			t.Errorf("[%s] %s = %q, want %q\n%s", c.sec, c.key, got, c.want, out)
		}
	}
	if a, b := strings.Index(string(out), "[a]"), strings.Index(string(out), "[b]"); a < 0 || a > b {
		t.Errorf("sections are not sorted:\n%s", out)
	}
}

func TestRefused(t *testing.T) {
	for _, c := range []struct{ enc, doc, want string }{
		{"ini", `{"a": {"b": {"c": 1}}}`, "a.b: an INI value is a string, number or bool"},
		{"ini", `{"a": {"b": [1]}}`, "a.b: an INI value"},
		{"ini", `{"a": {"b": "two\nlines"}}`, "a.b: an INI value is one line"},
		{"toml", `{"a": {"b": null}}`, "a.b: TOML has no null"},
		{"xml", `{}`, `unknown encoding "xml"`},
	} {
		_, err := docenc.Encode(c.enc, json.RawMessage(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: err = %v, want %q", c.enc, c.doc, err, c.want)
		}
	}
}
