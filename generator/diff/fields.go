package diff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
)

// The diff hides what the leak check of degen build denies, and nothing
// else: a value that looks like a secret whatever its key
// (policy.LooksSecret), a plain value under a key that says it holds a
// secret (policy.PlainSecret: DB_PASSWORD=hunter2, but not
// DB_PASSWORD=${DB_PASSWORD}, nor OAUTH_TOKEN_URL=https://…), and every
// value of a Kubernetes Secret. A value is governed by its own key: the
// map key above it, the name of the list element it is the value of
// (env[name=DB_PASSWORD].value), or the variable it is (.env, tfvars).

// childKey is the key that governs the value under the map key k of a
// value governed by key ("" for none): k when it says it holds a secret,
// key for a "value" field (the value of env[name=DB_PASSWORD]), else none.
func childKey(key, k string) string {
	switch {
	case policy.SecretNamed(k):
		return k
	case k == "value":
		return key
	}
	return ""
}

// elementKey is the key that governs an element of a list governed by
// key: an object's own name when it says it holds a secret
// ({name: DB_PASSWORD, value: …}), none for another object, key for a
// scalar.
func elementKey(key string, e any) string {
	m, ok := e.(map[string]any)
	if !ok {
		return key
	}
	if n, ok := m["name"].(string); ok && policy.SecretNamed(n) {
		return n
	}
	return ""
}

// nameKey is the key that governs an object named name (an .env or tfvars
// variable): its name when it says it holds a secret.
func nameKey(name string) string {
	if policy.SecretNamed(name) {
		return name
	}
	return ""
}

// walker collects the changes of one object.
type walker struct {
	changes   []Change
	redactAll bool
	// oldKey and newKey map the strings of each side to the key they are
	// compared by (see Options.OldValueKey); nil keeps them as they are.
	oldKey, newKey func(string) string
}

// compareValues lists the changed fields of an object. name is the object's
// own name, which governs its value as a key does for redaction.
func compareValues(redactAll bool, name string, old, new any, oldKey, newKey func(string) string) []Change {
	w := &walker{redactAll: redactAll, oldKey: oldKey, newKey: newKey}
	w.walk(nil, nameKey(name), old, new)
	return w.changes
}

func keyOr(f func(string) string) func(string) string {
	if f == nil {
		return func(s string) string { return s }
	}
	return f
}

