package diff

import (
	"encoding/json"
	"fmt"
)

// ModelChanges are the changes of one environment's resolved model that no
// generated file of it shows: a model change without effect, such as the
// replicas of a Deployment its HorizontalPodAutoscaler scales.
type ModelChanges struct {
	Env string `json:"env"`
	// Changes are model paths (services.api.replicas) with old → new
	// values, secret values redacted as in objects.
	Changes []Change `json:"changes"`
}

// CompareModels lists the fields that differ between two resolved models
// of an environment (values encoding/json writes, such as
// *model.Environment), as field paths with old → new values like an
// object's changes.
func CompareModels(old, new any) ([]Change, error) {
	o, err := plainValue(old)
	if err != nil {
		return nil, fmt.Errorf("the old model: %w", err)
	}
	n, err := plainValue(new)
	if err != nil {
		return nil, fmt.Errorf("the new model: %w", err)
	}
	return compareValues(false, "", o, n, nil, nil), nil
}

// plainValue is v as maps, lists and scalars, as a parsed file is.
func plainValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(data, &out)
	return out, err
}
