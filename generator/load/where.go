package load

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
)

// Trees are the CUE syntax trees of the files a Load parsed: the model's
// files of envs/ and the schema module's, as cue/load gave them to the
// evaluator, and the bytes they were parsed from. Positions are looked up
// in them (Where, Rank) and a position's source line is served from them
// (SourceLine) without reading a file again or evaluating anything. A
// Trees is safe for concurrent use; the instances of a Load add to it as
// they are parsed.
type Trees struct {
	root  string
	mu    sync.Mutex
	files map[string]*tree // by file name, as token.Pos names it
	// src are the files' bytes as the loader read them, by file name.
	src map[string][]byte
	// schemaDefs are the schema's top-level definitions, by name, and
	// modelDefs the model's (#Base, #Params…).
	schemaDefs, modelDefs map[string][]ast.Expr
}

// tree is one parsed file.
type tree struct {
	file   *ast.File
	schema bool
	// tags are the environments its @if names (nil: every instance
	// reads it).
	tags []string
	// constraint and dflt are the positions (file:line:col keys) of
	// the operands of bounds and patterns (<, >=, =~, !=…) and of
	// defaults (*x).
	constraint, dflt map[[2]int]bool
	// ref are the positions of references to definitions (#Base,
	// schema.#Environment): where a value comes from, not a value.
	ref map[[2]int]bool
	// lit are the literals' texts by position.
	lit map[[2]int]string
}

// newTrees returns an empty Trees for the model at root.
func newTrees(root string) *Trees {
	return &Trees{root: root, files: map[string]*tree{}, src: map[string][]byte{}, schemaDefs: map[string][]ast.Expr{}, modelDefs: map[string][]ast.Expr{}}
}

// add keeps the files of inst and of the instances it imports, once per
// file name.
func (t *Trees) add(inst *build.Instance) {
	if t == nil || inst == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[*build.Instance]bool{}
	var walk func(*build.Instance)
	walk = func(in *build.Instance) {
		if in == nil || seen[in] {
			return
		}
		seen[in] = true
		for _, f := range in.Files {
			t.addFile(f)
		}
		// cue/load leaves the bytes it parsed on the build file.
		for _, bf := range in.BuildFiles {
			if b, ok := bf.Source.([]byte); ok && t.src[bf.Filename] == nil {
				t.src[bf.Filename] = b
			}
		}
		for _, imp := range in.Imports {
			walk(imp)
		}
	}
	walk(inst)
}

func (t *Trees) addFile(f *ast.File) {
	if f == nil || t.files[f.Filename] != nil {
		return
	}
	tr := &tree{file: f, schema: strings.HasPrefix(filepath.ToSlash(f.Filename), SchemaRoot+"/"),
		constraint: map[[2]int]bool{}, dflt: map[[2]int]bool{}, ref: map[[2]int]bool{}, lit: map[[2]int]string{}}
	for _, a := range BuildTags(f) {
		_, arg := a.Split()
		tr.tags = append(tr.tags, strings.TrimSpace(arg))
	}
	key := func(p token.Pos) [2]int { return [2]int{p.Line(), p.Column()} }
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Interpolation:
			if b, err := format.Node(x); err == nil {
				tr.lit[key(x.Pos())] = string(b)
			}
			return false
		case *ast.BasicLit:
			tr.lit[key(x.Pos())] = x.Value
		case *ast.Ident:
			if strings.HasPrefix(x.Name, "#") {
				tr.ref[key(x.Pos())] = true
			}
		case *ast.SelectorExpr:
			if n, ok := labelName(x.Sel); ok && strings.HasPrefix(n, "#") {
				tr.ref[key(x.Pos())] = true
			}
		}
		u, ok := n.(*ast.UnaryExpr)
		if !ok {
			return true
		}
		set := tr.constraint
		if u.Op == token.MUL {
			set = tr.dflt
		}
		for _, p := range []token.Pos{u.Pos(), u.X.Pos()} {
			set[[2]int{p.Line(), p.Column()}] = true
		}
		return true
	}, nil)
	defs := t.modelDefs
	if tr.schema {
		defs = t.schemaDefs
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			if n, ok := labelName(fd.Label); ok && strings.HasPrefix(n, "#") {
				defs[n] = append(defs[n], fd.Value)
			}
		}
	}
	t.files[f.Filename] = tr
}

