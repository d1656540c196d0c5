package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	jsonpatch "github.com/evanphx/json-patch/v5"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes/scheme"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	k8sjson "sigs.k8s.io/json"

	"github.com/degen-dev/degen/generator/model"
)

// extraConcern is the folder of the model's extra objects.
const extraConcern = "extra"

// patchAndExtend applies the environment's kubernetes.patches to the
// objects b generated, then adds kubernetes.objects. In the base a patch
// whose target the base does not generate (the Namespace, an object of a
// service only some environments run) is left to the environments, which
// report it when they lack it too.
func (b *builder) patchAndExtend() error {
	k := b.env.Kubernetes
	patchedConfig := map[string]bool{}
	for _, i := range model.SortedKeys(k.Patches) {
		p := k.Patches[i]
		at := model.P("kubernetes", "patches", i)
		idx, err := b.patchTarget(i, p)
		if err != nil {
			return err
		}
		if idx < 0 {
			continue
		}
		o := b.objs[idx]
		if (p.Strategic == nil) == (p.JSON == nil) {
			return b.errorAt(at, "environment %s: a patch gives exactly one of strategic (a strategic-merge patch) and json (RFC 6902 operations)", b.env.Name)
		}
		var patched map[string]any
		how := "json"
		if p.Strategic != nil {
			how = "strategic"
			patched, err = strategic(o.obj, p.Strategic)
			if err != nil {
				return b.errorAt(model.P("kubernetes", "patches", i, "strategic"), "environment %s: the strategic patch of %s/%s does not apply: %v", b.env.Name, o.kind(), o.name(), err)
			}
		} else {
			var n int
			patched, n, err = jsonPatch(o.obj, p.JSON)
			if err != nil {
				return b.errorAt(model.P("kubernetes", "patches", i, "json", n), "environment %s: operation %d (%s %s) of the JSON patch of %s/%s fails: %v", b.env.Name, n, p.JSON[n].Op, p.JSON[n].Path, o.kind(), o.name(), err)
			}
		}
		if got := (object{obj: patched}); got.id() != o.id() {
			return b.errorAt(model.P("kubernetes", "patches", i, how), "environment %s: the patch changes the identity of %s/%s to %s: a patch may not change apiVersion, kind or metadata.name; add the object under kubernetes.objects instead", b.env.Name, o.kind(), o.name(), got.id())
		}
		typed, err := strictDecode(patched)
		if err != nil {
			return b.errorAt(model.P("kubernetes", "patches", i, how), "environment %s: the patch makes %s/%s an object Kubernetes refuses: %v", b.env.Name, o.kind(), o.name(), err)
		}
		if reasons := b.podSecurityRefuses(typed); reasons != "" {
			return b.errorAt(model.P("kubernetes", "patches", i, how), "environment %s: the patch makes the pods of %s/%s break Pod Security level %q, which namespace %s enforces (kubernetes.podSecurity): %s; change the patch, or the level", b.env.Name, o.kind(), o.name(), b.env.Kubernetes.PodSecurity, b.env.Namespace, reasons)
		}
		b.objs[idx].obj = patched
		// A patch of a ConfigMap's data rolls its readers; one of its
		// metadata only changes no pod.
		if o.kind() == "ConfigMap" && o.apiVersion() == "v1" &&
			(!reflect.DeepEqual(o.obj["data"], patched["data"]) || !reflect.DeepEqual(o.obj["binaryData"], patched["binaryData"])) {
			patchedConfig[o.name()] = true
		}
	}
	b.rehashPatchedConfig(patchedConfig)
	return b.extraObjects()
}