// same reports whether old and new are equal once every string of each,
// however deep, is mapped to its side's key (or is equal as it is).
func (w *walker) same(old, new any) bool {
	if w.oldKey == nil && w.newKey == nil {
		return reflect.DeepEqual(old, new)
	}
	switch o := old.(type) {
	case string:
		// A string equal on both sides is the same even where the keys
		// differ: "letsencrypt-prod" in staging and in prod is no change,
		// though prod's key of it is "letsencrypt-{env}".
		n, ok := new.(string)
		return ok && (o == n || keyOr(w.oldKey)(o) == keyOr(w.newKey)(n))
	case map[string]any:
		n, ok := new.(map[string]any)
		if !ok || len(n) != len(o) {
			return false
		}
		for k, ov := range o {
			nv, ok := n[k]
			if !ok || !w.same(ov, nv) {
				return false
			}
		}
		return true
	case []any:
		n, ok := new.([]any)
		if !ok || len(n) != len(o) {
			return false
		}
		for i := range o {
			if !w.same(o[i], n[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(old, new)
}

// walk compares old and new at path; key governs them (see childKey).
func (w *walker) walk(path []string, key string, old, new any) {
	if w.same(old, new) {
		return
	}
	switch o := old.(type) {
	case map[string]any:
		if n, ok := new.(map[string]any); ok {
			w.walkMap(path, key, o, n)
			return
		}
	case []any:
		if n, ok := new.([]any); ok {
			w.walkList(path, key, o, n)
			return
		}
	}
	w.add(path, key, old, new, false, false)
}

func (w *walker) walkMap(path []string, key string, old, new map[string]any) {
	w.walkKeyed(old, new, func(k string, _ any) string { return childKey(key, k) }, func(k string) []string {
		return append(append([]string(nil), path...), keySegment(k))
	})
}

// walkKeyed compares two maps key by key, in key order; keyOf gives the key
// that governs the value of a key (see childKey), pathOf its field path.
func (w *walker) walkKeyed(old, new map[string]any, keyOf func(k string, v any) string, pathOf func(k string) []string) {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		p := pathOf(k)
		o, inOld := old[k]
		n, inNew := new[k]
		v := n
		if !inNew {
			v = o
		}
		s := keyOf(k, v)
		switch {
		case !inOld:
			w.add(p, s, nil, n, true, false)
		case !inNew:
			w.add(p, s, o, nil, false, true)
		default:
			w.walk(p, s, o, n)
		}
	}
}

// walkList matches list elements by the first identity key that every
// element of both lists has, distinct, else compares lists of objects of one
// length by index and any other lists whole: a list of scalars reads best as
// one old → new change.
func (w *walker) walkList(path []string, key string, old, new []any) {
	var on, nn map[string]any
	var id string
	// The keys that identify a list element, in order of preference: name
	// (containers, ports, env), path (JSON patch operations, kustomize
	// patches), job_name (scrape jobs) and id.
	for _, k := range [...]string{"name", "path", "job_name", "id"} {
		o, ok1 := indexBy(old, k)
		n, ok2 := indexBy(new, k)
		if ok1 && ok2 {
			on, nn, id = o, n, k
			break
		}
	}
	if id == "" {
		if allMaps(old) && allMaps(new) && len(old) == len(new) {
			for i := range old {
				w.walk(withIndex(path, fmt.Sprintf("[%d]", i)), elementKey(key, new[i]), old[i], new[i])
			}
			return
		}
		w.add(path, key, old, new, false, false)
		return
	}
	w.walkKeyed(on, nn, func(_ string, v any) string { return elementKey(key, v) }, func(k string) []string {
		return withIndex(path, "["+id+"="+k+"]")
	})
}

func withIndex(path []string, idx string) []string {
	p := append([]string(nil), path...)
	if len(p) == 0 {
		return []string{idx}
	}
	p[len(p)-1] += idx
	return p
}

// indexBy indexes list elements by their string value of key; ok is false
// when an element has none or shares one.
func indexBy(list []any, key string) (map[string]any, bool) {
	out := map[string]any{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		id, ok := m[key].(string)
		if !ok {
			return nil, false
		}
		if _, dup := out[id]; dup {
			return nil, false
		}
		out[id] = e
	}
	return out, true
}

func allMaps(list []any) bool {
	for _, e := range list {
		if !isMap(e) {
			return false
		}
	}
	return true
}

func (w *walker) add(path []string, key string, old, new any, oldMissing, newMissing bool) {
	c := Change{Field: joinPath(path), OldMissing: oldMissing, NewMissing: newMissing}
	if !oldMissing {
		c.Old = w.render(key, old)
	}
	if !newMissing {
		c.New = w.render(key, new)
	}
	if os, ok := old.(string); ok && !w.redactAll && !policy.PlainSecret(key, os) {
		if ns, ok := new.(string); ok && !policy.PlainSecret(key, ns) && (strings.Contains(os, "\n") || strings.Contains(ns, "\n")) {
			// A multi-line value (a config file in a ConfigMap, Flink
			// properties) shows as a unified diff of its lines.
			c.Diff = unifiedLines(os, ns, w.oldKey, w.newKey)
		}
	}
	w.changes = append(w.changes, c)
}

func (w *walker) render(key string, v any) string {
	switch x := v.(type) {
	case string:
		if policy.PlainSecret(key, x) {
			return Redacted
		}
	case float64, bool, int64:
		if policy.PlainSecret(key, render(x)) {
			return Redacted
		}
	}
	if w.redactAll {
		return Redacted
	}
	return render(mask(key, v))
}

// mask returns v, governed by key, with every value the leak check denies
// replaced by Redacted: a string that looks like a secret whatever its key
// (policy.LooksSecret), and a plain scalar under a key that says it holds a
// secret (policy.PlainSecret).
func mask(key string, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if policy.LooksSecret(x) || policy.PlainSecret(key, x) {
			return Redacted
		}
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = mask(childKey(key, k), e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = mask(elementKey(key, e), e)
		}
		return l
	default:
		if policy.PlainSecret(key, render(x)) {
			return Redacted
		}
	}
	return v
}

// contextLines is the number of unchanged lines a unified diff shows
// around each change.
const contextLines = 3

// unifiedLines renders the lines of old and new as a unified diff with
// contextLines of context (hunks only, no file header). Lines are matched
// by their side's key (go-difflib's sequence matcher), so a line that
// differs only by the environment's name is no change; the lines shown
// are the real ones, the unchanged ones as new has them. A line that looks
// secret is shown as Redacted.
func unifiedLines(old, new string, oldKey, newKey func(string) string) string {
	a, b := splitLines(old), splitLines(new)
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, l := range a {
		ka[i] = keyOr(oldKey)(l)
	}
	for i, l := range b {
		kb[i] = keyOr(newKey)(l)
	}
	show := func(l string) string {
		if policy.LooksSecret(l) {
			return Redacted
		}
		return l
	}
	var out strings.Builder
	for _, group := range difflib.NewMatcher(ka, kb).GetGroupedOpCodes(contextLines) {
		first, last := group[0], group[len(group)-1]
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(first.I1, last.I2), hunkRange(first.J1, last.J2))
		for _, op := range group {
			switch op.Tag {
			case 'e':
				for _, l := range b[op.J1:op.J2] {
					out.WriteString(" " + show(l) + "\n")
				}
			default:
				for _, l := range a[op.I1:op.I2] {
					out.WriteString("-" + show(l) + "\n")
				}
				for _, l := range b[op.J1:op.J2] {
					out.WriteString("+" + show(l) + "\n")
				}
			}
		}
	}
	return out.String()
}

// Unified is the unified diff of the lines of old and new (hunks with
// contextLines of context, no file header; a line that looks secret
// redacted), empty when they are equal: how degen promote shows its edit
// of a CUE file.
func Unified(old, new string) string { return unifiedLines(old, new, nil, nil) }

// hunkRange is a hunk's line range as diff -u prints it: start,length,
// the start one-based, or the line before an empty range.
func hunkRange(from, to int) string {
	n := to - from
	start := from + 1
	if n == 0 {
		start = from
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// splitLines splits a text into lines; a final newline ends the last line
// rather than starting an empty one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// render prints a value as compact JSON, which keeps multi-line strings on
// one line.
func render(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// plainKey is a key that reads unambiguously in a dotted path.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_ /:-]+$`)

// keySegment renders a map key as a path segment: plain when it reads
// unambiguously, else quoted in brackets (metadata.labels["app.kubernetes.io/name"]).
func keySegment(k string) string {
	if plainKey.MatchString(k) {
		return k
	}
	q, _ := json.Marshal(k)
	return "[" + string(q) + "]"
}

// joinPath joins segments with dots, except before a bracketed key, as
// degen explain prints a line of out/ (target.JoinKeys).
func joinPath(path []string) string { return target.JoinKeys(path) }
