// Package kubernetes is the Kubernetes target: a Kustomize base generated
// from the model with no environment delta, one thin overlay per
// environment holding only what differs from the base (patches computed by
// comparing the two sets of objects). The Argo CD and Flux entry points that
// deploy each overlay are the gitops target's.
//
// Layout under out/:
//
//	kubernetes/base/kustomization.yaml
//	kubernetes/base/<concern>/<kind>-<name>.yaml      one object per file
//	kubernetes/overlays/<env>/kustomization.yaml
//	kubernetes/overlays/<env>/<concern>/<kind>-<name>.yaml   objects only that env has
//	kubernetes/overlays/<env>/patches/<kind>-<name>.yaml     JSON 6902 patches
package kubernetes

import (
	"fmt"
	"github.com/degen-dev/degen/generator/internal/k8smeta"
	"math"
	"sort"
	"sync"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Name is the artefact name environments list.
const Name = "kubernetes"

// Target generates the Kustomize base and overlays.
type Target struct{}

var (
	_ target.Target   = Target{}
	_ target.PerBuild = Target{}
)

// Name implements target.Target.
func (Target) Name() string { return Name }

const (
	baseDir     = k8smeta.BaseDir
	overlaysDir = k8smeta.OverlaysDir
)

// Generate implements target.Target. It resolves the base on every call;
// a build runs the value ForBuild returns, which resolves it once.
func (Target) Generate(in target.Input) (target.Output, error) {
	return generateWith(in, resolveBase)
}

// ForBuild implements target.PerBuild: the returned target resolves the
// base once for all the environments of a build.
func (Target) ForBuild() target.Target { return &buildTarget{} }

// buildTarget is the Kubernetes target of one build. Every environment of a
// build shares one Base, and resolving and marshalling it is the larger part
// of this target's work, so it is done once. The objects and files are only
// read after they are made, so sharing them between environments is safe.
type buildTarget struct {
	mu    sync.Mutex
	env   *model.Environment
	objs  []object
	files []target.File
	err   error
}

// Name implements target.Target.
func (*buildTarget) Name() string { return Name }

// Generate implements target.Target.
func (t *buildTarget) Generate(in target.Input) (target.Output, error) {
	return generateWith(in, t.base)
}

// base resolves b on its first call and on a call with another Base.
func (t *buildTarget) base(b *model.Environment) ([]object, []target.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.env != b {
		t.objs, t.files, t.err = resolveBase(b)
		t.env = b
	}
	return t.objs, t.files, t.err
}

// generateWith generates in.Env, taking the base from baseOf.
func generateWith(in target.Input, baseOf func(*model.Environment) ([]object, []target.File, error)) (target.Output, error) {
	var out target.Output
	baseObjs, base, err := baseOf(in.Base)
	if err != nil {
		return out, err
	}
	envObjs, warnings, err := resolve(in.Env, true)
	if err != nil {
		return out, err
	}
	out.Warnings = warnings
	if err := unique(envObjs); err != nil {
		return out, err
	}
	overlay, err := overlayFiles(in.Env, baseObjs, envObjs)
	if err != nil {
		return out, err
	}
	// A new slice: base may be shared with other environments (buildTarget).
	out.Files = append(append([]target.File(nil), base...), overlay...)
	out.Objects = make([]target.Object, len(envObjs))
	for i, o := range envObjs {
		out.Objects[i] = target.Object{Name: o.kind() + "/" + o.name(), From: o.from, Value: o.obj}
	}
	return out, nil
}

// resolveBase returns the objects and files of the base.
func resolveBase(b *model.Environment) ([]object, []target.File, error) {
	objs, _, err := resolve(b, false)
	if err != nil {
		return nil, nil, fmt.Errorf("resolving the base: %w", err)
	}
	if err := unique(objs); err != nil {
		return nil, nil, fmt.Errorf("resolving the base: %w", err)
	}
	files, err := baseFiles(objs)
	if err != nil {
		return nil, nil, err
	}
	return objs, files, nil
}

// unique refuses two objects with one identity (a chart rendering an
// object degen already emits).
func unique(objs []object) error {
	seen := map[string]bool{}
	for _, o := range objs {
		if seen[o.id()] {
			return fmt.Errorf("object %s is generated twice: rename the component's object or the service", o.id())
		}
		seen[o.id()] = true
	}
	return nil
}

// baseFiles writes one file per object and the base kustomization listing
// them in the total order.
func baseFiles(objs []object) ([]target.File, error) {
	var files []target.File
	k := kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization"}
	for _, o := range objs {
		data, err := marshal(o.obj)
		if err != nil {
			return nil, err
		}
		files = append(files, target.File{Path: baseDir + "/" + o.file(), Data: data, Shared: true})
		k.Resources = append(k.Resources, o.file())
	}
	data, err := marshal(k)
	if err != nil {
		return nil, err
	}
	return append(files, target.File{Path: baseDir + "/kustomization.yaml", Data: data, Shared: true}), nil
}

// marshal emits YAML through sigs.k8s.io/yaml: map keys sorted, so bytes
// depend only on content.
func marshal(v any) ([]byte, error) {
	// Generic objects (the common case) go straight to the YAML encoder as
	// key-ordered MapSlices, skipping sigs.k8s.io/yaml's JSON round trip,
	// which was a fifth of a build's allocations. The bytes are the same:
	// keys in JSON's (byte) order, integral numbers as integers.
	if m, ok := v.(map[string]any); ok {
		b, err := yamlv2.Marshal(mapSlice(m))
		if err != nil {
			return nil, fmt.Errorf("encoding YAML: %w", err)
		}
		return b, nil
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding YAML: %w", err)
	}
	return b, nil
}

// mapSlice converts a decoded JSON value for yaml.v2: maps become MapSlices
// sorted by key, numbers integers where they are integral.
func mapSlice(v any) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ms := make(yamlv2.MapSlice, len(keys))
		for i, k := range keys {
			ms[i] = yamlv2.MapItem{Key: k, Value: mapSlice(x[k])}
		}
		return ms
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		return mapSlice(m)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapSlice(e)
		}
		return out
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	}
	return v
}
