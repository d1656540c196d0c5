// Package diff compares two sets of generated files object by object, not
// line by line. Each file is split into objects by its format (Kubernetes
// objects, Compose services, Prometheus scrape jobs, tfvars variables, .env
// variables, JSON keys), objects are matched by identity, and matched objects
// are compared field by field. It knows nothing about targets: it works from
// file names and contents only, so it can compare out/ with a fresh build,
// two git revisions or two environments.
package diff

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Status says what happened to an object.
type Status string

// The statuses of an object.
const (
	Added   Status = "added"
	Removed Status = "removed"
	Changed Status = "changed"
)

// Redacted replaces every value the leak check denies and every value of a
// Kubernetes Secret (see mask).
const Redacted = "(redacted)"

// Change is one field of a changed object. Old and New are the values
// rendered as compact JSON texts (or Redacted); a missing side is marked by
// OldMissing or NewMissing. In the JSON report they are JSON values.
type Change struct {
	// Field is a path into the object such as
	// spec.template.spec.containers[name=graphql-api].resources.limits.memory;
	// empty for an object that is a single value.
	Field      string `json:"field"`
	Old        string `json:"old,omitempty"`
	New        string `json:"new,omitempty"`
	OldMissing bool   `json:"oldMissing,omitempty"`
	NewMissing bool   `json:"newMissing,omitempty"`
	// Diff is a unified diff (hunks with 3 lines of context) of the lines
	// of a string value that spans lines on either side.
	Diff string `json:"diff,omitempty"`
}

// MarshalJSON writes Old and New as JSON values rather than as JSON texts
// inside strings: "2Gi", 3, ["a","b"]; a redacted value is the string
// "(redacted)".
func (c Change) MarshalJSON() ([]byte, error) {
	type plain Change
	return json.Marshal(struct {
		plain
		Old json.RawMessage `json:"old,omitempty"`
		New json.RawMessage `json:"new,omitempty"`
	}{plain(c), jsonValue(c.Old, c.OldMissing), jsonValue(c.New, c.NewMissing)})
}

