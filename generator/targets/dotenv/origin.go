package dotenv

import (
	"strings"

	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps a variable of a .env file to the model field it is written
// from, as render does (composevars.Variables): a value to the value of
// the first service variable that reads it, a flag to the flag's value, a
// secret's placeholder to the service variable that names the secret.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, nil)
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	if len(l.Keys) != 1 {
		return "", false
	}
	vars, err := composevars.Variables(env)
	if err != nil {
		return "", false
	}
	for _, v := range vars {
		if v.Name != l.Keys[0] || len(v.Users) == 0 {
			continue
		}
		svc, name, ok := strings.Cut(v.Users[0], ".")
		s := env.Services[svc]
		if !ok || s == nil {
			return "", false
		}
		if rest, mount := strings.CutPrefix(name, "mounts:"); mount {
			for i, m := range s.Mounts {
				if m.Target == rest {
					return model.P("services", svc, "mounts", i, "secret"), true
				}
			}
			return "", false
		}
		e := s.Env[name]
		switch v.Kind {
		case composevars.Flag:
			return model.P("flags", e.Flag, "value"), true
		case composevars.Secret:
			return model.P("services", svc, "env", name, "secret"), true
		}
		return model.P("services", svc, "env", name, "value"), true
	}
	return "", false
}
