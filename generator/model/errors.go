package model

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/diag"
)

// Error is a problem found at a path of one environment's model, by the
// validator or a target. It names the path, not a file position: package
// load turns the path into the file:line:col of the line that decided the
// value, after the targets have finished (load.Locate), so targets never
// touch CUE. It is a diag.Diagnostic in the making (Diagnostic).
type Error struct {
	// Env is the environment's name (BaseName for the base).
	Env string
	// Path is the path below the environment in CUE syntax, as P builds
	// it: services."graphql-api".replicas. Empty means the environment.
	Path string
	// Source is who found it: a target's name; empty is the model's
	// validator (SourceModel).
	Source string
	// Code names the kind of problem, a DNS label; empty is "invalid".
	Code string
	// Hint says what to do, when the message does not.
	Hint string
	// Err is the problem; its text is the message.
	Err error
}

// SourceModel is the diagnostic source of the model's own checks: the
// validator's errors and the notes.
const SourceModel = "model"

// Diagnostic is e as every problem is printed, without its position (the
// locator's).
func (e *Error) Diagnostic() diag.Diagnostic {
	d := diag.Diagnostic{Source: cmp.Or(e.Source, SourceModel), Code: cmp.Or(e.Code, "invalid"), Subject: subjectOf(e.Path),
		Path: e.Path, Severity: diag.Error, Message: e.Err.Error(), Hint: e.Hint}
	if e.Env != "" && e.Env != BaseName {
		d.Envs = []string{e.Env}
	}
	return d
}

// Diagnostic is the note as every problem is printed, in environment env.
func (n Note) Diagnostic(env string) diag.Diagnostic {
	return diag.Diagnostic{Envs: []string{env}, Source: SourceModel, Code: n.Code, Subject: n.Subject, Path: n.Path, Severity: diag.Warning, Message: n.Message}
}

// subjectOf is the service or component a path is under, or "".
func subjectOf(path string) string {
	for _, top := range []string{"services.", "components."} {
		if rest, ok := strings.CutPrefix(path, top); ok {
			if strings.HasPrefix(rest, `"`) {
				if i := strings.Index(rest[1:], `"`); i >= 0 {
					if s, err := strconv.Unquote(rest[:i+2]); err == nil {
						return s
					}
				}
				return ""
			}
			name, _, _ := strings.Cut(rest, ".")
			name, _, _ = strings.Cut(name, "[")
			return name
		}
	}
	return ""
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