// rehashPatchedConfig folds the data of each patched ConfigMap into the
// config hash of every pod template that reads it (a volume, envFrom or
// an env key), so that a patch of a ConfigMap rolls its pods as a change
// of the model does.
func (b *builder) rehashPatchedConfig(names map[string]bool) {
	if len(names) == 0 {
		return
	}
	data := map[string][]byte{}
	for _, o := range b.objs {
		if o.kind() == "ConfigMap" && o.apiVersion() == "v1" && names[o.name()] {
			// encoding/json sorts map keys: the same data, the same bytes.
			d, _ := json.Marshal([]any{o.obj["data"], o.obj["binaryData"]})
			data[o.name()] = d
		}
	}
	for _, o := range b.objs {
		tmpl := podTemplateOf(o.obj)
		if tmpl == nil {
			continue
		}
		spec, _ := tmpl["spec"].(map[string]any)
		read := configMapsRead(spec)
		h := sha256.New()
		n := 0
		for _, cm := range model.SortedKeys(read) {
			if d, ok := data[cm]; ok {
				n++
				fmt.Fprintf(h, "patched %s %d\n%s", cm, len(d), d)
			}
		}
		if n == 0 {
			continue
		}
		md, _ := tmpl["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
			tmpl["metadata"] = md
		}
		ann, _ := md["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			md["annotations"] = ann
		}
		old, _ := ann[configHashAnnotation].(string)
		fmt.Fprintf(h, "model %s", old)
		ann[configHashAnnotation] = hex.EncodeToString(h.Sum(nil))
	}
}

// podTemplateOf is the pod template of a workload object, nil for any
// other.
func podTemplateOf(obj map[string]any) map[string]any {
	spec, _ := obj["spec"].(map[string]any)
	switch obj["kind"] {
	case "Deployment", "StatefulSet", "DaemonSet", "Job":
	case "CronJob":
		jt, _ := spec["jobTemplate"].(map[string]any)
		spec, _ = jt["spec"].(map[string]any)
	default:
		return nil
	}
	t, _ := spec["template"].(map[string]any)
	return t
}

// configMapsRead are the names of the ConfigMaps a pod spec reads: its
// volumes (projected ones included), and its containers' envFrom and env
// keys.
func configMapsRead(spec map[string]any) map[string]bool {
	out := map[string]bool{}
	name := func(v any) {
		m, _ := v.(map[string]any)
		if n, ok := m["name"].(string); ok {
			out[n] = true
		}
	}
	list := func(v any) []map[string]any {
		l, _ := v.([]any)
		var ms []map[string]any
		for _, x := range l {
			if m, ok := x.(map[string]any); ok {
				ms = append(ms, m)
			}
		}
		return ms
	}
	for _, v := range list(spec["volumes"]) {
		name(v["configMap"])
		if p, ok := v["projected"].(map[string]any); ok {
			for _, src := range list(p["sources"]) {
				name(src["configMap"])
			}
		}
	}
	for _, key := range []string{"initContainers", "containers"} {
		for _, c := range list(spec[key]) {
			for _, e := range list(c["envFrom"]) {
				name(e["configMapRef"])
			}
			for _, e := range list(c["env"]) {
				if vf, ok := e["valueFrom"].(map[string]any); ok {
					name(vf["configMapKeyRef"])
				}
			}
		}
	}
	return out
}

// patchTarget returns the index in b.objs of the one object patch i names,
// or -1 in the base when the base has none.
func (b *builder) patchTarget(i string, p model.KubePatch) (int, error) {
	t := p.Target
	var found []int
	for j, o := range b.objs {
		if o.concern == extraConcern || o.kind() != t.Kind || o.name() != t.Name {
			continue
		}
		gv, _ := schema.ParseGroupVersion(o.apiVersion())
		if (t.Group != nil && *t.Group != gv.Group) || (t.Version != nil && *t.Version != gv.Version) {
			continue
		}
		found = append(found, j)
	}
	at := model.P("kubernetes", "patches", i, "target")
	switch {
	case len(found) > 1:
		var ids []string
		for _, j := range found {
			ids = append(ids, b.objs[j].id())
		}
		return -1, b.errorAt(at, "environment %s: the patch's target %s/%s names %d objects (%s): give target.group or target.version", b.env.Name, t.Kind, t.Name, len(found), strings.Join(ids, ", "))
	case len(found) == 1:
		return found[0], nil
	case !b.envOnly:
		return -1, nil
	}
	for j, o := range b.env.Kubernetes.Objects {
		if kindOf(o) == t.Kind && nameOf(o) == t.Name {
			return -1, b.errorAt(at, "environment %s: the patch's target %s/%s is the model's own object %s, which degen writes as given: change it there", b.env.Name, t.Kind, t.Name, model.P("kubernetes", "objects", j))
		}
	}
	return -1, b.errorAt(at, "environment %s: the patch's target %s/%s names no object degen generates; the closest are %s", b.env.Name, t.Kind, t.Name, strings.Join(b.closest(t.Kind, t.Name), ", "))
}