// SourceLine returns the line of p's file, trimmed, from the bytes the
// Load parsed; "" when the Load read no such file or line.
func (t *Trees) SourceLine(p token.Pos) string {
	if t == nil || !p.IsValid() {
		return ""
	}
	t.mu.Lock()
	src := t.src[p.Filename()]
	t.mu.Unlock()
	n := p.Line()
	for i := 1; i < n && src != nil; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimSpace(string(src))
}

// SourceLine is the trimmed line at p of a file the Load that made env
// parsed (TreesOf(env).SourceLine).
func SourceLine(env *model.Environment, p token.Pos) string { return TreesOf(env).SourceLine(p) }

// names are the file names kept, sorted.
func (t *Trees) names() []string { return model.SortedKeys(t.files) }

// treesError is a Load error with the trees of the files it parsed, so
// that Format ranks its positions without reading the files again.
type treesError struct {
	err   error
	trees *Trees
}

func (e *treesError) Error() string     { return e.err.Error() }
func (e *treesError) Unwrap() error     { return e.err }
func (e *treesError) keptTrees() *Trees { return e.trees }

// ErrTrees returns the trees an error of Load or Locate carries, or nil.
func ErrTrees(err error) *Trees {
	var tc interface{ keptTrees() *Trees }
	if errors.As(err, &tc) {
		return tc.keptTrees()
	}
	return nil
}

// TreesOf returns the trees of the Load that made env, or nil.
func TreesOf(env *model.Environment) *Trees {
	if env == nil {
		return nil
	}
	if src, ok := env.Source.(*source); ok {
		return src.trees
	}
	return nil
}

// setTrees records the trees of the Load that made env.
func setTrees(env *model.Environment, t *Trees) {
	if src, ok := env.Source.(*source); ok {
		src.trees = t
	}
}

// Where returns the positions of the lines that decide the value at path
// (CUE syntax below the environment: services.web.image) of environment
// env, best first: the field in the environment's own block
// (environments: env: …), then the base's (#Base: …), then the schema's
// (#Environment: …). A path the files do not write in full gives the
// deepest field that leads to it, at least one level below the
// environment. env "" or model.BaseName asks for the base and the schema
// alone.
func (t *Trees) Where(env, path string) []token.Pos {
	sel, ok := splitPath(path)
	if !ok {
		return nil
	}
	var out []token.Pos
	for _, p := range t.where(env, sel) {
		if p.IsValid() {
			out = append(out, p)
		}
	}
	return out
}

// where is Where for a path split into unquoted labels: the environment's
// position, the base's and the schema's, each NoPos when none.
func (t *Trees) where(env string, sel []string) [3]token.Pos {
	var out [3]token.Pos
	if t == nil {
		return out
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if env != "" && env != model.BaseName {
		out[0] = t.envPos(env, sel)
	}
	out[1] = t.basePos(sel)
	out[2] = t.schemaPos(sel)
	return out
}

// envLabels are the names of the environments the model's files write a
// block for (environments: prod: …), sorted, each once; patterns
// ([N=string]: …) are no names.
func (t *Trees) envLabels() []string {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[string]bool{}
	for _, n := range t.names() {
		tr := t.files[n]
		if tr.schema {
			continue
		}
		for name := range envLabels(tr.file) {
			seen[name] = true
		}
	}
	return model.SortedKeys(seen)
}

// writes reports whether a model file writes the whole path sel (labels,
// unquoted) in environment env's own block.
func (t *Trees) writes(env string, sel ...string) bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, whole := t.envHit(env, sel)
	return whole
}

// splitPath splits a path in CUE syntax into its labels, unquoted.
func splitPath(path string) ([]string, bool) {
	if path == "" {
		return nil, true
	}
	p := cue.ParsePath(path)
	if p.Err() != nil {
		return nil, false
	}
	var out []string
	for _, s := range p.Selectors() {
		switch s.Type() {
		case cue.StringLabel:
			out = append(out, s.Unquoted())
		default:
			out = append(out, s.String())
		}
	}
	return out, true
}

// unquoteAll unquotes the quoted labels of a CUE error's path.
func unquoteAll(path []string) []string {
	out := slices.Clone(path)
	for i, p := range out {
		if strings.HasPrefix(p, `"`) {
			if s, err := literal.Unquote(p); err == nil {
				out[i] = s
			}
		}
	}
	return out
}

