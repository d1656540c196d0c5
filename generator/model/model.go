// Package model is the typed, resolved form of one environment of a degen
// model: what every target reads. It is decoded from CUE by package load and
// never refers back to files, so targets stay pure functions of it.
package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Model is a loaded CUE model: every requested environment, resolved.
type Model struct {
	// Root is the directory of the CUE module the model was loaded from.
	Root string
	// Envs are the resolved environments by name.
	Envs map[string]*Environment
	// Base is the model with no environment delta (#Base with only its
	// defaults), the common ground of Kustomize bases and .env.example.
	Base *Environment
	// Source is the loader's handle on the whole evaluated model, for
	// package load alone (explain reads CUE through it).
	Source Source
	// Defined are the names of every environment the model defines, loaded
	// or not, sorted.
	Defined []string
}

// EnvNames returns the names of the loaded environments, sorted.
func (m *Model) EnvNames() []string {
	names := make([]string, 0, len(m.Envs))
	for n := range m.Envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Environment is one resolved environment. Field names follow the CUE schema
// in schema/schema.cue.
type Environment struct {
	Name       string              `json:"name"`
	Stage      string              `json:"stage"`
	Project    Project             `json:"project"`
	Namespace  string              `json:"namespace"`
	Artefacts  []string            `json:"artefacts"`
	Services   map[string]*Service `json:"services"`
	Networks   map[string]Network  `json:"networks"`
	Volumes    map[string]Volume   `json:"volumes"`
	Flags      map[string]Flag     `json:"flags"`
	Secrets    map[string]Secret   `json:"secrets"`
	Monitoring Monitoring          `json:"monitoring"`
	Kubernetes Kubernetes          `json:"kubernetes"`
	Compose    Compose             `json:"compose"`
	Params     map[string]any      `json:"params"`
	// Data is the model's own data about its stack, for its policies and
	// degen export; no target reads it.
	Data      map[string]any `json:"data"`
	Terraform Terraform      `json:"terraform"`

	// Components are Helm charts the Kubernetes target renders.
	Components map[string]Component `json:"components"`
	// Root is the directory of the model's CUE module: the base of the
	// repository-relative paths the model holds (component charts).
	Root string `json:"-"`

	// Source is the loader's handle on where the environment's values came
	// from. Only package load reads it, to turn the model paths of errors
	// and violations into file positions (load.Locate) and for explain;
	// targets never touch it.
	Source Source `json:"-"`

	// Acknowledge maps the ID of a warning (target/code/subject, the
	// subject may be *) that the model accepts to the reason; such a
	// warning is not printed.
	Acknowledge map[string]string `json:"acknowledge,omitempty"`

	// Notes are what the loader saw that changes less than the model seems
	// to say (a dependency on a disabled service, dropped); a build prints
	// them as warnings of the target "model".
	Notes []Note `json:"-"`
}

// Note is a warning about the model itself, not about one target.
type Note struct {
	Subject string // the service it is about
	Code    string // a DNS label naming the kind of note
	// Path is the model path of the value the note is about (P).
	Path    string
	Message string
}

// Source is opaque to everything but package load, which implements it: the
// model is plain Go, and CUE stays in the loader.
type Source interface{ ModelSource() }

// Has reports whether the environment gets the named artefact.
func (e *Environment) Has(artefact string) bool {
	for _, a := range e.Artefacts {
		if a == artefact {
			return true
		}
	}
	return false
}

// ServiceNames returns the service names, sorted.
func (e *Environment) ServiceNames() []string { return SortedKeys(e.Services) }

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
	Form                string `json:"form,omitempty"`
	InitialDelaySeconds int    `json:"initialDelaySeconds"`
	PeriodSeconds       int    `json:"periodSeconds"`
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

// AlertGroup is a group of Prometheus alert rules.
type AlertGroup struct {
	Name     string               `json:"name"`
	Interval string               `json:"interval,omitempty"`
	Rules    map[string]AlertRule `json:"rules"`
}

// AlertRule is one Prometheus alerting rule.
type AlertRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
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
}

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

