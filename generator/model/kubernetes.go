package model

import (
	"encoding/json"
	"slices"
)

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
	// LimitsCPU and LimitsMemory bound the containers' limits, "" for no
	// bound.
	LimitsCPU    string `json:"limitsCPU,omitempty"`
	LimitsMemory string `json:"limitsMemory,omitempty"`
}

// LimitRange is the namespace LimitRange for containers.
type LimitRange struct {
	DefaultCPU           string `json:"defaultCPU"`
	DefaultMemory        string `json:"defaultMemory"`
	DefaultRequestCPU    string `json:"defaultRequestCPU"`
	DefaultRequestMemory string `json:"defaultRequestMemory"`
	// MinCPU, MinMemory, MaxCPU and MaxMemory bound any container's
	// requests and limits, "" for no bound.
	MinCPU    string `json:"minCPU,omitempty"`
	MinMemory string `json:"minMemory,omitempty"`
	MaxCPU    string `json:"maxCPU,omitempty"`
	MaxMemory string `json:"maxMemory,omitempty"`
}
