package promote

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"

	"github.com/degen-dev/degen/generator/model"
)

// plan decides the edits of f, the file of environment env, that carry
// the wanted fields (target → source). all are every field that differs
// between the two environments: the parameters among them may decide a
// wanted field. A field the file writes is edited there; one the base
// derives from a parameter is carried by the parameter (knob); any other
// is added to the file.
func plan(f *ast.File, env string, wanted, all []leaf) ([]Edit, error) {
	byName := map[string]*Edit{}
	add := func(l leaf, settles string) error {
		name := model.P(toAny(l.Path)...)
		if e, ok := byName[name]; ok {
			if e.Delete != l.NewMissing || !reflect.DeepEqual(e.Value, l.New) {
				return &RefusedError{Reason: fmt.Sprintf("%s would need two values at once to carry %s and %s", name, strings.Join(e.Settles, ", "), settles), Hint: "promote them one at a time with --only"}
			}
			e.Settles = append(e.Settles, settles)
			return nil
		}
		byName[name] = &Edit{Path: l.Path, Value: l.New, Delete: l.NewMissing, Old: l.Old, OldMissing: l.OldMissing, Settles: []string{settles}}
		return nil
	}
	for _, w := range wanted {
		name := model.P(toAny(w.Path)...)
		var err error
		switch k, isKnob := knob(w, all); {
		case writes(f, env, w.Path):
			err = add(w, name)
		case w.NewMissing:
			return nil, &RefusedError{Reason: fmt.Sprintf("the source environment has no %s, and %s's comes from the base, not from its own file, so the promotion cannot remove it", name, env), Hint: "leave it out with --only, or change the base"}
		case isKnob:
			err = add(k, name)
		default:
			err = add(w, name)
		}
		if err != nil {
			return nil, err
		}
	}
	var edits []Edit
	for _, name := range model.SortedKeys(byName) {
		e := byName[name]
		slices.Sort(e.Settles)
		edits = append(edits, *e)
	}
	return edits, nil
}

// knob is the parameter (params.NAME) whose values in the two
// environments give the wanted field's: the same values, or, for strings,
// the part of the target's value that the source's replaces (the tag of
// "app:\(P.appTag)"). The promoted build checks that it does.
func knob(w leaf, all []leaf) (leaf, bool) {
	if w.OldMissing || w.NewMissing {
		return leaf{}, false
	}
	for _, k := range all {
		if len(k.Path) < 2 || k.Path[0] != fieldParams || k.OldMissing || k.NewMissing {
			continue
		}
		if reflect.DeepEqual(k.Old, w.Old) && reflect.DeepEqual(k.New, w.New) {
			return k, true
		}
		ko, ok1 := k.Old.(string)
		kn, ok2 := k.New.(string)
		wo, ok3 := w.Old.(string)
		wn, ok4 := w.New.(string)
		if ok1 && ok2 && ok3 && ok4 && ko != "" && strings.Contains(wo, ko) && strings.ReplaceAll(wo, ko, kn) == wn {
			return k, true
		}
	}
	return leaf{}, false
}
