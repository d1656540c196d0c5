package diff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

// secretKey matches keys whose values must never be shown. It errs on the
// side of hiding: a reference that happens to match is hidden too.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|credential|private|key$|key_|_key|apikey)`)

// LooksSecret reports whether a key or a variable name looks like it holds
// a secret value.
func LooksSecret(key string) bool { return secretKey.MatchString(key) }

// walker collects the changes of one object.
type walker struct {
	changes   []Change
	redactAll bool
	valueKey  func(string) string
}

// compareValues lists the changed fields of an object. name is the object's
// own name, which counts as a key for redaction.
func compareValues(redactAll bool, name string, old, new any, valueKey func(string) string) []Change {
	w := &walker{redactAll: redactAll, valueKey: valueKey}
	w.walk(nil, name != "" && LooksSecret(name), old, new)
	return w.changes
}

// walk compares old and new at path; secret is set once a key on the way
// looked secret.
func (w *walker) walk(path []string, secret bool, old, new any) {
	if reflect.DeepEqual(old, new) {
		return
	}
	if os, ok := old.(string); ok && w.valueKey != nil {
		if ns, ok := new.(string); ok && w.valueKey(os) == w.valueKey(ns) {
			return
		}
	}
	switch o := old.(type) {
	case map[string]any:
		if n, ok := new.(map[string]any); ok {
			w.walkMap(path, secret, o, n)
			return
		}
	case []any:
		if n, ok := new.([]any); ok {
			w.walkList(path, secret, o, n)
			return
		}
	}
	w.add(path, secret, old, new, false, false)
}

func (w *walker) walkMap(path []string, secret bool, old, new map[string]any) {
	w.walkKeyed(old, new, secret, func(k string) []string {
		return append(append([]string(nil), path...), keySegment(k))
	})
}

// walkKeyed compares two maps key by key, in key order; pathOf gives the
// field path of a key.
func (w *walker) walkKeyed(old, new map[string]any, secret bool, pathOf func(k string) []string) {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		p := pathOf(k)
		s := secret || LooksSecret(k)
		o, inOld := old[k]
		n, inNew := new[k]
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
func (w *walker) walkList(path []string, secret bool, old, new []any) {
	var on, nn map[string]any
	var key string
	// The keys that identify a list element, in order of preference: name
	// (containers, ports, env), path (JSON patch operations, kustomize
	// patches), job_name (scrape jobs) and id.
	for _, k := range [...]string{"name", "path", "job_name", "id"} {
		o, ok1 := indexBy(old, k)
		n, ok2 := indexBy(new, k)
		if ok1 && ok2 {
			on, nn, key = o, n, k
			break
		}
	}
	if key == "" {
		if allMaps(old) && allMaps(new) && len(old) == len(new) {
			for i := range old {
				w.walk(withIndex(path, fmt.Sprintf("[%d]", i)), secret, old[i], new[i])
			}
			return
		}
		w.add(path, secret, old, new, false, false)
		return
	}
	w.walkKeyed(on, nn, secret, func(k string) []string {
		return withIndex(path, "["+key+"="+k+"]")
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

func (w *walker) add(path []string, secret bool, old, new any, oldMissing, newMissing bool) {
	c := Change{Field: joinPath(path), OldMissing: oldMissing, NewMissing: newMissing}
	if os, ok := old.(string); ok && !secret && !w.redactAll {
		if ns, ok := new.(string); ok && strings.Contains(os, "\n") && strings.Contains(ns, "\n") {
			// A multi-line value (a config file in a ConfigMap, Flink
			// properties) shows only the lines that differ.
			gone, came := lineChanges(os, ns, w.valueKey)
			c.Field += " (lines)"
			c.Old, c.New = render(gone), render(came)
			w.changes = append(w.changes, c)
			return
		}
	}
	if !oldMissing {
		c.Old = w.render(secret, old)
	}
	if !newMissing {
		c.New = w.render(secret, new)
	}
	w.changes = append(w.changes, c)
}

func (w *walker) render(secret bool, v any) string {
	if secret || w.redactAll {
		return Redacted
	}
	return render(v)
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

// joinPath joins segments with dots, except before a bracketed key.
func joinPath(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// lineChanges returns the lines of old that new lacks and the lines of new
// that old lacks, each in order.
func lineChanges(old, new string, key func(string) string) (gone, came []string) {
	if key == nil {
		key = func(s string) string { return s }
	}
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[key(l)]++
		}
		return m
	}
	inOld, inNew := count(old), count(new)
	for _, l := range strings.Split(old, "\n") {
		if inNew[key(l)] > 0 {
			inNew[key(l)]--
			continue
		}
		gone = append(gone, l)
	}
	inNew = count(new)
	for _, l := range strings.Split(new, "\n") {
		if inOld[key(l)] > 0 {
			inOld[key(l)]--
			continue
		}
		came = append(came, l)
	}
	return gone, came
}
