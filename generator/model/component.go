package model

// Component is a Helm chart rendered into plain manifests.
type Component struct {
	// Chart is a chart directory or .tgz, relative to Environment.Root.
	Chart string `json:"chart"`
	// Version is the version of a chart in a registry (oci://...), which
	// the lock file pins by digest (package charts).
	Version string `json:"version,omitempty"`
	// Values are the chart values for this environment.
	Values map[string]any `json:"values"`
	// Group is the concern folder of the rendered objects.
	Group string `json:"group"`
	// HostAccessAllowed maps "privileged", "host.network", "host.pid", a
	// capability or a hostPath to the reason the pods the chart renders
	// need that access to their host (read by the host-* policies).
	HostAccessAllowed map[string]string `json:"hostAccessAllowed,omitempty"`
}
