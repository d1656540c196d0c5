// Package explain says why a field of a resolved environment has its value:
// it lists every CUE conjunct that contributed to the field, with its source
// position and line, classified as the environment's delta, the base model
// or the schema, and as setting, defaulting or constraining the value.
package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/suggest"
	"github.com/degen-dev/degen/generator/textesc"
)

// How a conjunct contributes to a value.
const (
	Sets       = "sets"       // a concrete value
	Default    = "default"    // a disjunction with a marked default
	Constrains = "constrains" // a type or a bound
)

// Source is one conjunct that contributed to a value.
type Source struct {
	// Pos is the position relative to the model root: ./envs/prod.cue:49:4.
	Pos string `json:"pos"`
	// Layer is "environment <name>", "base model", "schema" or the file.
	Layer string `json:"layer"`
	// Role is Sets, Default or Constrains.
	Role string `json:"role"`
	// Line is the source line, trimmed.
	Line string `json:"line"`
	// Via explains the field this source refers to, when it is a reference
	// (replicas: P.flinkTaskManagers): where the value really comes from.
	Via *Explanation `json:"via,omitempty"`
}

// Explanation is the value of a field and where it came from.
type Explanation struct {
	Env  string `json:"env"`
	Path string `json:"path"`
	// Value is the value as JSON text ("2Gi" with its quotes), or the CUE
	// expression of a value that is not concrete; in JSON it is a JSON
	// value (see MarshalJSON).
	Value   string   `json:"value"`
	Sources []Source `json:"sources"`
	// DecidedBy is the position of the source that decided the value: the
	// first that sets it (the environment's delta comes first), else the
	// default; empty when only constraints apply.
	DecidedBy string `json:"decidedBy,omitempty"`
}

// Explain explains the field at path (see ParsePath) of environment env of
// m. An unknown environment is a *load.UnknownEnvError; a path that does not
// exist is a CUE error at the deepest value that does, listing its fields.
func Explain(m *model.Model, env, path string) (*Explanation, error) {
	e, ok := m.Envs[env]
	if !ok {
		return nil, &load.UnknownEnvError{Name: env, Known: m.EnvNames()}
	}
	return explainIn(m, e, path)
}

// explainIn explains the field at path of e, an environment of m or its
// base model.
func explainIn(m *model.Model, e *model.Environment, path string) (*Explanation, error) {
	env := e.Name
	p, err := ParsePath(path)
	if err != nil {
		return nil, err
	}
	ev, unlock, ok := load.EnvValue(e)
	defer unlock()
	if !ok {
		return nil, fmt.Errorf("environment %s was not loaded by load.Load", env)
	}
	v := lookup(ev, p)
	if !v.Exists() {
		return nil, notFound(e, ev, p)
	}
	x := explainValue(m, e, v, 0)
	x.Path = p.String()
	return x, nil
}

// lookup is the value at p, looking into the default of a value with one
// on the way (an element of syncOptions: *["A=b"] | [...string]).
func lookup(v cue.Value, p cue.Path) cue.Value {
	if at := v.LookupPath(p); at.Exists() {
		return at
	}
	for _, sel := range p.Selectors() {
		next := v.LookupPath(cue.MakePath(sel))
		if !next.Exists() {
			if d, ok := v.Default(); ok {
				next = d.LookupPath(cue.MakePath(sel))
			}
		}
		if !next.Exists() {
			return next
		}
		v = next
	}
	return v
}

// explainValue collects the sources of v; a source that refers to another
// field (replicas: P.flinkTaskManagers) is followed, up to a few steps, and
// the referenced field's own explanation is attached as Via.
func explainValue(m *model.Model, e *model.Environment, v cue.Value, depth int) *Explanation {
	env := e.Name
	x := &Explanation{Env: env, Path: v.Path().String(), Value: render(v)}
	seen := map[string]bool{}
	for _, c := range conjuncts(v) {
		pos := c.Pos()
		if !pos.IsValid() {
			continue
		}
		s := Source{Pos: relPos(pos, m.Root), Layer: layer(pos, m.Root, env), Role: role(c), Line: load.SourceLine(e, pos)}
		if seen[s.Pos] {
			continue
		}
		seen[s.Pos] = true
		if ref, ok := reference(c); ok && depth < 4 {
			s.Via = explainValue(m, e, ref, depth+1)
			s.Via.Path = exprText(c)
			if s.Role == Sets && s.Via.DecidedBy != "" {
				s.Role = "refers"
			}
		}
		x.Sources = append(x.Sources, s)
	}
	x.DecidedBy = decider(x.Sources)
	return x
}

// exprText is the expression a field conjunct is written as
// (P.flinkTaskManagers), for naming a reference.
func exprText(c cue.Value) string {
	f, ok := c.Source().(*ast.Field)
	if !ok {
		return c.Path().String()
	}
	b, err := format.Node(f.Value)
	if err != nil {
		return c.Path().String()
	}
	return string(b)
}

// reference returns the field a conjunct selects (P.flinkTaskManagers, a
// let-bound struct and a label), when it is such a selection.
func reference(c cue.Value) (cue.Value, bool) {
	op, args := c.Expr()
	if op != cue.SelectorOp || len(args) != 2 {
		return cue.Value{}, false
	}
	label, err := args[1].String()
	if err != nil {
		return cue.Value{}, false
	}
	ref := args[0].LookupPath(cue.MakePath(cue.Str(label)))
	return ref, ref.Exists()
}

func decider(sources []Source) string {
	for _, role := range []string{Sets, "refers", Default} {
		for _, s := range sources {
			if s.Role == role {
				return s.Pos
			}
		}
	}
	return ""
}

