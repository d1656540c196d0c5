// Package composevars is the set of variables the Compose files of an
// environment interpolate and where they live: the Compose target writes
// `${NAME:?…}` for each, the dotenv target writes their values into the
// environment's .env file. Both targets read them from here, so the two
// files cannot disagree.
package composevars

import (
	"errors"
	"sort"

	"github.com/degen-dev/degen/generator/model"
)

// Kind says where an interpolated variable's value comes from.
type Kind int

const (
	// Value is a plain value the model gives (EnvVar.Variable).
	Value Kind = iota
	// Flag is a feature flag's rendered value (Flag.EnvVar).
	Flag
	// Secret is a secret reference (Secret.EnvVar): degen never knows
	// its value, the user sets it.
	Secret
)

func (k Kind) String() string {
	return [...]string{"value", "flag", "secret"}[k]
}

// Variable is one variable the Compose files of an environment interpolate.
// The dotenv target writes them; Value is empty for secrets.
type Variable struct {
	Name  string
	Kind  Kind
	Value string
	// Description says what the variable is (flag or secret description).
	Description string
	// Users are the service environment entries that read it
	// ("service.NAME"), sorted.
	Users []string
}

// Variables returns the variables the Compose files of env interpolate,
// sorted by name. A name used for two different things (a plain value and a
// secret, two flags, …) is an error naming the CUE position.
func Variables(env *model.Environment) ([]Variable, error) {
	vars := map[string]*Variable{}
	var errs []error
	// add records ref read by what (an env entry or the health check) of
	// svc, at the CUE path at.
	add := func(ref Variable, svc, what, user string, at []any) {
		prev, seen := vars[ref.Name]
		if !seen {
			ref.Users = []string{user}
			vars[ref.Name] = &ref
			return
		}
		if prev.Kind != ref.Kind || prev.Value != ref.Value || prev.Description != ref.Description {
			errs = append(errs, model.Errorf(env, model.P(at...),
				"environment %s: service %q %s uses Compose variable %s as a %s, but %s uses it as a %s with another value: give one of them another variable name",
				env.Name, svc, what, ref.Name, ref.Kind, prev.Users[0], prev.Kind))
			return
		}
		prev.Users = append(prev.Users, user)
	}
	for _, svc := range env.ServiceNames() {
		s := env.Services[svc]
		for _, name := range s.EnvNames() {
			if ref, ok := Reference(env, s.Env[name]); ok {
				add(ref, svc, "env "+name, svc+"."+name, []any{"services", svc, "env", name})
			}
		}
		if s.Health != nil {
			// ${KEY} of the health check's command reads a secret.
			for _, k := range model.SortedKeys(s.Health.Secrets) {
				ref, _ := Reference(env, model.EnvVar{Secret: s.Health.Secrets[k]})
				add(ref, svc, "health", svc+".health", []any{"services", svc, "health", "secrets", k})
			}
		}
		for i, m := range s.Mounts {
			if m.Secret == "" {
				continue
			}
			ref := SecretFile(env, m.Secret)
			user := svc + ".mounts:" + m.Target
			prev, seen := vars[ref.Name]
			if !seen {
				ref.Users = []string{user}
				vars[ref.Name] = &ref
				continue
			}
			if prev.Kind != ref.Kind || prev.Description != ref.Description {
				errs = append(errs, model.Errorf(env, model.P("services", svc, "mounts", i, "secret"),
					"environment %s: service %q mounts secret %q through Compose variable %s, which %s uses for something else: give one of them another variable name",
					env.Name, svc, m.Secret, ref.Name, prev.Users[0]))
				continue
			}
			prev.Users = append(prev.Users, user)
		}
	}
	if errs != nil {
		return nil, errors.Join(errs...)
	}
	out := make([]Variable, 0, len(vars))
	for _, name := range model.SortedKeys(vars) {
		v := vars[name]
		sort.Strings(v.Users)
		out = append(out, *v)
	}
	return out, nil
}

// Reference returns the variable an environment entry interpolates, if any.
func Reference(env *model.Environment, e model.EnvVar) (Variable, bool) {
	switch {
	case e.Secret != "":
		sec := env.Secrets[e.Secret]
		return Variable{Name: sec.EnvVar, Kind: Secret, Description: sec.Description + " (secret store key " + sec.Key + ")"}, true
	case e.Flag != "":
		f := env.Flags[e.Flag]
		return Variable{Name: f.EnvVar, Kind: Flag, Value: f.String(), Description: "flag " + e.Flag + ": " + f.Description}, true
	case e.Value != nil && e.Variable != "":
		return Variable{Name: e.Variable, Kind: Value, Value: *e.Value}, true
	}
	return Variable{}, false
}

// SecretFile is the variable that names the file holding a secret a
// service mounts as a file: the secret's envVar with _FILE, a path the
// developer's environment supplies (never a value under out/).
func SecretFile(env *model.Environment, secret string) Variable {
	sec := env.Secrets[secret]
	return Variable{Name: sec.EnvVar + "_FILE", Kind: Secret, Description: "path of a file holding " + sec.Description + " (secret store key " + sec.Key + "), mounted as a file"}
}

// Header is the first line of every generated Compose and .env file.
const Header = "# Code generated by degen from the CUE model; DO NOT EDIT."

// Dir returns the directory of an environment's Compose files, relative to
// out/.
func Dir(env string) string { return "compose/" + env }

// EnvFile returns the path of an environment's .env file relative to out/:
// the dotenv target writes it, the Compose files' headers name it.
func EnvFile(env string) string { return "env/.env." + env }
