// Package docenc encodes a document the model computes in CUE (a JSON
// value) as a configuration file: JSON, YAML, TOML or INI, each through its
// own library (encoding/json, sigs.k8s.io/yaml, BurntSushi/toml,
// gopkg.in/ini.v1). Keys are sorted, so the bytes depend on the value only.
package docenc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/ini.v1"
	"sigs.k8s.io/yaml"
)

// Encodings are the encodings Encode knows, sorted (schema #Render).
func Encodings() []string { return []string{"ini", "json", "toml", "yaml"} }

// PathError is a value Encode cannot write in its encoding, at a path of
// the document (keys joined by dots, list indexes in brackets).
type PathError struct {
	Path string
	Msg  string
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Encode renders the JSON document raw in encoding, ending in a newline.
func Encode(encoding string, raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding the document: %w", err)
	}
	switch encoding {
	case "json":
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(data, '\n'), nil
	case "yaml":
		return yaml.Marshal(v)
	case "toml":
		return encodeTOML(v)
	case "ini":
		return encodeINI(v)
	}
	return nil, fmt.Errorf("unknown encoding %q: use one of %v", encoding, Encodings())
}

// native turns json.Numbers into int64 or float64 and refuses nulls, which
// TOML cannot write.
func native(v any, at string) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, &PathError{at, "TOML has no null: leave the field out"}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, &PathError{at, fmt.Sprintf("number %s does not fit a 64-bit float", v)}
		}
		return f, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			n, err := native(e, join(at, k))
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			n, err := native(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return v, nil
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func encodeTOML(v any) ([]byte, error) {
	n, err := native(v, "")
	if err != nil {
		return nil, err
	}
	if _, ok := n.(map[string]any); !ok {
		return nil, &PathError{"", "a TOML document is a table: render a struct"}
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(n); err != nil {
		return nil, fmt.Errorf("encoding TOML: %w", err)
	}
	return b.Bytes(), nil
}

// encodeINI writes top-level scalars first, then one section per struct,
// sorted; a section holds scalars only.
func encodeINI(v any) ([]byte, error) {
	top, ok := v.(map[string]any)
	if !ok {
		return nil, &PathError{"", "an INI document is a struct of sections: render a struct"}
	}
	f := ini.Empty()
	keys := sortedKeys(top)
	for _, k := range keys {
		if _, isSection := top[k].(map[string]any); isSection {
			continue
		}
		if err := iniKey(f.Section(""), k, top[k], k); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		sec, isSection := top[k].(map[string]any)
		if !isSection {
			continue
		}
		s, err := f.NewSection(k)
		if err != nil {
			return nil, &PathError{k, err.Error()}
		}
		for _, sk := range sortedKeys(sec) {
			if err := iniKey(s, sk, sec[sk], k+"."+sk); err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("encoding INI: %w", err)
	}
	return b.Bytes(), nil
}

func iniKey(s *ini.Section, k string, v any, at string) error {
	var text string
	switch v := v.(type) {
	case string:
		text = v
	case json.Number:
		text = v.String()
	case bool:
		text = fmt.Sprint(v)
	case nil:
		return &PathError{at, "INI has no null: leave the key out"}
	default:
		return &PathError{at, "an INI value is a string, number or bool: sections hold no lists or structs"}
	}
	if strings.ContainsAny(text, "\n\r") {
		return &PathError{at, "an INI value is one line"}
	}
	if _, err := s.NewKey(k, text); err != nil {
		return &PathError{at, err.Error()}
	}
	return nil
}

// sortedKeys are m's keys in order.
func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
