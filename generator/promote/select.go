package promote

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"cuelang.org/go/cue"

	"github.com/degen-dev/degen/generator/explain"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/suggest"
)

// The kinds of values --only names; a model path selects the fields at
// and under it.
const (
	Images    = "images"    // every service's image (the default)
	Flags     = "flags"     // the feature flags
	Replicas  = "replicas"  // every service's replicas
	Resources = "resources" // every service's requests and limits
)

// The model's fields the kinds name (model.Environment's JSON names).
const (
	fieldServices = "services"
	fieldParams   = "params"
)

// Kinds are the words --only takes, in the order help lists them.
func Kinds() []string { return []string{Images, Flags, Replicas, Resources} }

// selector is one item of the selection: a kind or a model path.
type selector struct {
	name  string
	match func(path []string) bool
}

// selection is what a promotion carries over; a field is selected when
// any item matches it.
type selection []selector

func (s selection) has(path []string) bool {
	return slices.ContainsFunc(s, func(x selector) bool { return x.match(path) })
}

// String names the selection as --only would: "images", "flags, replicas".
func (s selection) String() string {
	names := make([]string, len(s))
	for i, x := range s {
		names[i] = x.name
	}
	return strings.Join(names, ", ")
}

// serviceField matches services.NAME.FIELD and what is under it.
func serviceField(field string) func([]string) bool {
	return func(p []string) bool {
		return len(p) >= 3 && p[0] == fieldServices && p[2] == field
	}
}

// kind is the selector of a word of Kinds.
func kind(word string) (selector, bool) {
	switch word {
	case Images:
		return selector{word, func(p []string) bool { return len(p) == 3 && serviceField("image")(p) }}, true
	case Replicas:
		return selector{word, func(p []string) bool { return len(p) == 3 && serviceField("replicas")(p) }}, true
	case Resources:
		return selector{word, serviceField("resources")}, true
	case Flags:
		return selector{word, func(p []string) bool { return len(p) >= 1 && p[0] == "flags" }}, true
	}
	return selector{}, false
}

// parseSelection reads --only: kinds and model paths, each of which must
// name a field of the source or the target (a plain value of the model).
// Nothing is images.
func parseSelection(only []string, from, to any) (selection, error) {
	if len(only) == 0 {
		only = []string{Images}
	}
	var sel selection
	for _, item := range only {
		item = strings.TrimSpace(item)
		if k, ok := kind(item); ok {
			sel = append(sel, k)
			continue
		}
		labels, err := pathLabels(item)
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("--only %q: %v; --only takes %s, or a field path such as services.api.image", item, err, strings.Join(Kinds(), ", "))}
		}
		if _, ok := lookup(to, labels); !ok {
			if _, ok := lookup(from, labels); !ok {
				return nil, &UsageError{Msg: fmt.Sprintf("--only %q: %s; --only takes %s, or a field path such as services.api.image", item, missing(to, labels), strings.Join(Kinds(), ", "))}
			}
		}
		sel = append(sel, selector{model.P(toAny(labels)...), func(p []string) bool {
			return len(p) >= len(labels) && slices.Equal(p[:len(labels)], labels)
		}})
	}
	return sel, nil
}

// pathLabels are the labels of a field path (explain.ParsePath); a list
// element is refused: a promotion carries a list whole.
func pathLabels(s string) ([]string, error) {
	p, err := explain.ParsePath(s)
	if err != nil {
		return nil, err
	}
	var labels []string
	for _, sel := range p.Selectors() {
		if sel.Type() != cue.StringLabel {
			return nil, fmt.Errorf("%s is a list element: name the list", sel)
		}
		labels = append(labels, sel.Unquoted())
	}
	return labels, nil
}

// missing says which label of path v lacks, with the fields there are
// and the nearest ones.
func missing(v any, path []string) string {
	for i, l := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s is not a struct", model.P(toAny(path[:i])...))
		}
		next, ok := m[l]
		if !ok {
			keys := model.SortedKeys(m)
			at := "the environment"
			if i > 0 {
				at = model.P(toAny(path[:i])...)
			}
			msg := fmt.Sprintf("no field %s in %s", l, at)
			if idx := suggest.Closest(l, keys); len(idx) > 0 {
				var near []string
				for _, j := range idx {
					near = append(near, keys[j])
				}
				msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(near, " or "))
			}
			return msg
		}
		v = next
	}
	return "no such field"
}

// lookup is the value at path in v.
func lookup(v any, path []string) (any, bool) {
	for _, l := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[l]; !ok {
			return nil, false
		}
	}
	return v, true
}

func toAny(labels []string) []any {
	out := make([]any, len(labels))
	for i, l := range labels {
		out[i] = l
	}
	return out
}

// leaf is a field whose value differs between two plain values: Old and
// New are the values (maps and lists whole when the other side is not the
// same kind), with a side missing marked.
type leaf struct {
	Path                   []string
	Old, New               any
	OldMissing, NewMissing bool
}

// diffLeaves lists the fields where old and new differ, in path order:
// structs are compared field by field, anything else (lists too) whole.
func diffLeaves(old, new any) []leaf {
	var out []leaf
	var walk func(path []string, o, n any, oOK, nOK bool)
	walk = func(path []string, o, n any, oOK, nOK bool) {
		om, oIsMap := o.(map[string]any)
		nm, nIsMap := n.(map[string]any)
		if oOK && nOK && oIsMap && nIsMap {
			keys := model.SortedKeys(om)
			for k := range nm {
				if _, ok := om[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				ov, ook := om[k]
				nv, nok := nm[k]
				walk(append(slices.Clone(path), k), ov, nv, ook, nok)
			}
			return
		}
		if oOK == nOK && reflect.DeepEqual(o, n) {
			return
		}
		out = append(out, leaf{Path: path, Old: o, New: n, OldMissing: !oOK, NewMissing: !nOK})
	}
	walk(nil, old, new, true, true)
	return out
}