// modelFiles yields the model's files that env's instance reads (every
// untagged file, and env's own), in name order.
func (t *Trees) modelFiles(env string) []*tree {
	var out []*tree
	for _, n := range t.names() {
		tr := t.files[n]
		if tr.schema || (len(tr.tags) > 0 && !slices.Contains(tr.tags, env)) {
			continue
		}
		out = append(out, tr)
	}
	return out
}

// envPos is the deepest field of environments.env.sel in the model's
// files: the file that writes most of the path wins.
func (t *Trees) envPos(env string, sel []string) token.Pos {
	p, _ := t.envHit(env, sel)
	return p
}

// basePos is the deepest field of #Base.sel in the model's files.
func (t *Trees) basePos(sel []string) token.Pos {
	p, _ := t.baseHit(sel)
	return p
}

func (t *Trees) envHit(env string, sel []string) (token.Pos, bool) {
	full := append([]string{model.PathEnvironments, env}, sel...)
	return t.deepestIn(t.modelFiles(env), full, min(3, len(full)))
}

func (t *Trees) baseHit(sel []string) (token.Pos, bool) {
	full := append([]string{model.PathBase}, sel...)
	return t.deepestIn(t.modelFiles(""), full, min(3, len(full)))
}

// deepestIn is the deepest field of path in files, if at least least
// labels deep; whole says it is the whole path.
func (t *Trees) deepestIn(files []*tree, path []string, least int) (token.Pos, bool) {
	best, bestDepth := token.NoPos, 0
	for _, tr := range files {
		p, d := deepest(tr.file.Decls, path)
		if d > bestDepth {
			best, bestDepth = p, d
		}
	}
	if bestDepth < least {
		return token.NoPos, false
	}
	return best, bestDepth == len(path)
}

// Decider is the user's line that decides the value at sel (labels below
// the environment, unquoted) of environment env ("" for the base alone):
// the environment's field that writes the whole path, else the base's,
// else the deepest field of the path in the environment's block or the
// base's.
func (t *Trees) Decider(env string, sel []string) token.Pos {
	if t == nil {
		return token.NoPos
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var envP token.Pos
	var envWhole bool
	if env != "" && env != model.BaseName {
		envP, envWhole = t.envHit(env, sel)
	}
	baseP, baseWhole := t.baseHit(sel)
	switch {
	case envWhole:
		return envP
	case baseWhole:
		return baseP
	case envP.IsValid():
		return envP
	case baseP.IsValid():
		return baseP
	}
	if env != "" && env != model.BaseName {
		// The environment's label: a value the base derives from it
		// (name: N).
		p, _ := t.deepestIn(t.modelFiles(env), []string{model.PathEnvironments, env}, 2)
		return p
	}
	return token.NoPos
}

// schemaPos is the schema's field of #Environment.sel, following the
// schema's definitions (services: [N=#Name]: #Service) and pattern
// constraints: the constraint a value of the path meets.
func (t *Trees) schemaPos(sel []string) token.Pos {
	_, pos, _ := t.schemaWalk(sel)
	return pos
}

// schemaWalk follows sel through the schema's #Environment (schemaPos):
// the values of the deepest fields found, the first one's position, and
// whether they are the whole path's.
func (t *Trees) schemaWalk(sel []string) ([]ast.Expr, token.Pos, bool) {
	if len(sel) == 0 {
		return nil, token.NoPos, false
	}
	exprs := t.schemaDefs["#Environment"]
	var pos token.Pos
	for i, label := range sel {
		var next []ast.Expr
		var at token.Pos
		for _, e := range exprs {
			for _, v := range t.fieldsOf(e, label, 0) {
				next = append(next, v)
				if !at.IsValid() {
					at = v.Pos()
				}
			}
		}
		if len(next) == 0 {
			if i == 0 {
				return nil, token.NoPos, false
			}
			return exprs, pos, false
		}
		exprs, pos = next, at
	}
	return exprs, pos, true
}

// schemaEnum is the set of values the schema allows at sel (labels below
// the environment, unquoted) when it writes the field as a disjunction of
// literals (condition: *"started" | "healthy" | "completed"), as they are
// written; nil otherwise.
func (t *Trees) schemaEnum(sel []string) []string {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	exprs, _, whole := t.schemaWalk(sel)
	if !whole || len(exprs) != 1 {
		return nil
	}
	var out []string
	var walk func(ast.Expr) bool
	walk = func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.BinaryExpr:
			return x.Op == token.OR && walk(x.X) && walk(x.Y)
		case *ast.UnaryExpr:
			return x.Op == token.MUL && walk(x.X)
		case *ast.BasicLit:
			out = append(out, x.Value)
			return true
		}
		return false
	}
	if !walk(exprs[0]) || len(out) < 2 {
		return nil
	}
	return out
}

