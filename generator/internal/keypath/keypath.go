// Package keypath matches the key paths of generated files (target.Line)
// for the targets' Origin methods: spec.template.spec.containers[name=web].image
// as the keys spec, template, spec, containers, [name=web], image.
package keypath

import (
	"strconv"
	"strings"
)

// Match reports whether keys starts with pattern, where "*" matches any
// one key. It returns the keys the stars matched and the keys after the
// pattern.
func Match(keys []string, pattern ...string) (stars, rest []string, ok bool) {
	if len(keys) < len(pattern) {
		return nil, nil, false
	}
	for i, p := range pattern {
		switch {
		case p == "*":
			stars = append(stars, keys[i])
		case p != keys[i]:
			return nil, nil, false
		}
	}
	return stars, keys[len(pattern):], true
}

// Name is x of a list element key [name=x].
func Name(key string) (string, bool) {
	s, ok := strings.CutPrefix(key, "[name=")
	if !ok || !strings.HasSuffix(s, "]") {
		return "", false
	}
	return strings.TrimSuffix(s, "]"), true
}

// Index is n of a list element key [n].
func Index(key string) (int, bool) {
	if !strings.HasPrefix(key, "[") || !strings.HasSuffix(key, "]") {
		return 0, false
	}
	n, err := strconv.Atoi(key[1 : len(key)-1])
	return n, err == nil && n >= 0
}

// Parts turns keys into the parts of a model path (model.P): a list index
// [n] is the int n, a key is itself; [name=x] is kept as x.
func Parts(keys []string) []any {
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		if n, ok := Index(k); ok {
			out = append(out, n)
		} else if name, ok := Name(k); ok {
			out = append(out, name)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// Camel turns a snake_case or kebab-case key into the camelCase of the
// model's field names: stop_grace_period is stopGracePeriod.
func Camel(key string) string {
	parts := strings.FieldsFunc(key, func(r rune) bool { return r == '_' || r == '-' })
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}
