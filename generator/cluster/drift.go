package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/internal/k8smeta"
	"github.com/degen-dev/degen/generator/textesc"
)

// Request is one environment's comparison with the cluster.
type Request struct {
	// Env is the environment; Overlay its kustomize build (diff.BuildOverlay).
	Env     string
	Overlay []byte
	// Ignore leaves objects and fields out of the report (diff.Ignore).
	Ignore []diff.Ignore
}

// Result is the comparison: the old side is the cluster, the new side
// out/, so an object only in out/ is "added" (applying out/ creates it), an
// object with degen's labels only in the cluster "removed" (Argo CD's or
// Flux's pruning deletes it), and a changed object's fields are what the
// dry-run apply of out/ changes in the live object.
type Result struct {
	Report *diff.Report
	// Skipped are the kinds the cluster did not let degen list in a
	// namespace (forbidden): objects of them missing from out/ may be
	// unseen. Sorted.
	Skipped []string
}

// parallel bounds the requests in flight.
const parallel = 8

// pageSize bounds one page of a list.
const pageSize = 250

// Diff compares req.Overlay with the cluster.
func (c *Client) Diff(ctx context.Context, req Request) (*Result, error) {
	want, err := c.parseOverlay(req.Overlay)
	if err != nil {
		return nil, err
	}
	live := make([]map[string]any, len(want))
	planned := make([]map[string]any, len(want))
	err = each(ctx, len(want), func(ctx context.Context, i int) error {
		var err error
		live[i], planned[i], err = c.plan(ctx, want[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	orphans, skipped, err := c.orphans(ctx, want)
	if err != nil {
		return nil, err
	}
	var oldDocs, newDocs []map[string]any
	for i := range want {
		if live[i] != nil {
			oldDocs = append(oldDocs, live[i])
		}
		newDocs = append(newDocs, planned[i])
	}
	oldDocs = append(oldDocs, orphans...)
	file := path.Join(k8smeta.Overlay(req.Env), diff.BuiltName)
	oldYAML, err := stream(oldDocs)
	if err != nil {
		return nil, err
	}
	newYAML, err := stream(newDocs)
	if err != nil {
		return nil, err
	}
	rep, err := diff.Compare(map[string][]byte{file: oldYAML}, map[string][]byte{file: newYAML}, diff.Options{
		OldName: "the cluster", NewName: "out/", Raw: true, Ignore: req.Ignore,
		Owners: func(string) []string { return []string{req.Env} },
		Envs:   []diff.Env{{Name: req.Env}},
	})
	if err != nil {
		return nil, err
	}
	return &Result{Report: rep, Skipped: skipped}, nil
}

// wanted is an object of the overlay with where it lives in the cluster.
type wanted struct {
	obj        *unstructured.Unstructured
	resource   schema.GroupVersionResource
	namespaced bool
}

// key identifies an object across API versions.
func key(gk schema.GroupKind, ns, name string) string {
	return gk.String() + " " + ns + "/" + name
}

// parseOverlay reads the overlay's objects and maps each to its resource.
// A kind the cluster does not serve (a custom resource whose definition is
// not installed) is an error.
func (c *Client) parseOverlay(data []byte) ([]wanted, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []wanted
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the overlay: %w", err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("reading the overlay: %w", err)
		}
		if m == nil {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		gvk := u.GroupVersionKind()
		if gvk.Kind == "" || u.GetName() == "" {
			return nil, fmt.Errorf("the overlay has an object without kind or name (document %d)", len(out)+1)
		}
		mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			return nil, fmt.Errorf("the cluster at %s does not serve %s %s (%s in out/): install its CustomResourceDefinition, or compare with a cluster that has it", c.Server, textesc.Line(gvk.GroupVersion().String()), textesc.Line(gvk.Kind), textesc.Line(u.GetName()))
		}
		if err != nil {
			return nil, c.connErr(err)
		}
		w := wanted{obj: u, resource: mapping.Resource, namespaced: mapping.Scope.Name() == meta.RESTScopeNameNamespace}
		if w.namespaced && u.GetNamespace() == "" {
			u.SetNamespace(c.namespace)
		}
		out = append(out, w)
	}
}

// plan returns an object's live state (nil when the cluster has none) and
// what applying out/ makes of it: the dry-run apply's result, or the object
// as out/ has it when the cluster has none. Both without the fields only
// the server writes (status, managedFields, resourceVersion…).
func (c *Client) plan(ctx context.Context, w wanted) (live, planned map[string]any, err error) {
	ri := c.resourceFor(w.resource, w.namespaced, w.obj.GetNamespace())
	cur, err := ri.Get(ctx, w.obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, w.obj.Object, nil
	}
	if err != nil {
		return nil, nil, c.objErr("get", w, err)
	}
	body, err := json.Marshal(w.obj.Object)
	if err != nil {
		return nil, nil, err
	}
	force := true
	res, err := ri.Patch(ctx, w.obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
		DryRun: []string{metav1.DryRunAll}, FieldManager: c.fieldManager, Force: &force,
	})
	if err != nil {
		return nil, nil, c.objErr("dry-run apply", w, err)
	}
	return comparable(cur.Object), comparable(res.Object), nil
}

func (c *Client) resourceFor(r schema.GroupVersionResource, namespaced bool, ns string) dynamic.ResourceInterface {
	if namespaced {
		return c.dyn.Resource(r).Namespace(ns)
	}
	return c.dyn.Resource(r)
}

// objErr is an error of a request about one object of out/.
func (c *Client) objErr(op string, w wanted, err error) error {
	what := w.obj.GetKind() + " " + w.obj.GetName()
	if w.namespaced {
		what = w.obj.GetKind() + " " + w.obj.GetNamespace() + "/" + w.obj.GetName()
	}
	what = textesc.Line(what)
	switch {
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return fmt.Errorf("the cluster at %s rejects %s of out/ (%s): %s; fix the model so that the API server accepts it", c.Server, what, op, textesc.Line(err.Error()))
	case apierrors.IsUnauthorized(err), apierrors.IsForbidden(err):
		return fmt.Errorf("%s of %s: %w", op, what, c.connErr(err))
	}
	return c.connErr(fmt.Errorf("%s %s: %w", op, what, err))
}

// comparable is a live object without what only the server writes and no
// file of out/ can say: status, managedFields, resourceVersion, uid,
// generation, creationTimestamp, and kubectl's last-applied-configuration
// annotation (a copy of the object, with a Secret's values).
func comparable(obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		if k != "status" {
			out[k] = v
		}
	}
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return out
	}
	m := map[string]any{}
	for k, v := range md {
		switch k {
		case "managedFields", "resourceVersion", "uid", "generation", "creationTimestamp", "selfLink":
		case "annotations":
			ann, _ := v.(map[string]any)
			a := map[string]any{}
			for ak, av := range ann {
				if ak != "kubectl.kubernetes.io/last-applied-configuration" {
					a[ak] = av
				}
			}
			if len(a) > 0 {
				m[k] = a
			}
		default:
			m[k] = v
		}
	}
	out["metadata"] = m
	return out
}