// UnmarshalJSON reads what MarshalJSON writes: Old and New become JSON
// texts again, the string "(redacted)" Redacted.
func (c *Change) UnmarshalJSON(data []byte) error {
	type plain Change
	var aux struct {
		plain
		Old json.RawMessage `json:"old"`
		New json.RawMessage `json:"new"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*c = Change(aux.plain)
	var err error
	if c.Old, err = fromJSON(aux.Old); err != nil {
		return err
	}
	c.New, err = fromJSON(aux.New)
	return err
}

func fromJSON(raw json.RawMessage) (string, error) {
	if raw == nil {
		return "", nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	if v == Redacted {
		return Redacted, nil
	}
	return render(v), nil
}

// jsonValue is a rendered value as raw JSON; nil for a missing side.
func jsonValue(v string, missing bool) json.RawMessage {
	if missing {
		return nil
	}
	if v == Redacted || !json.Valid([]byte(v)) {
		q, _ := json.Marshal(v)
		return q
	}
	return json.RawMessage(v)
}

// Object is one added, removed or changed object.
type Object struct {
	// Target is the first segment of the file's path (compose, kubernetes…).
	Target string `json:"target"`
	// File is the file's path relative to out/ (the new side's when the
	// sides name it differently).
	File string `json:"file"`
	// ID names the object inside its file, e.g. "apps/v1 Deployment
	// shop-prod/api", "service queue", "variable LOG_LEVEL".
	ID      string   `json:"id"`
	Status  Status   `json:"status"`
	Changes []Change `json:"changes,omitempty"`
	// Content is the whole object of an added or removed one, with secret
	// values redacted.
	Content any `json:"content,omitempty"`
	// Envs are the environments whose files hold the object (from
	// Options.Owners), sorted; empty when unknown.
	Envs []string `json:"envs,omitempty"`
}

// Report is the result of a comparison, sorted by target, file and object.
type Report struct {
	Objects []Object `json:"objects"`
	Added   int      `json:"added"`
	Removed int      `json:"removed"`
	Changed int      `json:"changed"`
	// Impact is what applying the new side does to what runs, object by
	// object (see Impact); the renderers group it by environment.
	Impact []Impact `json:"impact,omitempty"`
	// ModelOnly are the environments whose model changed while none of
	// their generated files did, with the model's changes (filled by the
	// caller, which has the models: see package review).
	ModelOnly []ModelChanges `json:"modelOnly,omitempty"`
	// Graphs are the pictures of the stacks of the environments the
	// change touches, for Markdown (filled by the caller, which has the
	// models: see package review).
	Graphs []EnvGraph `json:"-"`
	// Envs are the environments of the comparison (Options.Envs), in the
	// order reports list them; Markdown merges a change that several of
	// them share.
	Envs []Env `json:"-"`
}

// Unchanged returns the environments of the comparison (Report.Envs) that
// no added, removed or changed object belongs to.
func (r *Report) Unchanged() []string {
	touched := map[string]bool{}
	for _, o := range r.Objects {
		for _, e := range o.Envs {
			touched[e] = true
		}
	}
	var out []string
	for _, e := range r.Envs {
		if !touched[e.Name] {
			out = append(out, e.Name)
		}
	}
	return out
}

// Empty reports whether the two sides are the same.
func (r *Report) Empty() bool { return len(r.Objects) == 0 }

// Summary is the one-line count of the report.
func (r *Report) Summary() string {
	return fmt.Sprintf("%d added, %d removed, %d changed objects", r.Added, r.Removed, r.Changed)
}

// Targets returns the targets the report touches, sorted.
func (r *Report) Targets() []string {
	var ts []string
	for i, o := range r.Objects {
		if i == 0 || o.Target != r.Objects[i-1].Target {
			ts = append(ts, o.Target)
		}
	}
	return ts
}

// Options tune a comparison.
type Options struct {
	// OldName and NewName name the two sides in errors ("out/", "the build").
	OldName, NewName string
	// PathKey maps a path to the key files are matched by; nil matches
	// equal paths. EnvPathKey compares two environments.
	PathKey func(path string) string
	// IgnoreNamespace matches Kubernetes objects without their namespace,
	// for comparing two environments that live in different namespaces.
	IgnoreNamespace bool
	// IDKey maps an object's ID to the key objects are matched by; nil
	// matches equal IDs. EnvIDKey compares two environments.
	IDKey func(id string) string
	// OldValueKey and NewValueKey map every string of the old and of the
	// new side, however deep, to the key it is compared by; nil compares
	// strings as they are. Env.ValueKey of the two environments compared
	// makes their names and namespaces equal, so that a promotion does not
	// list every namespace and host name that differs only by the
	// environment.
	OldValueKey, NewValueKey func(string) string
	// Owners returns the environments that generated a file (either side);
	// nil leaves Object.Envs empty. A kustomize build is owned as its
	// overlay's kustomization.yaml.
	Owners func(path string) []string
	// Envs are the environments compared, passed on to Report.Envs.
	Envs []Env
	// Ignore leaves objects and fields out of the report (see Ignore).
	Ignore []Ignore
	// Raw compares Kubernetes files as written (base, patches) instead of
	// the kustomize build of each overlay.
	Raw bool
}

// Compare compares the old and the new file sets (path relative to out/ →
// content). A file that does not parse in its format is an error naming the
// side and the path.
func Compare(old, new map[string][]byte, opts Options) (*Report, error) {
	if opts.OldName == "" {
		opts.OldName = "old"
	}
	if opts.NewName == "" {
		opts.NewName = "new"
	}
	if !opts.Raw {
		var err error
		if old, err = kustomizeView(old); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.OldName, err)
		}
		if new, err = kustomizeView(new); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.NewName, err)
		}
	}
	key := opts.PathKey
	if key == nil {
		key = func(p string) string { return p }
	}
	oldByKey, err := byKey(old, key)
	if err != nil {
		return nil, err
	}
	newByKey, err := byKey(new, key)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for k := range oldByKey {
		keys[k] = true
	}
	for k := range newByKey {
		keys[k] = true
	}
	rep := &Report{Envs: opts.Envs}
	for _, k := range sortedKeys(keys) {
		op, np := oldByKey[k], newByKey[k]
		var oldObjs, newObjs []object
		if op != "" {
			if oldObjs, err = parseFile(op, old[op], opts); err != nil {
				return nil, fmt.Errorf("parsing %s%s: %w", prefix(opts.OldName), op, err)
			}
		}
		if np != "" {
			if newObjs, err = parseFile(np, new[np], opts); err != nil {
				return nil, fmt.Errorf("parsing %s%s: %w", prefix(opts.NewName), np, err)
			}
		}
		file := np
		if file == "" {
			file = op
		}
		objs, sides := compareObjects(file, oldObjs, newObjs, opts)
		if opts.Owners != nil {
			owned := file
			if path.Base(file) == BuiltName {
				owned = path.Join(path.Dir(file), "kustomization.yaml")
			}
			for i := range objs {
				objs[i].Envs = opts.Owners(owned)
			}
		}
		objs = applyIgnore(objs, opts.Ignore)
		rep.Objects = append(rep.Objects, objs...)
		for _, o := range objs {
			rep.Impact = append(rep.Impact, impactsOf(o, sides[o.ID], opts)...)
		}
	}
	sortImpact(rep.Impact)
	slices.SortStableFunc(rep.Objects, func(a, b Object) int {
		return cmp.Or(strings.Compare(a.Target, b.Target), strings.Compare(a.File, b.File), strings.Compare(a.ID, b.ID))
	})
	for _, o := range rep.Objects {
		switch o.Status {
		case Added:
			rep.Added++
		case Removed:
			rep.Removed++
		case Changed:
			rep.Changed++
		}
	}
	return rep, nil
}

func prefix(side string) string {
	if strings.HasSuffix(side, "/") {
		return side
	}
	return side + ": "
}

// byKey indexes paths by their match key; two paths with one key are an
// error because the comparison would be ambiguous.
func byKey(files map[string][]byte, key func(string) string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range sortedKeys(files) {
		k := key(p)
		if prev, ok := out[k]; ok {
			return nil, fmt.Errorf("%s and %s are matched to the same file %s: compare them separately", prev, p, k)
		}
		out[k] = p
	}
	return out, nil
}

// sides are the old and new values of an object (nil for a missing side).
type sides struct{ old, new any }

// compareObjects matches the objects of one file by ID (by key(ID) when key
// is set); a matched object is shown with its new ID. It also returns the
// two sides of each object it lists, by ID.
func compareObjects(file string, old, new []object, opts Options) ([]Object, map[string]sides) {
	values := map[string]sides{}
	key := opts.IDKey
	target := file
	if i := strings.IndexByte(file, '/'); i >= 0 {
		target = file[:i]
	}
	if key == nil {
		key = func(id string) string { return id }
	}
	oldByID := map[string]object{}
	for _, o := range old {
		oldByID[key(o.id)] = o
	}
	newByID := map[string]object{}
	for _, o := range new {
		newByID[key(o.id)] = o
	}
	var out []Object
	for _, o := range new {
		prev, ok := oldByID[key(o.id)]
		if !ok {
			out = append(out, Object{Target: target, File: file, ID: o.id, Status: Added, Content: o.content()})
			values[o.id] = sides{new: o.value}
			continue
		}
		changes := compareValues(prev.redactAll || o.redactAll, o.name, prev.value, o.value, opts.OldValueKey, opts.NewValueKey)
		if len(changes) > 0 {
			out = append(out, Object{Target: target, File: file, ID: o.id, Status: Changed, Changes: changes})
			values[o.id] = sides{old: prev.value, new: o.value}
		}
	}
	for _, o := range old {
		if _, ok := newByID[key(o.id)]; !ok {
			out = append(out, Object{Target: target, File: file, ID: o.id, Status: Removed, Content: o.content()})
			values[o.id] = sides{old: o.value}
		}
	}
	return out, values
}

// sortedKeys are m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// content is the object's value as an added or removed object shows it:
// what the leak check denies redacted (see mask), and for a Kubernetes
// Secret every value but its apiVersion, kind, metadata and type.
func (o object) content() any {
	m, ok := o.value.(map[string]any)
	if !o.redactAll || !ok {
		return mask(nameKey(o.name), o.value)
	}
	out := map[string]any{}
	for k, v := range m {
		switch k {
		case "apiVersion", "kind", "metadata", "type":
			out[k] = mask(childKey("", k), v)
		default:
			out[k] = redactLeaves(v)
		}
	}
	return out
}

// redactLeaves replaces every scalar of v by Redacted, keeping its keys.
func redactLeaves(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = redactLeaves(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = redactLeaves(e)
		}
		return l
	}
	return Redacted
}
