// Package kubefield maps fields of generated Kubernetes objects, as degen
// diff prints them (KIND/NAME.FIELD), to the model fields and patches that
// decide them. The Kubernetes target (Origin) and degen explain share it.
package kubefield

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// kubeField matches a field of a generated workload as degen diff prints
// it: KIND/NAME then the field path, e.g.
// Deployment/graphql-api.spec.template.spec.containers[name=graphql-api].resources.limits.memory.
var kubeField = regexp.MustCompile(`^(Deployment|StatefulSet|DaemonSet)/([a-z0-9-]+)[.:](.+)$`)

// containerField is the container part of a workload field.
var containerField = regexp.MustCompile(`^spec\.template\.spec\.containers\[name=([a-z0-9-]+)\]\.(image|resources(?:\..+)?)$`)

// ModelPath maps a field of a generated Kubernetes workload to the model
// field it comes from: spec.replicas to services.NAME.replicas, a
// container's image and resources to the service's. ok is false for any
// other path, which is then a model path already or not one explain knows.
func ModelPath(field string) (path string, ok bool) {
	m := kubeField.FindStringSubmatch(field)
	if m == nil {
		return "", false
	}
	service, rest := m[2], m[3]
	if rest == "spec.replicas" {
		return `services."` + service + `".replicas`, true
	}
	if c := containerField.FindStringSubmatch(rest); c != nil && c[1] == service {
		return `services."` + service + `".` + strings.TrimPrefix(c[2], "."), true
	}
	return "", false
}

// Owner is what decides a field of a generated object when another object
// does, not the model field the object is generated from.
type Owner struct {
	// Object names the owner, e.g. "HorizontalPodAutoscaler".
	Object string
	// Does says what the owner does with the field.
	Does string
	// Path is the model field that configures the owner.
	Path string
	// Ignored is the model field that the owner makes ineffective, with
	// its value, e.g. services."web".replicas (5).
	Ignored string
}

// OwnerOf returns the owner of a field of a generated Kubernetes workload
// (KIND/NAME.FIELD) in env when another object owns it: the replicas of an
// autoscaled Deployment are its HorizontalPodAutoscaler's
// (model.Service.ReplicasOwnedByAutoscaler), and the Deployment leaves
// them out.
func OwnerOf(env *model.Environment, field string) (Owner, bool) {
	m := kubeField.FindStringSubmatch(field)
	if m == nil || env == nil || m[1] != "Deployment" || m[3] != "spec.replicas" {
		return Owner{}, false
	}
	s := env.Services[m[2]]
	if s == nil || !s.ReplicasOwnedByAutoscaler() {
		return Owner{}, false
	}
	a := s.Autoscaling
	return Owner{
		Object:  "HorizontalPodAutoscaler",
		Does:    fmt.Sprintf("scales it between %d and %d replicas; the Deployment leaves spec.replicas out", a.MinReplicas, a.MaxReplicas),
		Path:    model.P("services", s.Name, "autoscaling"),
		Ignored: fmt.Sprintf("%s (%d)", model.P("services", s.Name, "replicas"), s.Replicas),
	}, true
}

// objectField matches a field of any generated object as degen diff
// prints it: KIND/NAME then the field path.
var objectField = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*)/([a-z0-9][a-z0-9-]*)[.:](.+)$`)

// IsObjectField reports whether field names a field of a generated object
// (KIND/NAME.FIELD) rather than a model path.
func IsObjectField(field string) bool { return objectField.MatchString(field) }

// PatchPath maps a field of a generated object to the model path of the
// patch that sets it, when one of env's kubernetes.patches does (the last
// in the patches' order, which is the one that decides): the field, or the
// closest parent the patch sets, under the patch's strategic struct, or
// the JSON patch operation that adds, replaces, copies or moves a value
// to it or to a parent. A container selector [name=x] is the patch's
// list element of that name (strategic), any index (JSON).
func PatchPath(env *model.Environment, field string) (path string, ok bool) {
	m := objectField.FindStringSubmatch(field)
	if m == nil || env == nil {
		return "", false
	}
	kind, name, segs := m[1], m[2], fieldSegments(m[3])
	for _, label := range model.SortedKeys(env.Kubernetes.Patches) {
		p := env.Kubernetes.Patches[label]
		if p.Target.Kind != kind || p.Target.Name != name {
			continue
		}
		if at, set := strategicSets(p.Strategic, segs); set {
			path, ok = model.P(append([]any{"kubernetes", "patches", label, "strategic"}, at...)...), true
		}
		for i, op := range p.JSON {
			if (op.Op == "add" || op.Op == "replace" || op.Op == "copy" || op.Op == "move") && pointerCovers(op.Path, segs) {
				path, ok = model.P("kubernetes", "patches", label, "json", i), true
			}
		}
	}
	return path, ok
}

// segment is one step of an object field path: a key, a list index, or a
// list element selected by its name.
type segment struct {
	key   string
	index int // -1 unless an index
	named string
}

// fieldSegments splits spec.template.spec.containers[name=web].image.
func fieldSegments(s string) []segment {
	var out []segment
	for _, part := range strings.Split(s, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			out = append(out, segment{key: key, index: -1})
		}
		for rest != "" {
			sel, after, _ := strings.Cut(rest, "]")
			if n, err := strconv.Atoi(sel); err == nil {
				out = append(out, segment{index: n})
			} else {
				out = append(out, segment{index: -1, named: strings.TrimPrefix(sel, "name=")})
			}
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}

// strategicSets walks segs through a strategic patch and returns the
// model path parts of the deepest value it reaches, when the patch sets
// the field or a parent of it.
func strategicSets(patch map[string]any, segs []segment) ([]any, bool) {
	var at []any
	var v any = patch
	if patch == nil {
		return nil, false
	}
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[s.key]
			if s.key == "" || !ok {
				return nil, false
			}
			at, v = append(at, s.key), next
		case []any:
			i := s.index
			if s.named != "" {
				i = -1
				for j, e := range x {
					if em, _ := e.(map[string]any); em != nil && em["name"] == s.named {
						i = j
					}
				}
			}
			if i < 0 || i >= len(x) {
				return nil, false
			}
			at, v = append(at, i), x[i]
		default:
			// The patch sets a parent of the field whole.
			return at, true
		}
	}
	return at, true
}

// pointerCovers reports whether the JSON pointer p names the field segs
// or a parent of it.
func pointerCovers(p string, segs []segment) bool {
	if p == "" {
		return true
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(toks) > len(segs) {
		return false
	}
	for i, t := range toks {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		s := segs[i]
		switch {
		case s.key != "":
			if t != s.key {
				return false
			}
		case s.named != "":
			if _, err := strconv.Atoi(t); err != nil {
				return false
			}
		default:
			if t != strconv.Itoa(s.index) {
				return false
			}
		}
	}
	return true
}
