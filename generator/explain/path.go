package explain

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
)

// ParsePath reads a field path of an environment. Labels are separated by
// dots and may be quoted as in CUE (services."api".replicas) or left
// bare even when CUE would need quotes (services.api.replicas); a
// list index is written [n] (services.kafka.ports[0]).
func ParsePath(s string) (cue.Path, error) {
	var sels []cue.Selector
	rest := strings.TrimSpace(s)
	if rest == "" {
		return cue.Path{}, fmt.Errorf("empty path: name a field, e.g. services.api.replicas")
	}
	for rest != "" {
		var label string
		switch {
		case rest[0] == '"':
			end := closingQuote(rest)
			if end < 0 {
				return cue.Path{}, fmt.Errorf("path %q: unterminated quote", s)
			}
			l, err := strconv.Unquote(rest[:end+1])
			if err != nil {
				return cue.Path{}, fmt.Errorf("path %q: %w", s, err)
			}
			label, rest = l, rest[end+1:]
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			label, rest = rest[:end], rest[end:]
			if label == "" || strings.ContainsAny(label, `]"`) {
				return cue.Path{}, fmt.Errorf("path %q: %q is not a label (quote labels with special characters)", s, label)
			}
		}
		sels = append(sels, cue.Str(label))
		for strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return cue.Path{}, fmt.Errorf("path %q: unterminated [", s)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return cue.Path{}, fmt.Errorf("path %q: %q is not a list index", s, rest[1:end])
			}
			sels = append(sels, cue.Index(n))
			rest = rest[end+1:]
		}
		if rest != "" {
			if rest[0] != '.' || len(rest) == 1 {
				return cue.Path{}, fmt.Errorf("path %q: expected . after %q", s, label)
			}
			rest = rest[1:]
		}
	}
	return cue.MakePath(sels...), nil
}

// closingQuote returns the index of the quote closing s[0], or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
