package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a problem found at a path of one environment's model, by the
// validator or a target. It names the path, not a file position: package
// load turns the path into the file:line:col of the line that decided the
// value, after the targets have finished (load.Locate), so targets never
// touch CUE.
type Error struct {
	// Env is the environment's name (BaseName for the base).
	Env string
	// Path is the path below the environment in CUE syntax, as P builds
	// it: services."graphql-api".replicas. Empty means the environment.
	Path string
	// Err is the problem; its text is the message.
	Err error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf is an Error at path of env; format and args are as for fmt.Errorf
// (%w wraps).
func Errorf(env *Environment, path string, format string, args ...any) *Error {
	return &Error{Env: env.Name, Path: path, Err: fmt.Errorf(format, args...)}
}

// P builds a path in CUE syntax from labels (string) and list indexes
// (int): P("services", "graphql-api", "ports", 0) is
// `services."graphql-api".ports[0]`. A label that is not an identifier is
// quoted.
func P(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if isIdent(p) {
				b.WriteString(p)
			} else {
				b.WriteString(strconv.Quote(p))
			}
		default:
			panic(fmt.Sprintf("model.P: %T is neither a label nor an index", p))
		}
	}
	return b.String()
}

// isIdent reports whether s can stand unquoted as a CUE field label.
func isIdent(s string) bool {
	if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "_") {
		return false
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '$'
		if !letter && !(i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
