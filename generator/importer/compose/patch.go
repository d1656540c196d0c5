package compose

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// carry puts a Compose field the schema does not name into the
// service's compose.patches entry, the model's one Compose-only escape
// hatch (docs/TARGETS.md), under field (Compose's own keys), as compose-go
// loaded it: the Compose target merges it into the service it writes, so
// nothing is dropped. It is reported as explicit.
func (c *converter) carry(svc string, field []string, v any) {
	at := c.patch(svc)
	for _, k := range field[:len(field)-1] {
		at = at.get(k)
	}
	at.set(field[len(field)-1], patchValue(v))
	c.report(svc, field, Explicit, false, "carried as Compose wrote it in compose.patches.%s (Compose only: the Kubernetes target does not carry it)", c.serviceName(svc))
}

// patch is the compose.patches entry of Compose service svc.
func (c *converter) patch(svc string) *obj {
	p := c.patches[svc]
	if p == nil {
		p = &obj{}
		c.patches[svc] = p
	}
	return p
}

// patchValue is a JSON value (json.Unmarshal's) as the import's CUE: an
// object's keys sorted, an integral number an int, and every string's "$"
// written "$$", since the Compose files interpolate the patch and
// compose-go has already interpolated the value.
func patchValue(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "$", "$$")
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = patchValue(e)
		}
		return out
	case map[string]any:
		o := &obj{}
		for _, k := range model.SortedKeys(x) {
			o.set(k, patchValue(x[k]))
		}
		return o
	}
	return v
}

// jsonMap is v (a compose-go value) as JSON, its empty fields left out.
func jsonMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	for k, e := range m {
		if isEmpty(e) {
			delete(m, k)
		}
	}
	return m
}

// patchesObj is the compose.patches of the services that have one.
func (c *converter) patchesObj() *obj {
	out := &obj{}
	for _, n := range model.SortedKeys(c.patches) {
		out.set(c.serviceName(n), c.patches[n])
	}
	return out
}
