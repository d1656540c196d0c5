package load

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/textesc"
)

// MaxValueLen is how many bytes of a quoted value a message shows; a longer
// value is cut and followed by its length. Other values (structs, lists,
// constraints) are cut at maxExprLen.
const MaxValueLen = 80

const (
	maxExprLen = 200
	// maxLineLen cuts what is left, an error that is not CUE's included.
	maxLineLen = 2000
)

// Format renders err for a person, one problem per line, without
// duplicates:
//
//	./envs/prod.cue:12:3: environments.prod.services."graphql-api".replicas: conflicting values "three" and int
//	    also degen.dev/schema@v1.0.0/schema.cue:142:13
//
// Positions are relative to root, and the first one of each problem is in
// the model's own files: an environment's file before the base (the file
// that defines #Base), the base before the schema. When CUE names only the
// base or the schema, the environment file that sets the value's path comes
// first. Problems whose first position is in an environment's file come
// first. A failed disjunction is one problem: its most telling branch, or
// the list of allowed values. Long values are shortened. An error that is
// not a CUE error prints as is (shortened, and without root's absolute
// path). Every control and bidi character of the result but its line feeds
// is escaped (textesc.Lines): a model's value or file name quoted in an
// error reaches the terminal as text.
func Format(err error, root string) string {
	if ds := Diagnostics(err, root); ds != nil {
		return diag.List(diag.Merge(ds)).Error() + "\n"
	}
	f := &formatter{root: root}
	return textesc.Lines(f.clean(shortenQuoted(err.Error()))) + "\n"
}

// Diagnostics is err as diagnostics: those of an error that carries them
// (Diagnoser: a located model error, a policy denial), or a CUE error list
// folded into problems, each with the positions Format describes; nil for
// any other error.
func Diagnostics(err error, root string) []diag.Diagnostic {
	var dg Diagnoser
	if errors.As(err, &dg) {
		return dg.Diagnostics()
	}
	var cerr cueerrors.Error
	if !errors.As(err, &cerr) {
		return nil
	}
	f := &formatter{root: root, trees: ErrTrees(err)}
	var ds []diag.Diagnostic
	for _, e := range f.problems(cerr) {
		ds = append(ds, f.diagnostic(e))
	}
	return ds
}

// problems folds CUE's error list into problems for a person, each with
// its code, message, hint and positions, the user's deciding line first,
// in the order they are printed. Of the parse errors of a file only the
// first is kept: the others follow from it.
func (f *formatter) problems(cerr cueerrors.Error) []entry {
	var entries []entry
	syntaxSeen := map[string]bool{}
	for _, e := range f.entries(cueerrors.Errors(cueerrors.Sanitize(cerr))) {
		if isSyntax(e) && len(e.positions) > 0 {
			if syntaxSeen[e.positions[0].Filename()] {
				continue
			}
			syntaxSeen[e.positions[0].Filename()] = true
		}
		e.positions = f.rank(e.positions)
		if !e.keepPos && (len(e.positions) == 0 || f.fileRank(e.positions[0]) != rankEnv || f.trees.IsRef(e.positions[0]) || f.isConstraint(e.positions[0])) {
			if p := f.decider(e.path); p.IsValid() {
				e.positions = append([]token.Pos{p}, e.positions...)
			}
		}
		e.positions = dedupPos(e.positions)
		entries = append(entries, e)
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		return f.entryRank(a) - f.entryRank(b)
	})
	return entries
}

// decider is the user's line that decides the value at a CUE error's
// path: the environment's field, else the base's (see Trees.Decider).
func (f *formatter) decider(path []string) token.Pos {
	sel := unquoteAll(dropLets(path))
	switch {
	case len(sel) >= 3 && sel[0] == model.PathEnvironments:
		return f.trees.Decider(sel[1], sel[2:])
	case len(sel) >= 2 && sel[0] == model.PathBase:
		return f.trees.Decider("", sel[1:])
	}
	return token.NoPos
}

