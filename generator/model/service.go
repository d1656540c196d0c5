package model

import (
	"encoding/json"
	"path"
)

// Service is one container workload.
type Service struct {
	Name          string                `json:"name"`
	Group         string                `json:"group"`
	Image         string                `json:"image"`
	Kind          string                `json:"kind"`
	Replicas      int                   `json:"replicas"`
	Hostname      string                `json:"hostname"`
	ContainerName string                `json:"containerName"`
	Command       []string              `json:"command,omitempty"`
	Entrypoint    []string              `json:"entrypoint,omitempty"`
	Ports         []Port                `json:"ports"`
	Env           map[string]EnvVar     `json:"env"`
	Resources     Resources             `json:"resources"`
	Health        *HealthCheck          `json:"health,omitempty"`
	Mounts        []Mount               `json:"mounts"`
	Networks      []string              `json:"networks"`
	DependsOn     map[string]Dependency `json:"dependsOn"`
	Metrics       *Metrics              `json:"metrics,omitempty"`
	Autoscaling   *Autoscaling          `json:"autoscaling,omitempty"`
	Ingress       *Ingress              `json:"ingress,omitempty"`
	Consumes      []string              `json:"consumes"`
	Restart       string                `json:"restart"`
	// RestartRetries bounds restart on-failure (Compose on-failure:N), or 0.
	RestartRetries int  `json:"restartRetries,omitempty"`
	Enabled        bool `json:"enabled"`
	// SecretLiteralAllowed maps an env var name, or "command", "entrypoint"
	// or "health.command", to the reason its value is not a secret although
	// it looks like one.
	SecretLiteralAllowed map[string]string `json:"secretLiteralAllowed,omitempty"`
	// HostAccessAllowed maps "privileged", "host.network", "host.pid", a
	// capability of CapAdd or a HostPath of Mounts to the reason the
	// service needs that access to its host (read by the host-* policies).
	HostAccessAllowed map[string]string `json:"hostAccessAllowed,omitempty"`
	// ImageUnpinnedAllowed is the reason an unpinned image is accepted
	// (policy images-pinned-accepted), or "".
	ImageUnpinnedAllowed string `json:"imageUnpinnedAllowed,omitempty"`
	// ImagePinned is degen's reading of Image (ImagePinned), not a field
	// of the model: the loader sets it, so that the policies read the
	// rule the Kubernetes target's pull policy follows.
	ImagePinned bool `json:"imagePinned"`
	// Host is what of its node the service's pods share, or nil.
	Host *Host `json:"host,omitempty"`
	// Tolerations let the pods run on tainted nodes (Kubernetes).
	Tolerations []Toleration `json:"tolerations,omitempty"`
	// PriorityClassName is the pods' PriorityClass, empty for the
	// cluster's default (Kubernetes).
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// Build is how Compose builds the image, or nil (Compose only).
	Build           *Build              `json:"build,omitempty"`
	User            string              `json:"user,omitempty"`
	WorkingDir      string              `json:"workingDir,omitempty"`
	StopSignal      string              `json:"stopSignal,omitempty"`
	StopGracePeriod string              `json:"stopGracePeriod,omitempty"`
	Init            *bool               `json:"init,omitempty"`
	StdinOpen       bool                `json:"stdinOpen"`
	TTY             bool                `json:"tty"`
	Tmpfs           []string            `json:"tmpfs,omitempty"`
	ExtraHosts      map[string][]string `json:"extraHosts,omitempty"`
	Ulimits         map[string]Ulimit   `json:"ulimits,omitempty"`
	CapAdd          []string            `json:"capAdd,omitempty"`
	CapDrop         []string            `json:"capDrop,omitempty"`
	ReadOnly        bool                `json:"readOnly"`
	Privileged      bool                `json:"privileged"`
	Labels          map[string]string   `json:"labels,omitempty"`
	Logging         *Logging            `json:"logging,omitempty"`
	Profiles        []string            `json:"profiles,omitempty"`
	// Aliases are further DNS names of the service on its networks.
	Aliases []string `json:"aliases,omitempty"`
	// ShmSize is the size of /dev/shm (a #Memory quantity), or "".
	ShmSize     string            `json:"shmSize,omitempty"`
	SecurityOpt []string          `json:"securityOpt,omitempty"`
	Sysctls     map[string]string `json:"sysctls,omitempty"`
	// PidsLimit bounds the container's processes; nil when unset.
	PidsLimit  *int   `json:"pidsLimit,omitempty"`
	Platform   string `json:"platform,omitempty"`
	PullPolicy string `json:"pullPolicy,omitempty"`
	// NetworkMode is Compose's network_mode ("host", "none",
	// "service:<name>"), or "" for the service's networks.
	NetworkMode string `json:"networkMode,omitempty"`

	// Ordinal, when set, gives each replica an identity of its own (see
	// ordinal.go); Replicas is then Ordinal.Replicas.
	Ordinal *Ordinal `json:"ordinal,omitempty"`

	// Security overrides the environment's Kubernetes.Security for this
	// service; nil fields keep the environment's.
	Security Security `json:"security"`
	// AutomountServiceAccountToken mounts the token of the service's
	// ServiceAccount into its pods.
	AutomountServiceAccountToken bool `json:"automountServiceAccountToken"`
	// Egress names the Kubernetes.Egress.External destinations the
	// service reaches.
	Egress []string `json:"egress,omitempty"`
	// Liveness and Startup are the Kubernetes liveness and startup probes
	// the model gives, or nil (Health is then the liveness probe too).
	Liveness *Probe `json:"liveness,omitempty"`
	Startup  *Probe `json:"startup,omitempty"`
	// CronJob is the schedule of a service of kind cronjob, else nil.
	CronJob *CronJob `json:"cronjob,omitempty"`
}

