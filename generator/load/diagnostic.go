package load

import (
	"regexp"
	"strings"

	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/model"
)

// SourceSchema is the diagnostic source of the CUE evaluation of the model
// against the schema.
const SourceSchema = "schema"

// validatorPrefix is how the validator's messages name their environment.
var validatorPrefix = regexp.MustCompile(`^environment ([a-z0-9][-a-z0-9]*): `)

// diagnostic is a folded CUE problem as a diagnostic: its environment and
// path out of the CUE path, its first position the user's line, the others
// also. A message of the validator ("environment prod: …") is the model's.
func (f *formatter) diagnostic(e entry) diag.Diagnostic {
	env, path := cuePath(e.path)
	msg := f.clean(e.msg)
	code := e.code
	if code == "" {
		code = schemaCode(msg)
	}
	d := diag.Diagnostic{Source: SourceSchema, Code: code, Path: path, Severity: diag.Error, Message: msg, Hint: f.clean(e.hint)}
	if len(e.path) == 0 {
		// No path: the model's files themselves (a syntax error, a
		// refused file) or the validator.
		d.Source = model.SourceModel
		if m := validatorPrefix.FindStringSubmatch(msg); m != nil {
			env, d.Code, d.Message = m[1], "invalid", strings.TrimPrefix(msg, m[0])
			if e.code != "" {
				d.Code = e.code
			}
		}
	}
	if env != "" {
		d.Envs = []string{env}
		d.Message = strings.TrimPrefix(d.Message, "environment "+env+": ")
	}
	seen := map[diag.Pos]bool{}
	for _, p := range e.positions {
		dp := toPos(p, f.root)
		if dp.IsZero() || seen[dp] {
			continue
		}
		seen[dp] = true
		if d.Pos.IsZero() {
			d.Pos = dp
		} else {
			d.Also = append(d.Also, dp)
		}
	}
	return d
}

// schemaCode names the kind of a CUE problem by its message.
func schemaCode(msg string) string {
	switch {
	case strings.Contains(msg, "out of bound"):
		return "out-of-bound"
	case strings.Contains(msg, "mismatched types"):
		return "mismatched-types"
	case strings.HasPrefix(msg, "conflicting values"):
		return "conflict"
	case strings.HasPrefix(msg, "incomplete value"):
		return "incomplete"
	case strings.Contains(msg, "field not allowed"):
		return "field-not-allowed"
	case strings.HasPrefix(msg, "invalid value") && strings.Contains(msg, "allowed are"):
		return "not-allowed-value"
	case strings.Contains(msg, "expected"), strings.Contains(msg, "missing ','"):
		return "syntax"
	}
	return "invalid"
}

// pathError is a problem of the loader's own at a CUE path, which it
// prints like CUE's: its path first.
type pathError struct {
	pos  token.Pos
	path []string
	msg  string
}

func (e *pathError) Position() token.Pos         { return e.pos }
func (e *pathError) InputPositions() []token.Pos { return nil }
func (e *pathError) Path() []string              { return e.path }
func (e *pathError) Msg() (string, []any)        { return "%s", []any{e.msg} }
func (e *pathError) Error() string               { return strings.Join(e.path, ".") + ": " + e.msg }