// entry is one problem to print.
type entry struct {
	path []string
	// code names the kind of problem (a schema rule's, or CUE's kind).
	code string
	msg  string
	// hint says what to do about it, with an example where one helps.
	hint      string
	positions []token.Pos
	// keepPos says CUE's first position is the right one (a field's
	// label), not the decider's.
	keepPos bool
}

type formatter struct {
	root string
	// trees are the Load's syntax trees (nil for an error of no Load).
	trees *Trees
}

func (f *formatter) fileRank(p token.Pos) int { return f.trees.Rank(p, f.root) }

func (f *formatter) entryRank(e entry) int {
	if len(e.positions) == 0 {
		return rankNone
	}
	return f.fileRank(e.positions[0])
}

// rank orders positions by fileRank and, within a file rank, values before
// constraints (a bound, a pattern, a default), keeping CUE's order
// otherwise.
func (f *formatter) rank(ps []token.Pos) []token.Pos {
	out := slices.Clone(ps)
	key := func(p token.Pos) int {
		// Within a rank: literal values, other values, then
		// constraints, then references (#Base & {…}: where values come
		// from).
		// A literal value comes before any other expression of its
		// rank: the value the user wrote, not the block around it
		// (environments: dev: {…}).
		k := 8 * f.fileRank(p)
		constraint, ref := f.isConstraint(p), f.trees.IsRef(p)
		if constraint {
			k += 2
		}
		if ref {
			k += 4
		}
		if _, lit := f.trees.literal(p); !lit && !constraint && !ref {
			k++
		}
		return k
	}
	slices.SortStableFunc(out, func(a, b token.Pos) int { return key(a) - key(b) })
	return out
}

func (f *formatter) isConstraint(p token.Pos) bool { return f.trees.IsConstraint(p) }

// entries turns CUE's error list into problems. A disjunction that failed
// comes from CUE as a header ("3 errors in empty disjunction:", no
// position) and one error per branch at the same path; they become one
// problem.
func (f *formatter) entries(errs []cueerrors.Error) []entry {
	isHeader := func(e cueerrors.Error) bool {
		format, _ := e.Msg()
		return format == "%d errors in empty disjunction:" || format == "empty disjunction"
	}
	branches := map[string][]int{}
	for i, e := range errs {
		if !isHeader(e) {
			k := strings.Join(e.Path(), "\x00")
			branches[k] = append(branches[k], i)
		}
	}
	used := make([]bool, len(errs))
	folded := map[string]bool{}
	var out []entry
	for i, e := range errs {
		if used[i] {
			continue
		}
		if isHeader(e) {
			var bs []cueerrors.Error
			for _, j := range branches[strings.Join(e.Path(), "\x00")] {
				if !used[j] {
					used[j] = true
					bs = append(bs, errs[j])
				}
			}
			k := strings.Join(e.Path(), "\x00")
			if len(bs) > 0 {
				folded[k] = true
				out = append(out, f.disjunction(e.Path(), bs))
				continue
			}
			if folded[k] {
				// A second header of a disjunction already folded.
				continue
			}
		}
		used[i] = true
		msg := render(e)
		if isHeader(e) {
			en := entry{path: e.Path(), code: "no-alternative-matches", positions: cueerrors.Positions(e),
				msg:  "the value matches none of the alternatives the field allows",
				hint: "see the field in degen schema (or the model's own definition) and write one of its forms"}
			out = append(out, en)
			continue
		}
		out = append(out, f.explain(e, entry{path: e.Path(), msg: msg, positions: cueerrors.Positions(e)}))
	}
	return dropUnusedImports(out)
}

// dropUnusedImports drops "imported and not used" at an import already
// reported as not found: one problem, one line.
func dropUnusedImports(es []entry) []entry {
	notFound := map[token.Pos]bool{}
	for _, e := range es {
		if e.code == "import-not-found" && len(e.positions) > 0 {
			notFound[e.positions[0]] = true
		}
	}
	return slices.DeleteFunc(es, func(e entry) bool {
		return strings.HasPrefix(e.msg, "imported and not used") && len(e.positions) > 0 && notFound[e.positions[0]]
	})
}