// Build is how Compose builds a service's image.
type Build struct {
	// Context is relative to the repository root, or a URL.
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile,omitempty"`
	Args       map[string]string `json:"args,omitempty"`
	Target     string            `json:"target,omitempty"`
}

// Ulimit is a process limit. Single is set when the model gives one number
// for both; otherwise Soft and Hard.
type Ulimit struct {
	Single int `json:"-"`
	Soft   int `json:"soft,omitempty"`
	Hard   int `json:"hard,omitempty"`
}

// UnmarshalJSON reads a number or {soft, hard}.
func (u *Ulimit) UnmarshalJSON(data []byte) error {
	var n int
	if err := json.Unmarshal(data, &n); err == nil {
		*u = Ulimit{Single: n}
		return nil
	}
	type plain Ulimit
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*u = Ulimit(p)
	return nil
}

// MarshalJSON writes the form UnmarshalJSON reads.
func (u Ulimit) MarshalJSON() ([]byte, error) {
	if u.Single != 0 {
		return json.Marshal(u.Single)
	}
	type plain Ulimit
	return json.Marshal(plain(u))
}

// Limits returns the soft and hard limit.
func (u Ulimit) Limits() (soft, hard int) {
	if u.Single != 0 {
		return u.Single, u.Single
	}
	return u.Soft, u.Hard
}

// Logging is a container's log driver and its options.
type Logging struct {
	Driver  string            `json:"driver,omitempty"`
	Options map[string]string `json:"options,omitempty"`
}

// Toleration is a Kubernetes toleration of a node taint.
type Toleration struct {
	Key               string `json:"key,omitempty"`
	Operator          string `json:"operator"`
	Value             string `json:"value,omitempty"`
	Effect            string `json:"effect,omitempty"`
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// Host is what of its node a service's pods share: the node's network
// namespace (hostNetwork) and process namespace (hostPID).
type Host struct {
	Network bool `json:"network"`
	PID     bool `json:"pid"`
}

// Port returns the port with the given name.
func (s *Service) Port(name string) (Port, bool) {
	for _, p := range s.Ports {
		if p.Name == name {
			return p, true
		}
	}
	return Port{}, false
}

// EnvNames returns the service's environment variable names, sorted.
func (s *Service) EnvNames() []string { return SortedKeys(s.Env) }

// Stateful reports whether the service keeps state in volumes that must
// survive a restart (statefulset workload).
func (s *Service) Stateful() bool { return s.Kind == "statefulset" }

// Port is a container port.
type Port struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort,omitempty"`
	NodePort      int    `json:"nodePort,omitempty"`
	Protocol      string `json:"protocol"`
	AppProtocol   string `json:"appProtocol"`
	// HostIP is the address HostPort is published on, "" for every one.
	HostIP string `json:"hostIP,omitempty"`
	// Mode is Compose's port mode ("host", "ingress"), or "".
	Mode string `json:"mode,omitempty"`
}

