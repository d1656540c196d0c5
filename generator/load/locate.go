package load

import (
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
)

// Locate is the one place where the model paths of errors become file
// positions. Every *model.Error in err's tree (wrapped with %w or joined
// with errors.Join) gets the position of the line that decided the value at
// its path, the way degen explain finds it: the model's own file before the
// schema. The text of the wrappers around a single model error is kept
// before its message, so context added with %w survives into the printed
// line. An err without model errors is returned as it is.
func Locate(m *model.Model, err error) error {
	if err == nil || m == nil {
		return err
	}
	var found []*model.Error
	collect(err, &found)
	if len(found) == 0 {
		return err
	}
	var list cueerrors.Error
	for _, me := range found {
		prefix := ""
		if len(found) == 1 {
			prefix = strings.TrimSuffix(err.Error(), me.Error())
		}
		list = cueerrors.Append(list, locate(m, me, prefix))
	}
	ll := &locatedList{list: list, cause: err, trees: TreesOf(m.Base)}
	for _, env := range m.Envs {
		if ll.trees == nil {
			ll.trees = TreesOf(env)
		}
	}
	return ll
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

// locatedList is the located errors, with the original error still
// reachable with errors.As.
type locatedList struct {
	list  cueerrors.Error
	cause error
	// trees are the Load's, for Format.
	trees *Trees
}

func (l *locatedList) keptTrees() *Trees { return l.trees }

func (l *locatedList) Error() string               { return l.list.Error() }
func (l *locatedList) Unwrap() error               { return l.cause }
func (l *locatedList) Position() token.Pos         { return l.list.Position() }
func (l *locatedList) InputPositions() []token.Pos { return l.list.InputPositions() }
func (l *locatedList) Path() []string              { return l.list.Path() }
func (l *locatedList) Msg() (string, []any)        { return l.list.Msg() }

// located is one model error with its position, as a CUE error, so that
// Format ranks and prints it like the loader's own.
type located struct {
	pos  token.Pos
	path []string
	msg  string
}

func (e *located) Position() token.Pos         { return e.pos }
func (e *located) InputPositions() []token.Pos { return nil }
func (e *located) Error() string               { return strings.Join(e.path, ".") + ": " + e.msg }
func (e *located) Path() []string              { return e.path }
func (e *located) Msg() (string, []any)        { return "%s", []any{e.msg} }

func locate(m *model.Model, me *model.Error, prefix string) *located {
	path := []string{model.PathEnvironments, me.Env}
	env := m.Envs[me.Env]
	if me.Env == model.BaseName || env == nil {
		path, env = []string{model.PathBase}, m.Base
	}
	var sel []cue.Selector
	if me.Path != "" {
		p := cue.ParsePath(me.Path)
		if p.Err() == nil {
			sel = p.Selectors()
		}
	}
	for _, s := range sel {
		path = append(path, s.String())
	}
	var pos token.Pos
	if env != nil {
		pos = PosOf(env, sel...)
	}
	msg := me.Err.Error()
	if prefix != "" {
		msg = strings.TrimSuffix(prefix, ": ") + ": " + msg
	}
	return &located{pos: pos, path: path, msg: msg}
}