// disjunction makes one problem of the branches of a failed disjunction:
// when every branch is a value the user's value conflicts with, all of one
// disjunction (kind: "deployment" | "statefulset" | …), the allowed values;
// otherwise the most telling branch that is not the default's: a bound
// before a mismatched type before a conflict.
func (f *formatter) disjunction(path []string, bs []cueerrors.Error) entry {
	var all []token.Pos
	for _, b := range bs {
		all = append(all, cueerrors.Positions(b)...)
	}
	for _, b := range bs {
		// A value a condition of the schema fixes (effect:
		// "NoExecute" under if tolerationSeconds…): its sentence,
		// not the alternatives of the field's own disjunction.
		if r, ok := f.fieldRule(b); ok {
			if v := f.modelValue(b); v != "" {
				return byFieldRule(entry{path: path, positions: dedupPos(all)}, r, v)
			}
		}
	}
	if value, allowed, ok := f.enum(bs); ok {
		return entry{path: path, positions: dedupPos(all), code: "not-one-of",
			msg:  fmt.Sprintf("%s is not one of %s", shorten(value), strings.Join(allowed, ", ")),
			hint: fmt.Sprintf("use one of them, e.g. %s", allowed[0])}
	}
	cands := slices.DeleteFunc(slices.Clone(bs), f.isDefault)
	if len(cands) == 0 {
		cands = bs
	}
	// A branch whose own positions (those not common to all) are all in
	// the model, not the schema, is a concrete value of the model the
	// user's value meets: that is the conflict to name.
	count := map[token.Pos]int{}
	for _, b := range bs {
		for _, p := range dedupPos(cueerrors.Positions(b)) {
			count[p]++
		}
	}
	score := func(b cueerrors.Error) int {
		s := 2 * kindOf(b)
		own, inModel := 0, true
		for _, p := range dedupPos(cueerrors.Positions(b)) {
			if count[p] == len(bs) {
				continue
			}
			own++
			if r := f.fileRank(p); r != rankEnv && r != rankBase {
				inModel = false
			}
		}
		if own > 0 && inModel {
			s++
		}
		return s
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if score(c) > score(best) {
			best = c
		}
	}
	return f.explain(best, entry{path: path, msg: render(best), positions: cueerrors.Positions(best)})
}

const (
	kindOther = iota
	kindConflict
	kindMismatch
	kindBound
)

func kindOf(e cueerrors.Error) int {
	format, _ := e.Msg()
	switch {
	case strings.HasPrefix(format, "invalid value") && strings.Contains(format, "out of bound"):
		return kindBound
	case strings.Contains(format, "mismatched types"):
		return kindMismatch
	case strings.HasPrefix(format, "conflicting values"):
		return kindConflict
	}
	return kindOther
}

// enum reports whether the branches are all "conflicting values A and X"
// with one X, and every A written on one line (one disjunction of values):
// it returns X and the As.
func (f *formatter) enum(bs []cueerrors.Error) (value string, allowed []string, ok bool) {
	if len(bs) < 2 {
		return "", nil, false
	}
	pairs := make([][2]string, len(bs))
	for i, b := range bs {
		format, args := b.Msg()
		if format != "conflicting values %s and %s" || len(args) != 2 {
			return "", nil, false
		}
		pairs[i] = [2]string{fmt.Sprint(args[0]), fmt.Sprint(args[1])}
	}
	for side := range 2 {
		x := pairs[0][side]
		var alts []string
		for _, p := range pairs {
			if p[side] != x {
				alts = nil
				break
			}
			alts = append(alts, p[1-side])
		}
		if alts == nil {
			continue
		}
		// The positions that are not common to every branch are the
		// alternatives'; they must lie on one line.
		count := map[token.Pos]int{}
		for _, b := range bs {
			for _, p := range dedupPos(cueerrors.Positions(b)) {
				count[p]++
			}
		}
		line, schema := "", false
		for p, n := range count {
			if n == len(bs) {
				continue
			}
			// The schema's alternatives may be spread over a
			// definition (*"production" | #Stage).
			if InSchema(p) {
				schema = true
				continue
			}
			l := fmt.Sprintf("%s:%d", p.Filename(), p.Line())
			if line != "" && l != line {
				return "", nil, false
			}
			line = l
		}
		if line == "" && !schema {
			return "", nil, false
		}
		for i := range alts {
			alts[i] = shorten(alts[i])
		}
		return x, uniq(alts), true
	}
	return "", nil, false
}