// Monitoring holds Prometheus' global settings.
type Monitoring struct {
	ScrapeInterval     string `json:"scrapeInterval"`
	EvaluationInterval string `json:"evaluationInterval"`
	// AlertGroups are the environment's Prometheus alert rules by group.
	AlertGroups map[string]AlertGroup `json:"alertGroups,omitempty"`
	// Operator, when set, says the environment's cluster Prometheus is the
	// Prometheus Operator's: the Kubernetes target writes ServiceMonitors,
	// PodMonitors and PrometheusRules for it.
	Operator *PrometheusOperator `json:"operator,omitempty"`
}

// PrometheusOperator is a Prometheus run by the Prometheus Operator
// (kube-prometheus-stack): where it runs, which pods it is, and which
// labels its selectors pick monitors and rules by.
type PrometheusOperator struct {
	Namespace     string            `json:"namespace"`
	PodSelector   map[string]string `json:"podSelector,omitempty"`
	MonitorLabels map[string]string `json:"monitorLabels,omitempty"`
	RuleLabels    map[string]string `json:"ruleLabels,omitempty"`
}

// Rules returns the labels a PrometheusRule needs: RuleLabels, or the
// monitors' labels when the model gives none.
func (o *PrometheusOperator) Rules() map[string]string {
	if len(o.RuleLabels) > 0 {
		return o.RuleLabels
	}
	return o.MonitorLabels
}

// Kubernetes holds namespace-wide settings.
type Kubernetes struct {
	SecretStore      string `json:"secretStore,omitempty"`
	IngressHost      string `json:"ingressHost,omitempty"`
	IngressClass     string `json:"ingressClass"`
	IngressName      string `json:"ingressName"`
	IngressNamespace string `json:"ingressNamespace"`
	// IngressController is what serves IngressClass: "ingress-nginx" or
	// "other".
	IngressController string `json:"ingressController"`
	// IngressTLS, when set, makes the Ingress serve TLS for IngressHost.
	IngressTLS *IngressTLS `json:"ingressTLS,omitempty"`
	// Spread places the replicas of a workload apart (nodes, zones).
	Spread Spread `json:"spread"`
	// Profiles are the Compose profiles whose services run on Kubernetes.
	Profiles []string `json:"profiles,omitempty"`
	// StorageClasses are the classes of the claims by access mode; empty
	// means the cluster's default.
	StorageClasses StorageClasses `json:"storageClasses"`
	// Quota and LimitRange are nil when the model gives none.
	Quota      *Quota      `json:"quota,omitempty"`
	LimitRange *LimitRange `json:"limitRange,omitempty"`
	// RepoURL and Revision are the Git source of the GitOps entry points.
	RepoURL  string `json:"repoURL,omitempty"`
	Revision string `json:"revision"`
	// ArgoCD is the Argo CD Application's project and sync policy.
	ArgoCD ArgoCD `json:"argocd"`
	// SecretStoreKind is the kind of the store SecretStore names:
	// SecretStore or ClusterSecretStore.
	SecretStoreKind string `json:"secretStoreKind"`
	// PodSecurity is the Pod Security Admission level the namespace
	// enforces: baseline, restricted or privileged.
	PodSecurity string `json:"podSecurity"`
	// Security are the defaults of every service's Security.
	Security Security `json:"security"`
	// Patches change generated objects before the overlay is derived, by
	// the model's label; they apply in the labels' order.
	Patches map[string]KubePatch `json:"patches,omitempty"`
	// Objects are extra manifests, written as given, by the model's label.
	Objects map[string]map[string]any `json:"objects,omitempty"`
	// Egress, when set, denies every pod's egress but for DNS, the pods
	// it shares a network with, its scrape targets and the external
	// destinations its service names.
	Egress *Egress `json:"egress,omitempty"`
}

// Egress are the destinations outside the cluster services may reach.
type Egress struct {
	External map[string]ExternalDest `json:"external"`
}

