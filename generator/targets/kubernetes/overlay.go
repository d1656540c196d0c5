package kubernetes

import (
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

const kustomizeAPI = "kustomize.config.k8s.io/v1beta1"

// kustomization is the subset of kustomize's Kustomization degen writes.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources,omitempty"`
	Patches    []patch  `json:"patches,omitempty"`
}

type patch struct {
	Path   string    `json:"path"`
	Target *selector `json:"target,omitempty"`
}

type selector struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
}

// op is one JSON 6902 operation.
type op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// overlayFiles derive the environment's overlay from the two object sets:
// objects only the environment has become resources of the overlay,
// objects it changes get a JSON 6902 patch of exactly the changed values,
// and objects it lacks are deleted with a strategic-merge delete patch.
// Nothing is listed by hand, so the overlay is as small as the difference.
func overlayFiles(env *model.Environment, base, envObjs []object) ([]target.File, error) {
	dir := overlaysDir + "/" + env.Name
	byID := map[string]object{}
	for _, o := range base {
		byID[o.id()] = o
	}
	inEnv := map[string]bool{}
	k := kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization", Namespace: env.Namespace, Resources: []string{"../../base"}}
	var files []target.File
	add := func(p string, v any) error {
		data, err := marshal(v)
		if err != nil {
			return err
		}
		files = append(files, target.File{Path: dir + "/" + p, Data: data})
		return nil
	}
	for _, o := range envObjs {
		inEnv[o.id()] = true
		b, ok := byID[o.id()]
		if !ok {
			k.Resources = append(k.Resources, o.file())
			if err := add(o.file(), o.obj); err != nil {
				return nil, err
			}
			continue
		}
		var ops []op
		diff(b.obj, o.obj, "", &ops)
		if len(ops) == 0 {
			continue
		}
		p := "patches/" + strings.ToLower(o.kind()) + "-" + o.name() + ".yaml"
		k.Patches = append(k.Patches, patch{Path: p, Target: target6902(o)})
		if err := add(p, ops); err != nil {
			return nil, err
		}
	}
	for _, o := range base {
		if inEnv[o.id()] {
			continue
		}
		p := "patches/delete-" + strings.ToLower(o.kind()) + "-" + o.name() + ".yaml"
		k.Patches = append(k.Patches, patch{Path: p})
		del := map[string]any{
			"$patch":     "delete",
			"apiVersion": o.apiVersion(),
			"kind":       o.kind(),
			"metadata":   map[string]any{"name": o.name()},
		}
		if err := add(p, del); err != nil {
			return nil, err
		}
	}
	if err := add("kustomization.yaml", k); err != nil {
		return nil, err
	}
	return files, nil
}

func target6902(o object) *selector {
	gv := o.apiVersion()
	s := &selector{Version: gv, Kind: o.kind(), Name: o.name()}
	if i := strings.LastIndex(gv, "/"); i >= 0 {
		s.Group, s.Version = gv[:i], gv[i+1:]
	}
	return s
}

// diff appends the operations that turn a into b: maps key by key, lists of
// equal length element by element, anything else replaced whole. Keys are
// walked in order, so the operations are deterministic.
func diff(a, b any, path string, ops *[]op) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := path + "/" + escape(k)
			av, ina := am[k]
			bv, inb := bm[k]
			switch {
			case !inb:
				*ops = append(*ops, op{Op: "remove", Path: p})
			case !ina:
				*ops = append(*ops, op{Op: "add", Path: p, Value: bv})
			default:
				diff(av, bv, p, ops)
			}
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			diff(al[i], bl[i], path+"/"+strconv.Itoa(i), ops)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*ops = append(*ops, op{Op: "replace", Path: path, Value: b})
	}
}

// escape is RFC 6901 escaping of one JSON pointer token.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
