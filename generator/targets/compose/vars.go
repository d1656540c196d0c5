package compose

import (
	"fmt"
	"strings"

	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/model"
)

// environmentValue is what the Compose file says for one environment entry:
// a literal with `$` escaped, or an interpolation that fails loudly when the
// variable is unset, so a forgotten --env-file or secret never starts a
// container with an empty value; nil (K: null) for a variable alone, which
// Compose passes through from the environment of docker compose.
func environmentValue(env *model.Environment, e model.EnvVar) *string {
	var s string
	switch ref, ok := composevars.Reference(env, e); {
	case ok && ref.Kind == composevars.Value && ref.Value == "":
		// The model's value is empty, and .env.<env> says so: only an
		// unset variable (no env file) is refused.
		s = fmt.Sprintf("${%s?%s must be set}", ref.Name, ref.Name)
	case ok:
		s = required(ref.Name)
	case e.Value == nil:
		return nil
	default:
		s = escape(*e.Value)
	}
	return &s
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