// orphans lists the objects of the cluster that carry degen's labels of
// the overlay's projects in the overlay's namespaces and that the overlay
// does not have. Objects a controller made (with an owner reference: the
// pods of a Deployment, the EndpointSlices of a Service) are not listed.
// Every namespaced kind the cluster serves and lets list is searched, so
// an object whose kind out/ no longer has is found too; a kind the cluster
// forbids listing is returned in skipped.
func (c *Client) orphans(ctx context.Context, want []wanted) (objs []map[string]any, skipped []string, err error) {
	inOut := map[string]bool{}
	nss := map[string]bool{}
	projects := map[string]bool{}
	for _, w := range want {
		gk := w.obj.GroupVersionKind().GroupKind()
		inOut[key(gk, w.obj.GetNamespace(), w.obj.GetName())] = true
		if w.namespaced {
			nss[w.obj.GetNamespace()] = true
		}
		l := w.obj.GetLabels()
		if l[k8smeta.LabelManagedBy] == "degen" && l[k8smeta.LabelPartOf] != "" {
			projects[l[k8smeta.LabelPartOf]] = true
		}
	}
	if len(nss) == 0 || len(projects) == 0 {
		return nil, nil, nil
	}
	sel, err := selector(projects)
	if err != nil {
		return nil, nil, err
	}
	type job struct {
		ns  string
		gvr schema.GroupVersionResource
		gk  schema.GroupKind
	}
	var jobs []job
	for _, ns := range sortedKeys(nss) {
		for _, r := range c.listable() {
			jobs = append(jobs, job{ns, r.gvr, r.gk})
		}
	}
	found := make([][]map[string]any, len(jobs))
	forbidden := make([]bool, len(jobs))
	err = each(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		ri := c.dyn.Resource(j.gvr).Namespace(j.ns)
		opts := metav1.ListOptions{LabelSelector: sel, Limit: pageSize}
		for {
			l, err := ri.List(ctx, opts)
			if apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err) {
				forbidden[i] = apierrors.IsForbidden(err)
				return nil
			}
			if err != nil {
				return c.connErr(fmt.Errorf("listing %s in %s: %w", j.gvr.Resource, j.ns, err))
			}
			for _, it := range l.Items {
				if len(it.GetOwnerReferences()) > 0 || inOut[key(j.gk, it.GetNamespace(), it.GetName())] {
					continue
				}
				found[i] = append(found[i], comparable(it.Object))
			}
			if l.GetContinue() == "" {
				return nil
			}
			opts.Continue = l.GetContinue()
		}
	})
	if err != nil {
		return nil, nil, err
	}
	for i, f := range found {
		objs = append(objs, f...)
		if forbidden[i] {
			skipped = append(skipped, jobs[i].gvr.Resource+" in "+jobs[i].ns)
		}
	}
	sort.Strings(skipped)
	return objs, skipped, nil
}

