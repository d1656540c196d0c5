package load

import (
	"path/filepath"
	"strconv"
	"strings"

	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/model"
)

// Locate is the one place where the model errors of a build become
// diagnostics with positions. Every *model.Error in err's tree (wrapped
// with %w or joined with errors.Join) becomes a diag.Diagnostic whose
// position is the line that decided the value at its path (Place). The
// text of the wrappers around a single model error is kept before its
// message, so context added with %w survives into the printed line. An err
// without model errors is returned as it is.
func Locate(m *model.Model, err error) error {
	if err == nil || m == nil {
		return err
	}
	var found []*model.Error
	collect(err, &found)
	if len(found) == 0 {
		return err
	}
	var ds []diag.Diagnostic
	for _, me := range found {
		d := me.Diagnostic()
		if len(found) == 1 {
			if prefix := strings.TrimSuffix(err.Error(), me.Error()); prefix != "" {
				d.Message = strings.TrimSuffix(prefix, ": ") + ": " + d.Message
			}
		}
		if ps := places(m, me.Env, me.Path); len(ps) > 0 {
			d.Pos, d.Also = ps[0], ps[1:]
		}
		ds = append(ds, d)
	}
	return &located{list: ds, cause: err}
}

// Place is the one locator: the position of the line that decided the
// value at path (model.P syntax) of environment env (model.BaseName or ""
// for the base): the environment's block before the base before the
// schema, looked up in the syntax trees the Load kept (Where), without
// evaluating or reading anything again. A path the files do not write
// gives the deepest field that leads to it, or the environment's block.
func Place(m *model.Model, env, path string) diag.Pos {
	if ps := places(m, env, path); len(ps) > 0 {
		return ps[0]
	}
	return diag.Pos{}
}

// places are the model's lines that decide the value at path of env, best
// first (Place): the environment's, then the base's; the schema's only
// when neither writes it.
func places(m *model.Model, env, path string) []diag.Pos {
	if env == model.BaseName {
		env = ""
	}
	trees := TreesOf(m.Envs[env])
	if trees == nil {
		trees = TreesOf(m.Base)
	}
	var out []diag.Pos
	for _, p := range trees.lines(env, path) {
		out = append(out, toPos(p, m.Root))
	}
	return out
}

// lines is the locator on the trees' own positions: the lines that decide
// the value at path of env, best first, the schema's only when no model
// file writes it; the environment's block when nothing leads to path.
func (t *Trees) lines(env, path string) []token.Pos {
	if t == nil {
		return nil
	}
	if env == model.BaseName {
		env = ""
	}
	ps := t.deciding(env, path)
	if len(ps) == 0 {
		ps = t.Where(env, "")
	}
	var out []token.Pos
	for i, p := range ps {
		if i > 0 && InSchema(p) {
			break
		}
		out = append(out, p)
	}
	return out
}

// Line is the first of the locator's lines for the value at path of env
// (Place), as the CUE position an error list carries; NoPos when Load did
// not make env.
func Line(env *model.Environment, path string) token.Pos {
	if env == nil {
		return token.NoPos
	}
	if ps := TreesOf(env).lines(env.Name, path); len(ps) > 0 {
		return ps[0]
	}
	return token.NoPos
}

// PlaceAll fills the position of each diagnostic of ds that has a path and
// no position (Place), for the model m.
func PlaceAll(m *model.Model, ds []diag.Diagnostic) {
	for i, d := range ds {
		if !d.Pos.IsZero() || d.Path == "" {
			continue
		}
		env := ""
		if len(d.Envs) == 1 {
			env = d.Envs[0]
		}
		ds[i].Pos = Place(m, env, d.Path)
	}
}

// collect appends the model errors of err's tree, outermost first.
func collect(err error, found *[]*model.Error) {
	if me, ok := err.(*model.Error); ok {
		*found = append(*found, me)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			collect(e, found)
		}
	case interface{ Unwrap() error }:
		if e := u.Unwrap(); e != nil {
			collect(e, found)
		}
	}
}

// located is the located model errors, with the original error still
// reachable with errors.As.
type located struct {
	list  diag.List
	cause error
}

func (l *located) Error() string                  { return l.list.Error() }
func (l *located) Unwrap() error                  { return l.cause }
func (l *located) Diagnostics() []diag.Diagnostic { return l.list }

// Diagnoser is an error that is diagnostics: a located model error, a
// policy denial.
type Diagnoser interface {
	error
	Diagnostics() []diag.Diagnostic
}

// toPos is p as a diagnostic's position: relative to root ("./envs/a.cue"),
// a file of the schema module by its display name, a file outside root by
// its base name.
func toPos(p token.Pos, root string) diag.Pos {
	if !p.IsValid() {
		return diag.Pos{}
	}
	return diag.Pos{File: relFile(p, root), Line: p.Line(), Col: p.Column()}
}

func relFile(p token.Pos, root string) string {
	file := p.Filename()
	if rel, err := filepath.Rel(root, file); err == nil && filepath.IsLocal(rel) {
		return "./" + filepath.ToSlash(rel)
	}
	if InSchema(p) {
		return DisplayName(file)
	}
	if filepath.IsAbs(file) {
		return filepath.Base(file)
	}
	return file
}

// cuePath is a CUE error's path below the environment it names, in
// model.P syntax, with the environment: environments.prod.services.web
// is prod and services.web; #Base.x is the base and x.
func cuePath(path []string) (env, p string) {
	rest := path
	switch {
	case len(path) >= 2 && path[0] == model.PathEnvironments:
		env, rest = path[1], path[2:]
		if s, err := strconv.Unquote(env); err == nil && strings.HasPrefix(env, `"`) {
			env = s
		}
	case len(path) >= 1 && path[0] == model.PathBase:
		rest = path[1:]
	}
	var b strings.Builder
	for _, s := range rest {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return env, b.String()
}

// deciding is Where with the base first when it writes more of path than
// the environment's block does: an environment that sets services.old
// does not decide services.agent.kind, which the base writes.
func (t *Trees) deciding(env, path string) []token.Pos {
	ps := t.Where(env, path)
	sel, ok := splitPath(path)
	if !ok || len(ps) < 2 || env == "" || env == model.BaseName {
		return ps
	}
	t.mu.Lock()
	_, envDepth := t.depthIn(t.modelFiles(env), append([]string{model.PathEnvironments, env}, sel...))
	_, baseDepth := t.depthIn(t.modelFiles(""), append([]string{model.PathBase}, sel...))
	t.mu.Unlock()
	// The environment's path has one label more than the base's.
	if baseDepth > 0 && baseDepth+1 > envDepth && !InSchema(ps[1]) {
		ps[0], ps[1] = ps[1], ps[0]
	}
	return ps
}

// depthIn is the deepest match of path in files and its depth.
func (t *Trees) depthIn(files []*tree, path []string) (token.Pos, int) {
	best, bestDepth := token.NoPos, 0
	for _, tr := range files {
		if p, d := deepest(tr.file.Decls, path); d > bestDepth {
			best, bestDepth = p, d
		}
	}
	return best, bestDepth
}
