package model

// Compose holds Compose project settings.
type Compose struct {
	Project string `json:"project"`
	// GroupOrder is the order of the per-group Compose files; groups it
	// does not name follow, sorted.
	GroupOrder []string `json:"groupOrder"`
	// SingleFile also writes compose.yaml, the whole stack in one file.
	SingleFile bool `json:"singleFile"`
	// Patches are RFC 7386 merge patches of the generated Compose
	// service, by model service name.
	Patches map[string]map[string]any `json:"patches,omitempty"`
}