// selector selects degen's objects of the projects.
func selector(projects map[string]bool) (string, error) {
	managed, err := labels.NewRequirement(k8smeta.LabelManagedBy, selection.Equals, []string{"degen"})
	if err != nil {
		return "", err
	}
	partOf, err := labels.NewRequirement(k8smeta.LabelPartOf, selection.In, sortedKeys(projects))
	if err != nil {
		return "", fmt.Errorf("the overlay's %s label: %w", k8smeta.LabelPartOf, err)
	}
	return labels.NewSelector().Add(*managed, *partOf).String(), nil
}

// resourceKind is a resource the cluster serves with its kind.
type resourceKind struct {
	gvr schema.GroupVersionResource
	gk  schema.GroupKind
}

// listable are the namespaced resources the cluster lets list, at each
// group's preferred version, sorted; subresources are left out.
func (c *Client) listable() []resourceKind {
	var out []resourceKind
	for _, g := range c.groups {
		v := g.Group.PreferredVersion.Version
		for _, r := range g.VersionedResources[v] {
			if !r.Namespaced || strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			out = append(out, resourceKind{
				gvr: schema.GroupVersionResource{Group: g.Group.Name, Version: v, Resource: r.Name},
				gk:  schema.GroupKind{Group: g.Group.Name, Kind: r.Kind},
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].gvr.String() < out[j].gvr.String() })
	return out
}

// each runs f for 0…n-1 with at most parallel calls at once and returns
// the first error; after an error the calls not yet started are skipped.
func each(ctx context.Context, n int, f func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	sem := make(chan struct{}, parallel)
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if ctx.Err() != nil {
				return
			}
			if err := f(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// stream is docs as one YAML stream.
func stream(docs []map[string]any) ([]byte, error) {
	var b bytes.Buffer
	for _, d := range docs {
		data, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