// conjuncts returns the values v is the unification of; v itself when it
// has a single one.
func conjuncts(v cue.Value) []cue.Value {
	op, args := v.Expr()
	if op == cue.AndOp {
		return args
	}
	return []cue.Value{v}
}

func role(c cue.Value) string {
	if hasDefault(c.Source()) {
		return Default
	}
	if c.IsConcrete() && c.Validate(cue.Concrete(true)) == nil {
		return Sets
	}
	return Constrains
}

// hasDefault reports whether a field's value marks a default (*x | y). The
// syntax is read because a disjunction with a non-concrete member (*1 | int)
// does not report its default through cue.Value.Default.
func hasDefault(n ast.Node) bool {
	f, ok := n.(*ast.Field)
	if !ok {
		return false
	}
	found := false
	ast.Walk(f.Value, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.UnaryExpr:
			if x.Op == token.MUL {
				found = true
			}
		case *ast.StructLit, *ast.ListLit:
			return false // defaults of nested fields are theirs
		}
		return !found
	}, nil)
	return found
}

func render(v cue.Value) string {
	if v.Validate(cue.Concrete(true)) == nil {
		if data, err := json.Marshal(v); err == nil {
			return string(data)
		}
	}
	return fmt.Sprint(v)
}

func layer(pos token.Pos, root, env string) string {
	if load.InSchema(pos) {
		return "schema"
	}
	rel := strings.TrimPrefix(relPos(pos, root), "./")
	switch {
	case strings.HasPrefix(rel, "envs/"+env+".cue:"):
		return "environment " + env
	case strings.HasPrefix(rel, "envs/"):
		return "base model"
	}
	return "other"
}

// relPos prints a position as ./file:line:col relative to root.
func relPos(p token.Pos, root string) string { return load.RelPos(p, root) }

// notFound names the deepest existing value on the way to p and its fields.
// Its position is the locator's line for that value (load.Line).
func notFound(e *model.Environment, env cue.Value, p cue.Path) error {
	name := e.Name
	sels := p.Selectors()
	v := env
	var i int
	for i = 0; i < len(sels); i++ {
		next := v.LookupPath(cue.MakePath(sels[i]))
		if !next.Exists() {
			break
		}
		v = next
	}
	var fields, labels []string
	if it, err := v.Fields(); err == nil {
		for it.Next() {
			fields = append(fields, it.Selector().String())
			labels = append(labels, it.Selector().Unquoted())
		}
	}
	at := "the environment"
	if i > 0 {
		at = cue.MakePath(sels[:i]...).String()
	}
	hint := "it is not a struct"
	if len(fields) > 0 {
		hint = "it has " + strings.Join(fields, ", ")
	}
	// The suggestion comes first: a long list of fields is shortened.
	if want, ok := label(sels[i]); ok {
		if idx := suggest.Closest(want, labels); len(idx) > 0 {
			var near []string
			for _, i := range idx {
				near = append(near, fields[i])
			}
			hint = "did you mean " + strings.Join(near, " or ") + "? " + hint
		}
	}
	return cueerrors.Newf(load.Line(e, v.Path().String()), "environment %s has no field %s in %s: %s (paths look like services.api.replicas)", name, sels[i].String(), at, hint)
}

// label is the unquoted label a selector names; false for an index.
func label(s cue.Selector) (string, bool) {
	if s.Type() != cue.StringLabel {
		return "", false
	}
	return s.Unquoted(), true
}

// MarshalJSON writes value as the JSON value it is ("2Gi", 3, true) rather
// than as JSON text inside a string; a value that is not concrete (a type
// or a bound) is the string of its CUE expression.
func (x *Explanation) MarshalJSON() ([]byte, error) {
	value := json.RawMessage(x.Value)
	if !json.Valid(value) {
		value, _ = json.Marshal(x.Value)
	}
	return json.Marshal(struct {
		Env       string          `json:"env"`
		Path      string          `json:"path"`
		Value     json.RawMessage `json:"value"`
		Sources   []Source        `json:"sources"`
		DecidedBy string          `json:"decidedBy,omitempty"`
	}{x.Env, x.Path, value, x.Sources, x.DecidedBy})
}

// WriteText prints the explanation: the value, then two lines per source,
// its position, role and layer, then its source line. A star marks the
// source that decided the value. Every text is escaped (textesc): the
// model's names, values and source lines reach the terminal as one line
// each, with no raw control or bidi character.
func (x *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.%s = %s\n", textesc.Line(x.Env), textesc.Line(x.Path), shortValue(x.Value))
	x.writeSources(&b, "")
	_, err := io.WriteString(w, b.String())
	return err
}

// valueWidth is how much of a value the text prints: a struct (a whole
// service) is one line, cut with an ellipsis; --format json has it all.
const valueWidth = 200

// shortValue is a value escaped on one line, cut at valueWidth bytes on
// a character boundary.
func shortValue(v string) string { return textesc.Truncate(textesc.Value(v), valueWidth) }

func (x *Explanation) writeSources(b *strings.Builder, indent string) {
	width := 0
	for _, s := range x.Sources {
		width = max(width, len(textesc.Line(s.Pos)))
	}
	for _, s := range x.Sources {
		mark := " "
		if s.Pos == x.DecidedBy {
			mark = "*"
		}
		fmt.Fprintf(b, "%s%s %-*s  %-10s  %s\n", indent, mark, width, textesc.Line(s.Pos), s.Role, textesc.Line(s.Layer))
		fmt.Fprintf(b, "%s  %-*s  | %s\n", indent, width, "", textesc.Line(s.Line))
		if s.Via != nil {
			fmt.Fprintf(b, "%s    which is %s = %s\n", indent, textesc.Line(s.Via.Path), shortValue(s.Via.Value))
			s.Via.writeSources(b, indent+"    ")
		}
	}
}