// EnvVar is one environment variable: exactly one of Value, Secret or Flag.
type EnvVar struct {
	Value *string `json:"value,omitempty"`
	// Secret names an entry of Environment.Secrets.
	Secret string `json:"secret,omitempty"`
	// Flag names an entry of Environment.Flags.
	Flag string `json:"flag,omitempty"`
	// Variable is the Compose interpolation variable that carries Value.
	Variable string `json:"variable,omitempty"`
}

// Resources are Kubernetes-style requests and limits.
type Resources struct {
	Requests Quantities `json:"requests"`
	Limits   Quantities `json:"limits"`
}

// Quantities are a CPU, a memory and an ephemeral-storage quantity, as
// Kubernetes writes them (Compose has no ephemeral storage).
type Quantities struct {
	CPU              string `json:"cpu,omitempty"`
	Memory           string `json:"memory,omitempty"`
	EphemeralStorage string `json:"ephemeralStorage,omitempty"`
}

// HealthCheck is a container health check; see schema #HealthCheck.
type HealthCheck struct {
	Type          string   `json:"type"`
	Path          string   `json:"path,omitempty"`
	Port          string   `json:"port,omitempty"`
	Command       []string `json:"command,omitempty"`
	Interval      string   `json:"interval"`
	Timeout       string   `json:"timeout"`
	Retries       int      `json:"retries"`
	StartPeriod   string   `json:"startPeriod,omitempty"`
	StartInterval string   `json:"startInterval,omitempty"`
	// Form is "CMD", "CMD-SHELL" or empty (by the length of Command).
	Form string `json:"form,omitempty"`
	// Secrets maps a variable of Command (${KEY}) to the model secret
	// whose value it stands for.
	Secrets             map[string]string `json:"secrets,omitempty"`
	InitialDelaySeconds int               `json:"initialDelaySeconds"`
	PeriodSeconds       int               `json:"periodSeconds"`
}

// Mount is a volume mount: exactly one of Volume, HostPath, Config or
// Secret.
type Mount struct {
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
	Volume   string `json:"volume,omitempty"`
	HostPath string `json:"hostPath,omitempty"`
	// HostPathLink is "link -> target" when a relative HostPath leaves the
	// model's directory through a symbolic link of the repository (package
	// load sets it; the host-sensitive-mount policy reads it).
	HostPathLink string `json:"hostPathLink,omitempty"`
	Config       string `json:"config,omitempty"`
	// Anonymous is an unnamed volume of the container's own.
	Anonymous   bool `json:"anonymous,omitempty"`
	ComposeOnly bool `json:"composeOnly"`
	// File, Content and Render are the model's own content of a Config
	// mount (at most one); with none, Config names a file degen generates.
	// File is relative to Environment.Root.
	File    string  `json:"file,omitempty"`
	Content *string `json:"content,omitempty"`
	Render  *Render `json:"render,omitempty"`
	// Secret names an entry of Environment.Secrets mounted as a file.
	Secret string `json:"secret,omitempty"`
	// SubPath is the directory of Volume mounted at Target (Kubernetes),
	// or "" for the volume's root.
	SubPath string `json:"subPath,omitempty"`
	// SELinux is the relabelling of a HostPath, "z" or "Z", or "".
	SELinux string `json:"selinux,omitempty"`
	// Propagation is a HostPath's bind propagation (rshared, …), or "".
	Propagation string `json:"propagation,omitempty"`
	// Text is the content of a Config mount the model gives: File's bytes,
	// Render encoded, or Content. Package load sets it, so targets never
	// read the repository.
	Text string `json:"-"`
}