// ExternalDest is one destination outside the cluster: address blocks
// (less Except) and TCP ports.
type ExternalDest struct {
	CIDRs  []string `json:"cidrs"`
	Except []string `json:"except"`
	Ports  []int    `json:"ports"`
}

// KubePatch is a patch of one generated object: exactly one of Strategic
// (a strategic-merge patch) and JSON (RFC 6902 operations).
type KubePatch struct {
	Target    PatchTarget    `json:"target"`
	Strategic map[string]any `json:"strategic,omitempty"`
	JSON      []JSONPatchOp  `json:"json,omitempty"`
}

// PatchTarget names the object a patch changes; Group and Version are
// nil when the model does not narrow the match.
type PatchTarget struct {
	Kind    string  `json:"kind"`
	Name    string  `json:"name"`
	Group   *string `json:"group,omitempty"`
	Version *string `json:"version,omitempty"`
}

// JSONPatchOp is one RFC 6902 operation.
type JSONPatchOp struct {
	Op   string `json:"op"`
	Path string `json:"path"`
	From string `json:"from,omitempty"`
	// Value is the operation's value as JSON, nil when it has none (null
	// is the JSON text null).
	Value json.RawMessage `json:"value,omitempty"`
}

// Spread is how the replicas of a workload are placed apart: across nodes
// unless Nodes is false, and across zones by the node label ZoneKey when
// set.
type Spread struct {
	Nodes   bool   `json:"nodes"`
	ZoneKey string `json:"zoneKey,omitempty"`
}

// ArgoCD is the project and sync policy of an environment's Argo CD
// Application.
type ArgoCD struct {
	Project     string        `json:"project"`
	Automated   ArgoAutomated `json:"automated"`
	SyncOptions []string      `json:"syncOptions"`
}

// ArgoAutomated is the Application's automated sync: whether it deletes
// what the overlay no longer has (Prune) and undoes changes made in the
// cluster (SelfHeal).
type ArgoAutomated struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}

// IngressTLS is the Ingress's certificate: the Secret that holds it and,
// optionally, the cert-manager ClusterIssuer that issues it.
type IngressTLS struct {
	SecretName    string `json:"secretName"`
	ClusterIssuer string `json:"clusterIssuer,omitempty"`
}

// StorageClasses name the StorageClass of a PersistentVolumeClaim by its
// access mode.
type StorageClasses struct {
	ReadWriteOnce string `json:"readWriteOnce,omitempty"`
	ReadWriteMany string `json:"readWriteMany,omitempty"`
	// ReadWriteManyClasses are further classes that provide
	// ReadWriteMany.
	ReadWriteManyClasses []string `json:"readWriteManyClasses,omitempty"`
}

// ProvidesReadWriteMany reports whether the environment says class
// provides ReadWriteMany.
func (c StorageClasses) ProvidesReadWriteMany(class string) bool {
	return class != "" && (class == c.ReadWriteMany || slices.Contains(c.ReadWriteManyClasses, class))
}

// Quota is the namespace ResourceQuota.
type Quota struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	Pods   int    `json:"pods"`
}

// LimitRange is the namespace LimitRange for containers.
type LimitRange struct {
	DefaultCPU           string `json:"defaultCPU"`
	DefaultMemory        string `json:"defaultMemory"`
	DefaultRequestCPU    string `json:"defaultRequestCPU"`
	DefaultRequestMemory string `json:"defaultRequestMemory"`
}

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

// KubeName is the Kubernetes name of a volume or network named as Compose
// allows ("db_data", "Front.Net"): lower case, each character other than
// a-z, 0-9 and "-" replaced by "-", leading and trailing "-" dropped, at
// most 63 characters ("db-data", "front-net"). A DNS-1123 label is its own
// KubeName.
func KubeName(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "-")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

// SortedKeys returns the keys of a string-keyed map in order: every map walk
// that reaches output goes through it.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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

// IsDNSLabel reports whether s is a DNS-1123 label, the schema's #Name: 1
// to 63 characters of a-z, 0-9 and "-", starting and ending with a letter
// or digit ("web", "db-data"). It is the one home of the rule in Go.
func IsDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
