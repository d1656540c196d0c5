package target

import (
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// Line is the syntax node at one line of a generated file, as degen
// explain finds it by parsing the file with the library the target wrote
// it with (YAML, HCL, dotenv): the document it is in and the key path from
// the document's root to the node.
type Line struct {
	// File is the file's path relative to out/.
	File string
	// Number is the line, from 1.
	Number int
	// Object is KIND/NAME of the document holding the line when it has a
	// kind and a metadata.name (a Kubernetes object), else empty.
	Object string
	// Keys is the key path: map keys, "[n]" for a list index, or
	// "[name=x]" for a list element that is a map with a string name.
	Keys []string
	// Value is the scalar at the line, when the node is one.
	Value string
	// Doc is the decoded document holding the line (maps, lists,
	// scalars), for a target that reads a sibling of the node.
	Doc any
	// Files are the files the target wrote for the environment, by path
	// relative to out/, for a line that refers to another file.
	Files map[string][]byte
}

// Field is the key path as degen diff prints a field:
// spec.template.spec.containers[name=web].image.
func (l Line) Field() string { return JoinKeys(l.Keys) }

// JoinKeys joins a key path with dots, list selectors attached to their
// key: containers[name=web].image.
func JoinKeys(keys []string) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 && !strings.HasPrefix(k, "[") {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

// Attribution is what decides a line of a generated file: the model path
// of the field that decides it, or, for a line degen writes by its own
// defaults (a label every object carries, the default security context),
// the model entry the line is written for (the service, volume, network,
// alert group, flag), marked Default.
type Attribution struct {
	// Path is the model path below the environment, as model.P builds it.
	Path string
	// Default marks a line no field of Path decides: degen writes it for
	// the entry Path names, by its own rules.
	Default bool
}

// Field attributes a line to the model field at path.
func Field(path string) (Attribution, bool) { return Attribution{Path: path}, true }

// DefaultFor attributes a line to degen's default for the model entry at
// path.
func DefaultFor(path string) (Attribution, bool) {
	return Attribution{Path: path, Default: true}, true
}

// Origin is implemented by a target that can say which model field decided
// a line of a file it writes: degen explain out/FILE:LINE. Origin returns
// the most specific model field that decides the line, else the model entry
// the line is written for (DefaultFor), and false for a line no model entry
// is behind. It reads only env and l; it is derived from the same rules
// Generate follows, per kind of key, not per line.
type Origin interface {
	Target
	Origin(env *model.Environment, l Line) (Attribution, bool)
}

// Attribute is the Origin of a target that maps a line to a field
// (field) and, failing that, to the model entry it is written for
// (owner): the most specific answer first. Either may be nil.
func Attribute(env *model.Environment, l Line, field, owner func(*model.Environment, Line) (string, bool)) (Attribution, bool) {
	if field != nil {
		if p, ok := field(env, l); ok {
			return Field(p)
		}
	}
	if owner != nil {
		if p, ok := owner(env, l); ok {
			return DefaultFor(p)
		}
	}
	return Attribution{}, false
}