// closest names up to five generated objects nearest to kind/name: those
// of the kind first, by edit distance of the name, then the others by
// edit distance of KIND/NAME.
func (b *builder) closest(kind, name string) []string {
	type cand struct {
		id   string
		same bool
		d    int
	}
	var cs []cand
	for _, o := range b.objs {
		if o.concern == extraConcern {
			continue
		}
		id := o.kind() + "/" + o.name()
		c := cand{id: id, same: o.kind() == kind}
		if c.same {
			c.d = levenshtein.Distance(name, o.name(), nil)
		} else {
			c.d = levenshtein.Distance(kind+"/"+name, id, nil)
		}
		cs = append(cs, c)
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].same != cs[j].same {
			return cs[i].same
		}
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].id < cs[j].id
	})
	var out []string
	for i := 0; i < len(cs) && i < 5; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

// strategic applies a strategic-merge patch to obj with the patch
// strategy of its upstream Go type; a kind without one is merged as an
// RFC 7386 JSON merge patch.
func strategic(obj, patch map[string]any) (map[string]any, error) {
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	p, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	var out []byte
	if typed := newTyped(object{obj: obj}); typed != nil {
		out, err = strategicpatch.StrategicMergePatch(doc, p, typed)
	} else {
		out, err = jsonpatch.MergePatch(doc, p)
	}
	if err != nil {
		return nil, err
	}
	return decodeMap(out)
}

// jsonPatch applies RFC 6902 operations to obj one at a time, so that a
// failure names its operation's index.
func jsonPatch(obj map[string]any, ops []model.JSONPatchOp) (map[string]any, int, error) {
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, 0, err
	}
	for i, o := range ops {
		one, err := json.Marshal([]model.JSONPatchOp{o})
		if err != nil {
			return nil, i, err
		}
		p, err := jsonpatch.DecodePatch(one)
		if err != nil {
			return nil, i, err
		}
		if doc, err = p.Apply(doc); err != nil {
			return nil, i, err
		}
	}
	m, err := decodeMap(doc)
	return m, 0, err
}

func decodeMap(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("the result is not an object: %w", err)
	}
	return m, nil
}

// newTyped returns an empty value of the upstream Go type of o's
// apiVersion and kind (k8s.io/api, as client-go's scheme registers them),
// or nil for a kind without one (a custom resource).
func newTyped(o object) runtime.Object {
	gvk := schema.FromAPIVersionAndKind(o.apiVersion(), o.kind())
	if !scheme.Scheme.Recognizes(gvk) {
		return nil
	}
	v, err := scheme.Scheme.New(gvk)
	if err != nil {
		return nil
	}
	return v
}

