// Package flags generates the feature-flag file of §7.4 of the seed plan:
// out/flags/<env>/flags.json, one key per flag with this environment's
// resolved value. Services receive the same values as environment variables
// (model.EnvVar.Flag); the Kubernetes target turns this file into a ConfigMap.
package flags

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Name is the artefact name environments list to get flags.json.
const Name = "flags"

// Target generates flags.json.
type Target struct{}

var _ target.Target = Target{}

// Name returns "flags".
func (Target) Name() string { return Name }

// WithoutBase: this target reads only its environment (target.WithoutBase).
func (Target) WithoutBase() {}

// Generate writes flags/<env>/flags.json.
func (Target) Generate(in target.Input) (target.Output, error) {
	data, err := Marshal(in.Env)
	if err != nil {
		return target.Output{}, err
	}
	return target.Output{Files: []target.File{{Path: Path(in.Env.Name), Data: data}}}, nil
}

// Path is where the flags of env are written, relative to out/.
func Path(env string) string { return path.Join("flags", env, "flags.json") }

// Marshal renders the flags of env as indented JSON with sorted keys and a
// trailing newline. Values keep their type: a bool stays a bool, a list a
// list of strings.
func Marshal(env *model.Environment) ([]byte, error) {
	values := make(map[string]any, len(env.Flags))
	for _, name := range model.SortedKeys(env.Flags) {
		v, err := value(env.Flags[name].Value)
		if err != nil {
			return nil, model.Errorf(env, model.P("flags", name, "value"), "flag %s: %v: give it a bool, a string or a list of strings", name, err)
		}
		values[name] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// encoding/json sorts map keys, so the output is ordered by flag name.
	if err := enc.Encode(values); err != nil {
		return nil, fmt.Errorf("encoding flags: %w", err)
	}
	return buf.Bytes(), nil
}

// value checks that a decoded flag value is one the schema allows.
func value(v any) (any, error) {
	switch x := v.(type) {
	case bool, string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("list element %d is %T, not a string", i, e)
			}
			out[i] = s
		}
		return out, nil
	default:
		return nil, fmt.Errorf("value of type %T", v)
	}
}
