package flags

import (
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps a key of flags.json (a flag's name, or an element of its
// list) to the flag's value in the model.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, nil)
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	if l.File != Path(env.Name) || len(l.Keys) == 0 {
		return "", false
	}
	if _, ok := env.Flags[l.Keys[0]]; !ok {
		return "", false
	}
	return model.P("flags", l.Keys[0], "value"), true
}