// strictDecode decodes obj into its upstream type, refusing unknown and
// duplicate fields and values of the wrong type; a kind without a Go type
// passes, as nil.
func strictDecode(obj map[string]any) (runtime.Object, error) {
	typed := newTyped(object{obj: obj})
	if typed == nil {
		return nil, nil
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	strict, err := k8sjson.UnmarshalStrict(data, typed, k8sjson.DisallowDuplicateFields, k8sjson.DisallowUnknownFields)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		var msgs []string
		for _, e := range strict {
			msgs = append(msgs, e.Error())
		}
		return nil, fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return typed, nil
}

// podSecurityRefuses returns the Pod Security checker's reasons for
// refusing the pods of a typed workload in the environment's namespace,
// or "" when it admits them, the object holds no pod, or b is the base
// (which has no namespace: each environment judges its own patches).
func (b *builder) podSecurityRefuses(obj runtime.Object) string {
	var pod *corev1.PodTemplateSpec
	switch o := obj.(type) {
	case *appsv1.Deployment:
		pod = &o.Spec.Template
	case *appsv1.StatefulSet:
		pod = &o.Spec.Template
	case *appsv1.DaemonSet:
		pod = &o.Spec.Template
	case *batchv1.Job:
		pod = &o.Spec.Template
	case *batchv1.CronJob:
		pod = &o.Spec.JobTemplate.Spec.Template
	case *corev1.Pod:
		pod = &corev1.PodTemplateSpec{ObjectMeta: o.ObjectMeta, Spec: o.Spec}
	}
	if pod == nil || !b.envOnly {
		return ""
	}
	level, err := psaapi.ParseLevel(b.env.Kubernetes.PodSecurity)
	if err != nil {
		return err.Error()
	}
	e, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		return err.Error()
	}
	agg := psapolicy.AggregateCheckResults(e.EvaluatePod(psaapi.LevelVersion{Level: level, Version: psaapi.LatestVersion()}, &pod.ObjectMeta, &pod.Spec))
	if agg.Allowed {
		return ""
	}
	return agg.ForbiddenDetail()
}

func kindOf(o map[string]any) string { s, _ := o["kind"].(string); return s }

func nameOf(o map[string]any) string { return object{obj: o}.name() }

// extraObjects adds kubernetes.objects after checking each has an
// apiVersion, a kind and a name, no namespace, decodes strictly, and is
// neither a generated object nor another extra one.
func (b *builder) extraObjects() error {
	taken := map[string]string{}
	groupKind := func(o object) string {
		gv, _ := schema.ParseGroupVersion(o.apiVersion())
		return gv.Group + "/" + o.kind() + "/" + o.name()
	}
	for _, o := range b.objs {
		taken[groupKind(o)] = "an object degen generates: patch it under kubernetes.patches instead"
	}
	for _, i := range model.SortedKeys(b.env.Kubernetes.Objects) {
		raw := b.env.Kubernetes.Objects[i]
		at := model.P("kubernetes", "objects", i)
		o := object{concern: extraConcern, obj: raw, from: at}
		md, _ := raw["metadata"].(map[string]any)
		switch {
		case o.apiVersion() == "" || o.kind() == "" || o.name() == "":
			return b.errorAt(at, "environment %s: %s needs apiVersion, kind and metadata.name (it has %q, %q, %q)", b.env.Name, at, o.apiVersion(), o.kind(), o.name())
		case len(validation.IsDNS1123Subdomain(o.name())) > 0:
			return b.errorAt(model.P("kubernetes", "objects", i, "metadata", "name"), "environment %s: %s name %q is not a Kubernetes object name: %s", b.env.Name, o.kind(), o.name(), strings.Join(validation.IsDNS1123Subdomain(o.name()), "; "))
		case md["namespace"] != nil:
			return b.errorAt(model.P("kubernetes", "objects", i, "metadata", "namespace"), "environment %s: %s/%s sets metadata.namespace: the overlay puts every object in the environment's namespace; remove it", b.env.Name, o.kind(), o.name())
		}
		typed, err := strictDecode(raw)
		if err != nil {
			return b.errorAt(at, "environment %s: %s/%s is not an object Kubernetes accepts: %v", b.env.Name, o.kind(), o.name(), err)
		}
		if reasons := b.podSecurityRefuses(typed); reasons != "" {
			return b.errorAt(at, "environment %s: the pods of %s/%s break Pod Security level %q, which namespace %s enforces (kubernetes.podSecurity): %s", b.env.Name, o.kind(), o.name(), b.env.Kubernetes.PodSecurity, b.env.Namespace, reasons)
		}
		if why, ok := taken[groupKind(o)]; ok {
			return b.errorAt(at, "environment %s: %s/%s is %s", b.env.Name, o.kind(), o.name(), why)
		}
		taken[groupKind(o)] = at + " already: give it another name"
		b.objs = append(b.objs, o)
	}
	return nil
}