// fieldsOf returns the values of e's fields matching label: a regular
// field of that name, or a pattern constraint ([N=string]: …, any name;
// a list's element for an index). It follows references to the schema's
// definitions and both sides of & and |.
func (t *Trees) fieldsOf(e ast.Expr, label string, depth int) []ast.Expr {
	if depth > 8 {
		return nil
	}
	switch x := e.(type) {
	case *ast.StructLit:
		var out []ast.Expr
		var patterns []ast.Expr
		for _, d := range x.Elts {
			switch fd := d.(type) {
			case *ast.Field:
				if labelIs(fd.Label, label) {
					out = append(out, fd.Value)
				} else if _, ok := fd.Label.(*ast.ListLit); ok {
					patterns = append(patterns, fd.Value)
				}
			case *ast.EmbedDecl:
				out = append(out, t.fieldsOf(fd.Expr, label, depth+1)...)
			}
		}
		if len(out) == 0 {
			out = patterns
		}
		return out
	case *ast.ParenExpr:
		return t.fieldsOf(x.X, label, depth+1)
	case *ast.UnaryExpr:
		return t.fieldsOf(x.X, label, depth+1)
	case *ast.BinaryExpr:
		return append(t.fieldsOf(x.X, label, depth+1), t.fieldsOf(x.Y, label, depth+1)...)
	case *ast.Ident, *ast.SelectorExpr:
		var out []ast.Expr
		for _, d := range t.defsOf(x) {
			out = append(out, t.fieldsOf(d, label, depth+1)...)
		}
		return out
	case *ast.ListLit:
		if _, err := strconv.Atoi(label); err != nil {
			return nil
		}
		for _, elt := range x.Elts {
			if el, ok := elt.(*ast.Ellipsis); ok && el.Type != nil {
				return []ast.Expr{el.Type}
			}
		}
	}
	return nil
}

// defsOf returns the definitions a reference names: #X of the model's
// files or else of the schema, schema.#X of the schema.
func (t *Trees) defsOf(e ast.Expr) []ast.Expr {
	switch x := e.(type) {
	case *ast.Ident:
		if d := t.modelDefs[x.Name]; len(d) > 0 {
			return d
		}
		return t.schemaDefs[x.Name]
	case *ast.SelectorExpr:
		if n, ok := labelName(x.Sel); ok {
			return t.schemaDefs[n]
		}
	}
	return nil
}

// The ranks of positions: what a model author edits comes first.
const (
	rankEnv    = iota // an environment's block (environments: …), or a model file's other fields
	rankBase          // the base: #Base and the other definitions of envs/
	rankOther         // policies/ and other files of the module
	rankSchema        // the schema module degen serves
	rankNone          // no position, or a file outside the module
)

