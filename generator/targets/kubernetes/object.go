package kubernetes

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// object is one Kubernetes object in its generic form (what a YAML file
// holds), with the base folder it belongs to.
type object struct {
	// concern is the folder under base/ or the overlay ("backend", "network").
	concern string
	obj     map[string]any
	// from is the model path of what made the object (target.Object.From).
	from string
}

func (o object) apiVersion() string { s, _ := o.obj["apiVersion"].(string); return s }
func (o object) kind() string       { s, _ := o.obj["kind"].(string); return s }

func (o object) name() string {
	md, _ := o.obj["metadata"].(map[string]any)
	s, _ := md["name"].(string)
	return s
}

// id identifies an object within one environment's namespace.
func (o object) id() string { return o.apiVersion() + "/" + o.kind() + "/" + o.name() }

// file is the object's path relative to a kustomization root.
func (o object) file() string {
	return o.concern + "/" + strings.ToLower(o.kind()) + "-" + o.name() + ".yaml"
}

// kindRank is the first key of the one total order of objects: what must
// exist before what refers to it, as kubectl and Argo CD apply them. A kind
// not listed comes after the others.
func kindRank(kind string) int {
	order := [...]string{
		"Namespace", "ResourceQuota", "LimitRange", "ServiceAccount", "ExternalSecret", "Secret",
		"ConfigMap", "PersistentVolumeClaim", "Service", "Deployment", "StatefulSet", "DaemonSet",
		"Job", "CronJob", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "NetworkPolicy",
	}
	for i, k := range order {
		if k == kind {
			return i
		}
	}
	return len(order)
}

// sortObjects puts objects in the total order: kind order, then kind, then
// name (all objects of an environment share its namespace).
func sortObjects(objs []object) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if ra, rb := kindRank(a.kind()), kindRank(b.kind()); ra != rb {
			return ra < rb
		}
		if a.kind() != b.kind() {
			return a.kind() < b.kind()
		}
		return a.name() < b.name()
	})
}

// generic turns a typed k8s.io/api object into its generic form, dropping
// the zero values the typed structs always serialise (creationTimestamp:
// null, status), so files hold only what the model says.
func generic(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding object: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding object: %w", err)
	}
	prune(m)
	return m, nil
}

func prune(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if c == nil {
				delete(x, k)
				continue
			}
			if _, ok := c.(map[string]any); ok && k == "status" {
				// Status is the cluster's to write; typed objects always
				// carry an empty one.
				delete(x, k)
				continue
			}
			prune(c)
		}
	case []any:
		for _, c := range x {
			prune(c)
		}
	}
}
