package model

// Component is a Helm chart rendered into plain manifests.
type Component struct {
	// Chart is a chart directory or .tgz, relative to Environment.Root.
	Chart string `json:"chart"`
	// Values are the chart values for this environment.
	Values map[string]any `json:"values"`
	// Group is the concern folder of the rendered objects.
	Group string `json:"group"`
}
