package compose

import (
	"encoding/json"
	"strings"

	composeschema "github.com/compose-spec/compose-go/v2/schema"
	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/degen-dev/degen/generator/model"
)

// plainService is service without its MarshalJSON.
type plainService service

// MarshalJSON writes the service, or the result of the model's compose
// patch when it has one.
func (s *service) MarshalJSON() ([]byte, error) {
	if s.patched != nil {
		return s.patched, nil
	}
	return json.Marshal((*plainService)(s))
}

// applyPatches merges each of the environment's compose.patches (RFC 7386
// JSON merge patches) into the Compose services of the model service it
// names, every replica of an ordinal service, and checks the result
// against the Compose specification's schema (compose-go's).
func applyPatches(env *model.Environment, services map[string]*service) error {
	for _, name := range model.SortedKeys(env.Compose.Patches) {
		at := model.P("compose", "patches", name)
		if _, ok := env.Services[name]; !ok {
			return model.Errorf(env, at, "environment %s: compose.patches names %q, which is not a service of the environment: patch one of %s", env.Name, name, strings.Join(env.ServiceNames(), ", "))
		}
		p, err := json.Marshal(env.Compose.Patches[name])
		if err != nil {
			return err
		}
		for _, n := range ServiceNames(env, name) {
			svc := services[n]
			doc, err := json.Marshal((*plainService)(svc))
			if err != nil {
				return err
			}
			out, err := jsonpatch.MergePatch(doc, p)
			if err != nil {
				return model.Errorf(env, at, "environment %s: the compose patch of %s does not apply: %v", env.Name, n, err)
			}
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				return model.Errorf(env, at, "environment %s: the compose patch of %s does not leave a service: %v", env.Name, n, err)
			}
			if err := composeschema.Validate(map[string]any{"services": map[string]any{n: m}}); err != nil {
				return model.Errorf(env, at, "environment %s: the compose patch makes service %s one the Compose specification refuses: %v", env.Name, n, err)
			}
			svc.patched = out
		}
	}
	return nil
}