// isDefault reports whether a branch is the conflict with a default
// (`*"x" | …`): one of its positions is a default's.
func (f *formatter) isDefault(e cueerrors.Error) bool {
	return slices.ContainsFunc(cueerrors.Positions(e), f.trees.IsDefault)
}

// deepest follows path through the fields of decls. A field that matches
// the whole path gives its value's position, one that matches part of it
// its label's; the deepest match wins.
func deepest(decls []ast.Decl, path []string) (token.Pos, int) {
	best, bestDepth := token.NoPos, 0
	for _, d := range decls {
		var p token.Pos
		var n int
		switch x := d.(type) {
		case *ast.Field:
			if !labelIs(x.Label, path[0]) {
				continue
			}
			if len(path) == 1 {
				p, n = x.Value.Pos(), 1
				break
			}
			if sp, sn := descend(x.Value, path[1:]); sn > 0 {
				p, n = sp, sn+1
			} else {
				p, n = x.Label.Pos(), 1
			}
		case *ast.EmbedDecl:
			p, n = descend(x.Expr, path)
		case *ast.Comprehension:
			p, n = descend(x.Value, path)
		}
		if n > bestDepth {
			best, bestDepth = p, n
		}
	}
	return best, bestDepth
}

func descend(e ast.Expr, path []string) (token.Pos, int) {
	switch x := e.(type) {
	case *ast.StructLit:
		return deepest(x.Elts, path)
	case *ast.ParenExpr:
		return descend(x.X, path)
	case *ast.BinaryExpr:
		p1, n1 := descend(x.X, path)
		p2, n2 := descend(x.Y, path)
		if n2 > n1 {
			return p2, n2
		}
		return p1, n1
	case *ast.ListLit:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(x.Elts) {
			return token.NoPos, 0
		}
		elt := x.Elts[i]
		if _, ok := elt.(*ast.Ellipsis); ok {
			return token.NoPos, 0
		}
		if len(path) == 1 {
			return elt.Pos(), 1
		}
		if p, n := descend(elt, path[1:]); n > 0 {
			return p, n + 1
		}
		return elt.Pos(), 1
	}
	return token.NoPos, 0
}