// Given reports whether the model gives the content of a Config mount
// (rather than naming a file degen generates).
func (m Mount) Given() bool { return m.File != "" || m.Content != nil || m.Render != nil }

// Render is a document computed in CUE: Value (JSON) encoded as Encoding
// (json, yaml, toml or ini).
type Render struct {
	Encoding string          `json:"encoding"`
	Value    json.RawMessage `json:"value"`
}

// Dependency is a start-order dependency.
type Dependency struct {
	Condition string `json:"condition"`
	// Restart restarts the service when Compose restarts the dependency.
	Restart bool `json:"restart"`
	// Required false lets the service start without the dependency.
	Required bool `json:"required"`
}

// Metrics is where Prometheus scrapes a service.
type Metrics struct {
	Port string `json:"port"`
	Path string `json:"path"`
}

// Autoscaling is a horizontal pod autoscaler.
type Autoscaling struct {
	MinReplicas       int          `json:"minReplicas"`
	MaxReplicas       int          `json:"maxReplicas"`
	CPUUtilization    int          `json:"cpuUtilization,omitempty"`
	MemoryUtilization int          `json:"memoryUtilization,omitempty"`
	ScaleUp           *ScalePolicy `json:"scaleUp,omitempty"`
	ScaleDown         *ScalePolicy `json:"scaleDown,omitempty"`
}

// ScalePolicy is one direction of an HPA behaviour.
type ScalePolicy struct {
	StabilizationWindowSeconds int `json:"stabilizationWindowSeconds"`
	Percent                    int `json:"percent"`
	PeriodSeconds              int `json:"periodSeconds"`
}

// Ingress routes a path of the environment's ingress host (or of Host) to
// a port.
type Ingress struct {
	Path string `json:"path"`
	Port string `json:"port"`
	// Host, when set, routes the service on this host instead of on
	// Kubernetes.IngressHost.
	Host string `json:"host,omitempty"`
	// StripPrefix removes Path before the request reaches the app.
	StripPrefix bool `json:"stripPrefix"`
}

// PerPod reports whether the service runs, or may run, more than one pod in
// Kubernetes (a daemonset, several replicas, an autoscaler), so that metrics
// must be scraped pod by pod rather than through a load-balanced Service.
func (s *Service) PerPod() bool {
	return s.Kind == "daemonset" || s.Replicas > 1 || s.Autoscaling != nil
}

// ReplicasOwnedByAutoscaler reports whether the service's replica count is
// its HorizontalPodAutoscaler's on Kubernetes: an autoscaled Deployment
// leaves spec.replicas out, or every sync of Argo CD or Flux would undo the
// autoscaler's choice, so the model's replicas has no effect there.
func (s *Service) ReplicasOwnedByAutoscaler() bool {
	return s.Kind == "deployment" && s.Autoscaling != nil
}

// PodsService is the name of the headless Kubernetes Service whose DNS name
// resolves to every pod of the service: the StatefulSet's own governing
// Service (an ordinal service's is HeadlessService), or "<hostname>-pods",
// which the Kubernetes target adds for per-pod metrics (see PerPod).
func (s *Service) PodsService() string {
	if s.Ordinal != nil {
		return s.HeadlessService()
	}
	if s.Stateful() {
		return s.Hostname
	}
	return s.Hostname + "-pods"
}

// NeedsPodsService reports whether the Kubernetes target must add the
// headless "<hostname>-pods" Service.
func (s *Service) NeedsPodsService() bool {
	return s.Metrics != nil && s.PerPod() && !s.Stateful() && !s.Batch()
}

// DockerSocket reports whether a host path is a Docker API socket (Docker's
// or Podman's, which speaks the same API): a container mounting it drives
// the host's Docker daemon, which Kubernetes nodes do not run.
func DockerSocket(hostPath string) bool {
	base := path.Base(path.Clean(hostPath))
	return base == "docker.sock" || base == "podman.sock"
}

// HostClock reports whether a host path is one of the files that give a
// container the host's time zone (/etc/localtime, /etc/timezone): on
// Kubernetes the TZ variable says it.
func HostClock(hostPath string) bool {
	p := path.Clean(hostPath)
	return p == "/etc/localtime" || p == "/etc/timezone"
}
