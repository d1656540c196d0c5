package diff

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ImpactKind says what applying a change does to what runs.
type ImpactKind string

// The kinds of impact, in the order reports list them.
const (
	// Restart: the pods of a workload are replaced (a rolling update).
	Restart ImpactKind = "restart"
	// Start and Stop: a workload is added, or removed with its pods.
	Start ImpactKind = "start"
	Stop  ImpactKind = "stop"
	// Scale: a workload's replica count, or its autoscaler's range, changes.
	Scale ImpactKind = "scale"
	// Recreate: an object must be deleted and created again, because the
	// field that changed is immutable (a StatefulSet's volumeClaimTemplates,
	// a claim's storage class) or Compose replaces the container.
	Recreate ImpactKind = "recreate"
	// Volume: a claim is resized, created or deleted (with its data).
	Volume ImpactKind = "volume"
	// Exposure: what is reachable from outside changes (an Ingress host or
	// path, a Service's type or ports).
	Exposure ImpactKind = "exposure"
	// SecretKey: an ExternalSecret reads a key the secret store must hold
	// before the sync, or the sync fails.
	SecretKey ImpactKind = "secret-key"
	// Variable: a Terraform variable changes (terraform plan shows what it
	// does).
	Variable ImpactKind = "variable"
)

// impactOrder is the order the kinds are listed in.
func impactOrder() []ImpactKind {
	return []ImpactKind{Restart, Start, Stop, Scale, Recreate, Volume, Exposure, SecretKey, Variable}
}

// Impact is one consequence of applying the new side, derived from the
// old and new objects (not from their text): which workload restarts and
// why, what scales, what must be recreated, which exposure changes, which
// secret keys must exist first, which Terraform variables change.
type Impact struct {
	Kind ImpactKind `json:"kind"`
	// Target and File are the object's (as Object's).
	Target string `json:"target"`
	File   string `json:"file"`
	// Object names it briefly: "Deployment web", "service db",
	// "variable replicas".
	Object string `json:"object"`
	// Why says what changes and what it does.
	Why string `json:"why"`
	// Envs are the environments of the object (Object.Envs).
	Envs []string `json:"envs,omitempty"`
}

// impactsOf returns the impact of one listed object, from its two sides.
func impactsOf(o Object, s sides, opts Options) []Impact {
	x := impactCtx{o: o, old: s.old, new: s.new, oldKey: keyOr(opts.OldValueKey), newKey: keyOr(opts.NewValueKey)}
	switch {
	case strings.HasSuffix(o.File, ".tfvars"):
		x.terraform()
	case isKube(s.old) || isKube(s.new):
		x.kubernetes()
	case o.Target == "compose" && strings.HasPrefix(o.ID, "service "):
		x.compose()
	}
	return x.out
}

// impactCtx collects the impacts of one object.
type impactCtx struct {
	o              Object
	old, new       any
	oldKey, newKey func(string) string
	out            []Impact
}

func (x *impactCtx) add(kind ImpactKind, object, format string, args ...any) {
	x.out = append(x.out, Impact{Kind: kind, Target: x.o.Target, File: x.o.File, Object: object, Why: fmt.Sprintf(format, args...), Envs: x.o.Envs})
}

// kubernetes dispatches a Kubernetes object by kind.
func (x *impactCtx) kubernetes() {
	side := x.new
	if side == nil {
		side = x.old
	}
	kind, name := kubeKindName(side)
	object := kind + " " + name
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		x.workload(object)
		x.replicas(object)
		x.claimTemplates(object)
	case "HorizontalPodAutoscaler":
		x.autoscaler(object)
	case "PersistentVolumeClaim":
		x.claim(object)
	case "Service":
		x.service(object)
	case "Ingress":
		x.ingress(object)
	case "ExternalSecret":
		x.externalSecret(object)
	}
}

// kubeKindName is the kind and name of a Kubernetes object.
func kubeKindName(v any) (kind, name string) {
	m, _ := v.(map[string]any)
	meta, _ := m["metadata"].(map[string]any)
	return str(m["kind"]), str(meta["name"])
}

// changesUnder are the object's listed changes at or under field (a
// prefix of field paths, as compareValues writes them).
func (x *impactCtx) changesUnder(field string) []Change {
	var out []Change
	for _, c := range x.o.Changes {
		if c.Field == field || strings.HasPrefix(c.Field, field+".") || strings.HasPrefix(c.Field, field+"[") {
			out = append(out, c)
		}
	}
	return out
}

// at returns the value at a path of keys in v, or nil.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// unquote is a rendered value as plain text: a JSON string without its
// quotes, anything else as rendered.
func unquote(v string) string {
	var s string
	if json.Unmarshal([]byte(v), &s) == nil {
		return s
	}
	return v
}

// arrow is old → new of a change, "(none)" for a missing side.
func arrow(c Change) string {
	o, n := unquote(c.Old), unquote(c.New)
	if c.OldMissing {
		o = "(none)"
	}
	if c.NewMissing {
		n = "(none)"
	}
	return o + " → " + n
}

// sortImpact orders impacts by kind, then target, file and object.
func sortImpact(is []Impact) {
	slices.SortStableFunc(is, func(a, b Impact) int {
		return cmp.Or(cmp.Compare(slices.Index(impactOrder(), a.Kind), slices.Index(impactOrder(), b.Kind)),
			strings.Compare(a.Target, b.Target), strings.Compare(a.File, b.File), strings.Compare(a.Object, b.Object))
	})
}

// impactByEnv groups the impacts by environment, in the order of
// r.Envs, then any other environment by name; impacts of no known
// environment are under "".
func impactByEnv(r *Report) (envs []string, by map[string][]Impact) {
	by = map[string][]Impact{}
	for _, i := range r.Impact {
		es := i.Envs
		if len(es) == 0 {
			es = []string{""}
		}
		for _, e := range es {
			by[e] = append(by[e], i)
		}
	}
	for _, e := range r.Envs {
		if len(by[e.Name]) > 0 && !slices.Contains(envs, e.Name) {
			envs = append(envs, e.Name)
		}
	}
	for _, e := range sortedKeys(by) {
		if !slices.Contains(envs, e) {
			envs = append(envs, e)
		}
	}
	return envs, by
}

// impactHeading names the environment of a group of impacts.
func impactHeading(env string) string {
	if env == "" {
		return "rollout impact"
	}
	return "rollout impact on " + env
}
