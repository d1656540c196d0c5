package load

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/suggest"
	"github.com/degen-dev/degen/schema"
)

// This file turns CUE's words into a model author's: each problem gets a
// code, a message that names what a valid value is (from the schema's
// @error attributes, never a regular expression, a CUE type or a let
// path) and a hint that says what to do, with an example. They are pure
// functions of the error and the kept syntax trees.

// explain rewrites the message of a CUE error e, folded into en, for a
// person.
func (f *formatter) explain(e cueerrors.Error, en entry) entry {
	format, args := e.Msg()
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = shorten(fmt.Sprint(a))
	}
	switch {
	case format == "invalid value %v (out of bound %s)" && len(args) == 2:
		return f.outOfBound(e, en, strs[0], strs[1])
	case format == "conflicting values %s and %s (mismatched types %s and %s)" && len(args) == 4:
		return f.mismatch(e, en, strs)
	case format == "conflicting values %s and %s" && len(args) == 2:
		return f.conflict(e, en, strs[0], strs[1])
	case format == "field not allowed":
		return f.notAllowed(en)
	case format == "import failed", format == "builtin package %q undefined":
		return importFailed(e, en)
	case format == "incomplete value %v":
		return f.incomplete(e, en)
	case format == "reference %q not found" && len(args) == 1:
		en.code = "reference-not-found"
		en.path = dropLets(en.path)
		en.msg = fmt.Sprintf("reference %q not found: a name is looked up only among the fields that this file declares around it", fmt.Sprint(args[0]))
		en.hint = fmt.Sprintf("declare the field in this file's block too (%s: _), as a second file adding to #Base must, or move the line into the file that declares %s", fmt.Sprint(args[0]), fmt.Sprint(args[0]))
		return en
	}
	if code, hint, ok := syntaxHint(en.msg); ok && len(en.path) == 0 {
		en.code, en.hint = code, hint
	}
	return en
}

// ruleOfError returns the schema's rule for the constraint an error
// names: the first of its positions that lies in a field with an @error
// attribute, or refers to a definition with one.
func (f *formatter) ruleOfError(e cueerrors.Error) (rule, bool) {
	ps := cueerrors.Positions(e)
	// The schema's positions first: the model's own lines hold values.
	slices.SortStableFunc(ps, func(a, b token.Pos) int { return boolRank(!InSchema(a)) - boolRank(!InSchema(b)) })
	for _, p := range ps {
		if r, ok := f.trees.ruleAt(p); ok {
			return r, true
		}
	}
	return rule{}, false
}

// fieldRule returns the rule written on a schema field that e's
// positions name itself (operator: "Exists" @error(…) under an if), not
// one it refers to: the schema's own sentence for a value a condition
// fixes, which says more than the values that conflict.
func (f *formatter) fieldRule(e cueerrors.Error) (rule, bool) {
	for _, p := range cueerrors.Positions(e) {
		if !InSchema(p) {
			continue
		}
		if r, ok := f.trees.fieldRuleAt(p); ok {
			return r, true
		}
	}
	return rule{}, false
}

// modelValue is the literal of the first of e's positions on the model's
// lines (the value the user wrote), or "".
func (f *formatter) modelValue(e cueerrors.Error) string {
	for _, p := range f.rank(cueerrors.Positions(e)) {
		if r := f.fileRank(p); r != rankEnv && r != rankBase {
			continue
		}
		if v, ok := f.trees.literal(p); ok && !f.isConstraint(p) {
			return v
		}
	}
	return ""
}

