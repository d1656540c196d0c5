package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Flag is a feature flag with this environment's value.
type Flag struct {
	Description string `json:"description"`
	// Value is a bool, a string or a []any of strings.
	Value  any    `json:"value"`
	EnvVar string `json:"envVar"`
}

// String renders the flag value as an environment variable value: booleans
// as true/false, lists comma-separated.
func (f Flag) String() string {
	switch v := f.Value.(type) {
	case bool:
		return fmt.Sprint(v)
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(v)
	}
}

// Project names the stack.
type Project struct {
	Name string `json:"name"`
}

// Terraform holds the model's Terraform input variables by name.
type Terraform struct {
	Variables map[string]TFVariable `json:"variables"`
}

// TFVariable is one Terraform input variable: its type constraint and
// description, and either the environment's value (JSON) or the secret it
// reads, in which case it is sensitive and has no value under out/.
type TFVariable struct {
	Type        string          `json:"type"`
	Description string          `json:"description"`
	Value       json.RawMessage `json:"value,omitempty"`
	Secret      string          `json:"secret,omitempty"`
}

// Secret is a reference to a secret; degen never sees its value.
type Secret struct {
	EnvVar      string `json:"envVar"`
	Description string `json:"description"`
	Key         string `json:"key"`
	// ComposeSource is "file" (Compose reads <EnvVar>_FILE) or
	// "environment" (Compose reads EnvVar's value) for a secret mounted
	// as a file.
	ComposeSource string `json:"composeSource"`
}