// Rank says whose line p is: an environment's, the base's, another model
// file's, the schema's. Without trees (nil) every file of envs/ is an
// environment's.
func (t *Trees) Rank(p token.Pos, root string) int {
	if !p.IsValid() {
		return rankNone
	}
	if InSchema(p) {
		return rankSchema
	}
	rel, err := filepath.Rel(root, p.Filename())
	if err != nil || !filepath.IsLocal(rel) {
		return rankNone
	}
	if filepath.Dir(rel) != filepath.Clean(model.EnvsPackage) {
		return rankOther
	}
	if t == nil {
		return rankEnv
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.files[p.Filename()]
	if tr == nil {
		return rankEnv
	}
	for _, d := range tr.file.Decls {
		if lc, ok := d.(*ast.LetClause); ok && contains(lc, p) {
			// A let every environment shares, as the base does.
			return rankBase
		}
		fd, ok := d.(*ast.Field)
		if !ok || !contains(fd, p) {
			continue
		}
		n, _ := labelName(fd.Label)
		id, ident := fd.Label.(*ast.Ident)
		switch {
		case strings.HasPrefix(n, "#"), ident && strings.HasPrefix(id.Name, "_"):
			// A definition (#Base) or a hidden field (_images)
			// every environment shares: the base's.
			return rankBase
		case n == model.PathEnvironments:
			return envsRank(fd.Value, p)
		}
		return rankEnv
	}
	return rankEnv
}

// envsRank ranks p within the value of a top-level environments field:
// an environment's block (prod: …) is the environment's, a pattern
// constraint ([N=string]: #Base & …) the base's.
func envsRank(e ast.Expr, p token.Pos) int {
	st, ok := e.(*ast.StructLit)
	if !ok {
		return rankEnv
	}
	for _, d := range st.Elts {
		fd, ok := d.(*ast.Field)
		if !ok || !contains(fd, p) {
			continue
		}
		if _, ok := labelName(fd.Label); !ok {
			return rankBase
		}
	}
	return rankEnv
}

// contains reports whether p lies within n's source.
func contains(n ast.Node, p token.Pos) bool {
	start, end := n.Pos(), n.End()
	before := func(a, b token.Pos) bool {
		return a.Line() < b.Line() || a.Line() == b.Line() && a.Column() <= b.Column()
	}
	return before(start, p) && before(p, end)
}

// IsConstraint reports whether the source at p is a constraint rather than
// a value: a bound or pattern (<, >, =~, !…), or a default (*x).
func (t *Trees) IsConstraint(p token.Pos) bool {
	return t.at(p, func(tr *tree, k [2]int) bool { return tr.constraint[k] || tr.dflt[k] })
}

// IsDefault reports whether the source at p is a default (*x).
func (t *Trees) IsDefault(p token.Pos) bool {
	return t.at(p, func(tr *tree, k [2]int) bool { return tr.dflt[k] })
}

func (t *Trees) at(p token.Pos, f func(*tree, [2]int) bool) bool {
	if t == nil || !p.IsValid() {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.files[p.Filename()]
	return tr != nil && f(tr, [2]int{p.Line(), p.Column()})
}

// IsRef reports whether the source at p is a reference to a definition
// (#Base, schema.#Environment): where values come from, not a value.
func (t *Trees) IsRef(p token.Pos) bool {
	return t.at(p, func(tr *tree, k [2]int) bool { return tr.ref[k] })
}

// literal returns the text of the literal at p ("100m" quoted, 50).
func (t *Trees) literal(p token.Pos) (string, bool) {
	var s string
	ok := t.at(p, func(tr *tree, k [2]int) bool {
		var ok bool
		s, ok = tr.lit[k]
		return ok
	})
	return s, ok
}

// A rule is what the schema says of a constraint, for a person: an
// attribute of the definition or field that holds it,
//
//	#Image: =~"…" @error(code=image-not-pinned, is="a pinned image reference", hint="…")
//
// so that a value the constraint refuses is named by what it should be,
// never by the constraint's regular expression.
type rule struct {
	Code string // a DNS label naming the kind of problem
	Is   string // what a valid value is, a noun phrase
	Hint string // what to write, with an example
}

// ruleOfField returns the rule of a field's @error attribute.
func ruleOfField(fd *ast.Field) (rule, bool) {
	for _, a := range fd.Attrs {
		key, body := a.Split()
		if key != "error" {
			continue
		}
		var r rule
		for _, kv := range splitAttr(body) {
			k, v, _ := strings.Cut(kv, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
			switch k {
			case "code":
				r.Code = v
			case "is":
				r.Is = v
			case "hint":
				r.Hint = v
			}
		}
		return r, r.Is != ""
	}
	return rule{}, false
}

// splitAttr splits an attribute's body at its commas outside quotes.
func splitAttr(body string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, body[start:i])
				start = i + 1
			}
		}
	}
	return append(out, body[start:])
}

// fieldRuleAt returns the rule of the @error attribute of the innermost
// field of a file that holds p, when that field carries one itself.
func (t *Trees) fieldRuleAt(p token.Pos) (rule, bool) {
	inner := t.fieldAt(p)
	if inner == nil {
		return rule{}, false
	}
	return ruleOfField(inner)
}