// uniq is ss without repeats, in order.
func uniq(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func dedupPos(ps []token.Pos) []token.Pos {
	var out []token.Pos
	for _, p := range ps {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// render formats an error's message, each argument shortened. A message
// made whole by degen ("%s") has its quoted values shortened.
func render(e cueerrors.Error) string {
	format, args := e.Msg()
	if format == "%s" && len(args) == 1 {
		return shortenQuoted(fmt.Sprint(args[0]))
	}
	args = slices.Clone(args)
	for i, a := range args {
		if ce, ok := a.(cueerrors.Error); ok {
			// An error as an argument ("%s (and %d more errors)") is a
			// message of its own: rendered, whole, without its path
			// (the caller prints it); its own values are shortened.
			args[i] = render(ce)
			continue
		}
		s := fmt.Sprint(a)
		limit := maxExprLen
		if isString(s) {
			limit = MaxValueLen
		}
		if len(s) > limit {
			args[i] = shortenTo(s, limit)
		}
	}
	msg := fmt.Sprintf(format, args...)
	// A wrapped cause ("error in call to strings.Repeat" wraps why) is
	// what to fix; CUE's Msg leaves it out.
	if cause := errors.Unwrap(e); cause != nil && strings.HasPrefix(format, "error in call to") {
		if ce, ok := cause.(cueerrors.Error); ok {
			msg += ": " + render(ce)
		} else {
			msg += ": " + shortenQuoted(cause.Error())
		}
	}
	if format == "incomplete value %v" {
		msg += ": the field needs a concrete value, set it"
		if len(args) == 1 && clashingDefaults(fmt.Sprint(args[0])) {
			msg += " (two defaults met here and cancelled each other, e.g. the base's *x and the schema's: write the base's value without *, or set the value in each environment)"
		}
	}
	return msg
}

// clashingDefaults reports whether an incomplete disjunction looks like
// two defaults that met: at least two concrete alternatives (a string, a
// number, a boolean) beside a type or a bound, as `"a" | "b" | string` or
// `false | true | bool`. A choice of values alone (`"a" | "b"`) is an enum
// left open, not a clash.
func clashingDefaults(s string) bool {
	concrete, other := 0, 0
	for _, alt := range strings.Split(s, " | ") {
		alt = strings.TrimSpace(alt)
		if _, err := strconv.Unquote(alt); err == nil {
			concrete++
		} else if _, err := strconv.ParseFloat(alt, 64); err == nil || alt == "true" || alt == "false" {
			concrete++
		} else {
			other++
		}
	}
	return concrete >= 2 && other >= 1
}

// isString reports whether s is one quoted string (not a disjunction of
// them).
func isString(s string) bool {
	if len(s) > maxExprLen {
		return strings.HasPrefix(s, `"`) && !strings.Contains(s[:maxExprLen], `" | "`)
	}
	_, err := strconv.Unquote(s)
	return err == nil
}

func pathString(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = shorten(p)
	}
	return strings.Join(parts, ".")
}

// shorten cuts a value longer than MaxValueLen bytes.
func shorten(s string) string { return shortenTo(s, MaxValueLen) }

// shortenTo cuts a value longer than limit bytes to limit bytes and says
// how long it was: "aaaa…" (52428800 bytes). A quoted value stays quoted.
func shortenTo(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	q := ""
	if s[0] == '"' {
		q = `"`
	}
	cut := max(limit-len("…")-len(q), 1)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…%s (%d bytes)", s[:cut], q, len(s))
}

var quoted = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)

// shortenQuoted shortens the long quoted values in a message.
func shortenQuoted(text string) string {
	if len(text) <= MaxValueLen {
		return text
	}
	return quoted.ReplaceAllStringFunc(text, shorten)
}

// clean writes paths under root relative to it, and cuts a line that is
// still too long.
func (f *formatter) clean(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = shortenTo(l, maxLineLen)
	}
	text = strings.Join(lines, "\n")
	if len(f.root) > 1 {
		text = strings.ReplaceAll(text, f.root+string(filepath.Separator), "./")
		text = strings.ReplaceAll(text, `"`+f.root+`"`, `"."`)
	}
	return text
}

// relPos prints a position as ./file:line:col relative to root; a file
// outside root by its name alone, never by an absolute path.
func (f *formatter) relPos(p token.Pos) string { return RelPos(p, f.root) }

// RelPos prints a position for a person: ./file:line:col relative to root,
// a file of the schema module as degen.dev/schema@VERSION/file:line:col, and
// a file outside root by its name alone, never by an absolute path.
func RelPos(p token.Pos, root string) string {
	file := p.Filename()
	if rel, err := filepath.Rel(root, file); err == nil && filepath.IsLocal(rel) {
		file = "./" + filepath.ToSlash(rel)
	} else if InSchema(p) {
		file = DisplayName(file)
	} else if filepath.IsAbs(file) {
		file = filepath.Base(file)
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line(), p.Column())
}