// byFieldRule is en named by the rule r of the schema's field: value is
// not what r says.
func byFieldRule(en entry, r rule, value string) entry {
	en.code, en.msg, en.hint = r.Code, fmt.Sprintf("%s is not %s", shorten(value), r.Is), r.Hint
	return en
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (f *formatter) outOfBound(e cueerrors.Error, en entry, value, bound string) entry {
	if r, ok := f.ruleOfError(e); ok {
		en.code, en.msg, en.hint = r.Code, fmt.Sprintf("%s is not %s", value, r.Is), r.Hint
		return en
	}
	if strings.HasPrefix(bound, "=~") || strings.HasPrefix(bound, "!~") {
		en.code = "invalid-format"
		en.msg = fmt.Sprintf("%s does not have the form this field takes", value)
		en.hint = "see the comment above the field in degen schema (or the model's own definition), and write a value of that form"
		return en
	}
	en.code = "out-of-range"
	en.msg = fmt.Sprintf("%s is out of range: it must be %s", value, readableBound(bound))
	en.hint = "use a value within that bound"
	return en
}

// readableBound writes a CUE bound as a person reads it: ">= 1", "!= \"\"".
func readableBound(b string) string {
	for _, op := range []string{">=", "<=", "!=", ">", "<"} {
		if rest, ok := strings.CutPrefix(b, op); ok {
			if rest == `""` && op == "!=" {
				return "a non-empty string"
			}
			return op + " " + rest
		}
	}
	return b
}

// mismatch is a value of the wrong kind: "80" where an int is wanted, a
// string where a struct is.
func (f *formatter) mismatch(e cueerrors.Error, en entry, a []string) entry {
	value, wantKind := a[0], a[3]
	if !isLiteral(value) && isLiteral(a[1]) {
		value, wantKind = a[1], a[2]
	}
	en.code = "wrong-type"
	gotKind := kindName(value)
	switch wantKind {
	case "struct":
		if r, ok := f.ruleOfError(e); ok {
			en.msg = fmt.Sprintf("%s is not %s: %s is given where a struct is wanted", value, r.Is, gotKind)
			en.code, en.hint = r.Code, r.Hint
			return en
		}
		en.msg = fmt.Sprintf("%s is given where a struct is wanted", gotKind)
		en.hint = "write a struct of fields, e.g. {name: value}; degen schema shows the fields it takes"
	case "list":
		en.msg = fmt.Sprintf("%s is given where a list is wanted", gotKind)
		en.hint = fmt.Sprintf("write a list in brackets, e.g. [%s]", value)
	case "int", "number", "float":
		if gotKind == "a number" {
			en.msg = fmt.Sprintf("%s is not a whole number", value)
			en.hint = "write a whole number, e.g. 2"
			return en
		}
		en.msg = fmt.Sprintf("%s is %s, but a number is wanted", value, gotKind)
		if u, err := strconv.Unquote(value); err == nil {
			if _, err := strconv.ParseFloat(u, 64); err == nil {
				en.hint = fmt.Sprintf("write the number without quotes: %s", u)
				return en
			}
		}
		en.hint = "write a number without quotes, e.g. 3"
	case "bool":
		en.msg = fmt.Sprintf("%s is %s, but true or false is wanted", value, gotKind)
		en.hint = "write true or false, without quotes"
	case "string":
		en.msg = fmt.Sprintf("%s is %s, but a string is wanted", value, gotKind)
		en.hint = fmt.Sprintf("quote it, with its unit where the field is a duration or a quantity: \"%s\" (e.g. \"%[1]ss\", \"%[1]sMi\")", strings.Trim(value, `"`))
	default:
		en.msg = fmt.Sprintf("%s is %s, but %s is wanted", value, gotKind, wantKind)
		en.hint = "change the value to the kind the field takes (degen schema shows it)"
	}
	return en
}

// isLiteral reports whether a value as CUE prints it is a concrete
// scalar: a string, a number, true, false or null.
func isLiteral(s string) bool {
	if isString(s) {
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	return s == "true" || s == "false" || s == "null"
}

// kindName says what kind of value s is, with an article.
func kindName(s string) string {
	switch {
	case isString(s):
		return "a string"
	case s == "true" || s == "false":
		return "a boolean"
	case s == "null":
		return "null"
	case strings.HasPrefix(s, "{"):
		return "a struct"
	case strings.HasPrefix(s, "["):
		return "a list"
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return "a number"
	}
	return "a value"
}

// conflict is two values that meet: most often the base fixes a value an
// environment sets.
func (f *formatter) conflict(e cueerrors.Error, en entry, a, b string) entry {
	var basePos, envPos token.Pos
	for _, p := range cueerrors.Positions(e) {
		if f.trees.IsRef(p) || f.isConstraint(p) {
			continue
		}
		if _, ok := f.trees.literal(p); !ok {
			continue
		}
		switch f.fileRank(p) {
		case rankBase:
			if !basePos.IsValid() {
				basePos = p
			}
		case rankEnv:
			if !envPos.IsValid() {
				envPos = p
			}
		}
	}
	en.code = "conflicting-values"
	if basePos.IsValid() && envPos.IsValid() {
		baseVal, _ := f.trees.literal(basePos)
		envVal, _ := f.trees.literal(envPos)
		if set := f.trees.schemaEnum(f.envSel(en.path)); set != nil && !slices.Contains(set, envVal) {
			// The environment's value is wrong whatever the base
			// says: the set it must be one of.
			en.code = "not-one-of"
			en.msg = fmt.Sprintf("%s is not one of %s", shorten(envVal), strings.Join(set, ", "))
			en.hint = fmt.Sprintf("use one of them, e.g. %s (the base sets %s at %s)", baseVal, shorten(baseVal), f.relPos(basePos))
			en.positions = append([]token.Pos{envPos, basePos}, en.positions...)
			return en
		}
		en.msg = fmt.Sprintf("the environment sets %s, but the base fixes it to %s (%s)", shorten(envVal), shorten(baseVal), f.relPos(basePos))
		en.hint = fmt.Sprintf("make the base's value a default an environment may override: write %s at %s", overridable(baseVal), f.relPos(basePos))
		en.positions = append([]token.Pos{envPos, basePos}, en.positions...)
		return en
	}
	if f.onlyModel(e) {
		en.msg = fmt.Sprintf("conflicting values %s and %s: two lines of the model set different values", a, b)
		en.hint = fmt.Sprintf("keep one of them, or make one a default the other may override (*%s | _)", a)
		return en
	}
	if r, ok := f.fieldRule(e); ok {
		return byFieldRule(en, r, cmp.Or(f.modelValue(e), b))
	}
	en.msg = fmt.Sprintf("conflicting values %s and %s: the schema requires one of them here", a, b)
	en.hint = "change the model's value to the one the schema requires (degen schema shows the field and why)"
	return en
}

// envSel is a CUE error's path as labels below the environment,
// unquoted: environments.prod.services.web is services, web.
func (f *formatter) envSel(path []string) []string {
	sel := unquoteAll(dropLets(path))
	switch {
	case len(sel) >= 2 && sel[0] == model.PathEnvironments:
		return sel[2:]
	case len(sel) >= 1 && sel[0] == model.PathBase:
		return sel[1:]
	}
	return sel
}

// onlyModel reports whether the values of e are all on the model's lines.
func (f *formatter) onlyModel(e cueerrors.Error) bool {
	n := 0
	for _, p := range cueerrors.Positions(e) {
		if f.trees.IsRef(p) {
			continue
		}
		if r := f.fileRank(p); r != rankEnv && r != rankBase {
			return false
		}
		n++
	}
	return n > 0
}

// overridable writes a base value as a default: *"50m" | _, *50 | int.
func overridable(v string) string {
	switch {
	case v == "true" || v == "false":
		return "*" + v + " | bool"
	case strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'"):
		return "*" + v + " | _"
	}
	if _, err := strconv.Atoi(v); err == nil {
		return "*" + v + " | int"
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return "*" + v + " | number"
	}
	return "*" + v + " | _"
}

// notAllowed is a field the schema (or the model's definition) does not
// have: the closest it has, or the rule its keys follow.
func (f *formatter) notAllowed(en entry) entry {
	sel := unquoteAll(dropLets(en.path))
	switch {
	case len(sel) >= 2 && sel[0] == model.PathEnvironments:
		sel = sel[2:]
	case len(sel) >= 1 && sel[0] == model.PathBase:
		sel = sel[1:]
	default:
		en.code = "field-not-allowed"
		en.hint = "remove it"
		return en
	}
	if len(sel) == 0 {
		return en
	}
	name, parent := sel[len(sel)-1], sel[:len(sel)-1]
	labels, keys := f.trees.allowed(parent)
	// The model's own block that writes the field is among those read.
	labels = slices.DeleteFunc(labels, func(l string) bool { return l == name })
	en.code = "field-not-allowed"
	en.keepPos = true
	where := "here"
	if len(parent) > 0 {
		where = "in " + strings.Join(parent, ".")
	}
	if idx := suggest.Closest(name, labels); len(idx) > 0 {
		var near []string
		for _, i := range idx {
			near = append(near, labels[i])
		}
		en.msg = fmt.Sprintf("field %s is not allowed %s", strconv.Quote(name), where)
		en.hint = fmt.Sprintf("did you mean %s?", strings.Join(near, " or "))
		return en
	}
	if len(keys) > 0 {
		r := keys[0]
		en.code = r.Code
		en.msg = fmt.Sprintf("%s is not %s, which the keys of %s must be", strconv.Quote(name), r.Is, strings.Join(parent, "."))
		en.hint = r.Hint
		return en
	}
	en.msg = fmt.Sprintf("field %s is not allowed %s", strconv.Quote(name), where)
	if len(parent) == 0 {
		// A service's field written on the environment (replicas: 3).
		if svc, _ := f.trees.allowed([]string{"services", "_"}); slices.Contains(svc, name) {
			en.hint = fmt.Sprintf("%s is a field of a service: write it under services: NAME: %s", name, name)
			return en
		}
	}
	if len(labels) > 0 && len(labels) <= 12 {
		en.hint = "remove it, or use one of " + strings.Join(labels, ", ")
	} else {
		en.hint = "remove it, or use a field the schema has (degen schema lists them)"
	}
	return en
}

// incomplete is a field left without a value.
func (f *formatter) incomplete(e cueerrors.Error, en entry) entry {
	en.code = "value-not-set"
	_, args := e.Msg()
	if len(args) == 1 && clashingDefaults(fmt.Sprint(args[0])) {
		en.msg = "two defaults met here and cancelled each other (the base's *x and the schema's)"
		en.hint = "write the base's value without *, or set the value in each environment"
		return en
	}
	en.msg = "no value is set, and the field needs one"
	if r, ok := f.ruleOfError(e); ok {
		en.msg = fmt.Sprintf("no value is set: the field needs %s", r.Is)
		en.hint = "set it: " + r.Hint
		return en
	}
	en.hint = "set it in the base or in each environment"
	return en
}

// dropLets leaves the let clauses out of a path (#Base.let[]): they are
// CUE's names, not the model's.
func dropLets(path []string) []string {
	return slices.DeleteFunc(slices.Clone(path), func(s string) bool {
		return strings.HasPrefix(s, "let[") || strings.HasPrefix(s, "let ")
	})
}

// importFailed names the import no package answers and what the model
// may import: the schema, a package of its own module, a CUE standard
// package. CUE's words name the importing package, not the import.
func importFailed(e cueerrors.Error, en entry) entry {
	en.code = "import-not-found"
	en.path = nil
	en.msg = "this import is not a package this model can use"
	if m := regexp.MustCompile(`package "([^"]+)"`).FindStringSubmatch(render(e) + " " + e.Error()); m != nil {
		en.msg = fmt.Sprintf("import %q is not a package this model can use", m[1])
	}
	en.hint = fmt.Sprintf("import the schema as %q, a package of this module by its full path, or a CUE standard package (\"strings\")", schema.ImportPath)
	return en
}

// syntaxHint is what to do about a parse error, by its message.
func syntaxHint(msg string) (code, hint string, ok bool) {
	switch {
	case strings.HasPrefix(msg, "missing ','"):
		return "syntax", `a value with ":" or spaces must be quoted, e.g. image: "redis:7.4.1"; otherwise end the field with a new line or ","`, true
	case strings.Contains(msg, "found 'EOF'"):
		return "syntax", `a "{", "[" or "(" is not closed: add the bracket that closes it`, true
	case strings.HasPrefix(msg, "expected "), strings.HasPrefix(msg, "illegal"), strings.HasPrefix(msg, "string literal not terminated"):
		return "syntax", "fix the syntax at this position (cue fmt points at the same place)", true
	}
	return "", "", false
}

// isSyntax reports whether e is a parse error: no path, a parser's words.
func isSyntax(e entry) bool {
	_, _, ok := syntaxHint(e.msg)
	return ok && len(e.path) == 0
}