// fieldAt is the innermost field of a kept file that holds p, or nil.
func (t *Trees) fieldAt(p token.Pos) *ast.Field {
	if t == nil || !p.IsValid() {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tr := t.files[p.Filename()]
	if tr == nil {
		return nil
	}
	var inner *ast.Field
	ast.Walk(tr.file, func(n ast.Node) bool {
		if !contains(n, p) {
			return false
		}
		if fd, ok := n.(*ast.Field); ok {
			inner = fd
		}
		return true
	}, nil)
	return inner
}

// ruleAt returns the rule of the innermost field of a schema or model
// file that holds p and has one, or whose value is a reference to a
// definition that has one (image: #Image).
func (t *Trees) ruleAt(p token.Pos) (rule, bool) {
	inner := t.fieldAt(p)
	if inner == nil {
		return rule{}, false
	}
	if r, ok := ruleOfField(inner); ok {
		return r, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ruleOf(inner.Value)
}

// ruleOf returns the rule of the definition e refers to (#Image, or a
// conjunction with one: #Name & !="").
func (t *Trees) ruleOf(e ast.Expr) (rule, bool) {
	switch x := e.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		name := ""
		if id, ok := x.(*ast.Ident); ok {
			name = id.Name
		} else {
			name, _ = labelName(x.(*ast.SelectorExpr).Sel)
		}
		return t.defRule(name)
	case *ast.BinaryExpr:
		if r, ok := t.ruleOf(x.X); ok {
			return r, true
		}
		return t.ruleOf(x.Y)
	case *ast.ParenExpr:
		return t.ruleOf(x.X)
	case *ast.UnaryExpr:
		return t.ruleOf(x.X)
	}
	return rule{}, false
}

// defRule returns the rule of the top-level definition name.
func (t *Trees) defRule(name string) (rule, bool) {
	for _, n := range t.names() {
		for _, d := range t.files[n].file.Decls {
			if fd, ok := d.(*ast.Field); ok && labelIs(fd.Label, name) {
				if r, ok := ruleOfField(fd); ok {
					return r, true
				}
			}
		}
	}
	return rule{}, false
}

// allowed returns, for the struct at sel below an environment, the
// labels of its fields (the schema's, the base's and the model's own
// definitions'), sorted, and the rules of its pattern constraints'
// labels ([N=#Name]: a key must be a #Name).
func (t *Trees) allowed(sel []string) (labels []string, keys []rule) {
	if t == nil {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	exprs := slices.Clone(t.schemaDefs["#Environment"])
	exprs = append(exprs, t.modelDefs[model.PathBase]...)
	for _, label := range sel {
		var next []ast.Expr
		for _, e := range exprs {
			next = append(next, t.fieldsOf(e, label, 0)...)
		}
		exprs = next
	}
	seen := map[string]bool{}
	var walk func(e ast.Expr, depth int)
	walk = func(e ast.Expr, depth int) {
		if depth > 8 {
			return
		}
		switch x := e.(type) {
		case *ast.StructLit:
			for _, d := range x.Elts {
				switch fd := d.(type) {
				case *ast.Field:
					if n, ok := labelName(fd.Label); ok {
						if !strings.HasPrefix(n, "#") && !strings.HasPrefix(n, "_") && !seen[n] {
							seen[n] = true
							labels = append(labels, n)
						}
					} else if l, ok := fd.Label.(*ast.ListLit); ok && len(l.Elts) == 1 {
						pe := l.Elts[0]
						if a, ok := pe.(*ast.Alias); ok {
							pe = a.Expr
						}
						if r, ok := t.ruleOf(pe); ok {
							keys = append(keys, r)
						}
					}
				case *ast.EmbedDecl:
					walk(fd.Expr, depth+1)
				case *ast.Comprehension:
					walk(fd.Value, depth+1)
				}
			}
		case *ast.ParenExpr:
			walk(x.X, depth+1)
		case *ast.BinaryExpr:
			walk(x.X, depth+1)
			walk(x.Y, depth+1)
		case *ast.Ident, *ast.SelectorExpr:
			for _, d := range t.defsOf(x) {
				walk(d, depth+1)
			}
		}
	}
	for _, e := range exprs {
		walk(e, 0)
	}
	slices.Sort(labels)
	return labels, keys
}
