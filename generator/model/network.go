package model

// Network is a Compose network and a Kubernetes NetworkPolicy group.
type Network struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Driver      string `json:"driver"`
	Internal    bool   `json:"internal"`
	External    bool   `json:"external"`
	// DockerName is the network's name as given (Compose name:), or "".
	DockerName string            `json:"dockerName,omitempty"`
	DriverOpts map[string]string `json:"driverOpts,omitempty"`
	EnableIPv6 *bool             `json:"enableIPv6,omitempty"`
	// IPAM is Compose's ipam block as the model gives it, or nil.
	IPAM map[string]any `json:"ipam,omitempty"`
	// Labels are the network's Docker labels (Compose only).
	Labels map[string]string `json:"labels,omitempty"`
}

// Volume is a named volume (Compose) or claim (Kubernetes).
type Volume struct {
	Name string `json:"name"`
	Size string `json:"size"`
	// StorageClass, when set, is the class of the volume's claim, over
	// Kubernetes.StorageClasses.
	StorageClass string `json:"storageClass,omitempty"`
	External     bool   `json:"external"`
	// DockerName is the volume's name as given (Compose name:), or "".
	DockerName string            `json:"dockerName,omitempty"`
	Driver     string            `json:"driver,omitempty"`
	DriverOpts map[string]string `json:"driverOpts,omitempty"`
	// Labels are the volume's Docker labels (Compose only).
	Labels map[string]string `json:"labels,omitempty"`
}
