package compose

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// VarKind says where an interpolated variable's value comes from.
type VarKind int

const (
	// VarValue is a plain value the model gives (EnvVar.Variable).
	VarValue VarKind = iota
	// VarFlag is a feature flag's rendered value (Flag.EnvVar).
	VarFlag
	// VarSecret is a secret reference (Secret.EnvVar): degen never knows
	// its value, the user sets it.
	VarSecret
)

func (k VarKind) String() string {
	return [...]string{"value", "flag", "secret"}[k]
}

// Variable is one variable the Compose files of an environment interpolate.
// The dotenv target writes them; Value is empty for secrets.
type Variable struct {
	Name  string
	Kind  VarKind
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
	for _, svc := range env.ServiceNames() {
		s := env.Services[svc]
		for _, name := range s.EnvNames() {
			ref, ok := reference(env, s.Env[name])
			if !ok {
				continue
			}
			user := svc + "." + name
			prev, seen := vars[ref.Name]
			if !seen {
				ref.Users = []string{user}
				vars[ref.Name] = &ref
				continue
			}
			if prev.Kind != ref.Kind || prev.Value != ref.Value || prev.Description != ref.Description {
				errs = append(errs, model.Errorf(env, model.P("services", svc, "env", name),
					"environment %s: service %q env %s uses Compose variable %s as a %s, but %s uses it as a %s with another value: give one of them another variable name",
					env.Name, svc, name, ref.Name, ref.Kind, prev.Users[0], prev.Kind))
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

// reference returns the variable an environment entry interpolates, if any.
func reference(env *model.Environment, e model.EnvVar) (Variable, bool) {
	switch {
	case e.Secret != "":
		sec := env.Secrets[e.Secret]
		return Variable{Name: sec.EnvVar, Kind: VarSecret, Description: sec.Description + " (secret store key " + sec.Key + ")"}, true
	case e.Flag != "":
		f := env.Flags[e.Flag]
		return Variable{Name: f.EnvVar, Kind: VarFlag, Value: f.String(), Description: "flag " + e.Flag + ": " + f.Description}, true
	case e.Value != nil && e.Variable != "":
		return Variable{Name: e.Variable, Kind: VarValue, Value: *e.Value}, true
	}
	return Variable{}, false
}

// environmentValue is what the Compose file says for one environment entry:
// a literal with `$` escaped, or an interpolation that fails loudly when the
// variable is unset, so a forgotten --env-file or secret never starts a
// container with an empty value.
func environmentValue(env *model.Environment, e model.EnvVar) string {
	if ref, ok := reference(env, e); ok {
		return required(ref.Name)
	}
	if e.Value == nil {
		return ""
	}
	return escape(*e.Value)
}

// required is the Compose interpolation of a variable that must be set.
func required(name string) string {
	return fmt.Sprintf("${%s:?%s must be set}", name, name)
}

// escape keeps Compose from interpolating a literal: `$` becomes `$$`.
func escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func escapeAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = escape(s)
	}
	return out
}
