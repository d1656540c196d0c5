package load

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
)

// Format renders err for a person, one problem per line, sorted and without
// duplicates:
//
//	./envs/prod.cue:12:3: environments.prod.services."graphql-api".replicas: conflicting values "three" and int
//	    also ./schema/schema.cue:142:13
//
// Positions are relative to root. An error that is not a CUE error prints
// as is.
func Format(err error, root string) string {
	var cerr cueerrors.Error
	if !errors.As(err, &cerr) {
		return err.Error() + "\n"
	}
	var b strings.Builder
	for _, e := range cueerrors.Errors(cueerrors.Sanitize(cerr)) {
		positions := modelFirst(cueerrors.Positions(e))
		msg, args := e.Msg()
		text := fmt.Sprintf(msg, args...)
		if p := e.Path(); len(p) > 0 {
			text = strings.Join(p, ".") + ": " + text
		}
		if len(positions) == 0 {
			b.WriteString(text + "\n")
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", relPos(positions[0], root), text)
		for _, p := range positions[1:] {
			fmt.Fprintf(&b, "    also %s\n", relPos(p, root))
		}
	}
	return b.String()
}

// relPos prints a position as ./file:line:col relative to root.
func relPos(p token.Pos, root string) string {
	file := p.Filename()
	if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
		file = "./" + filepath.ToSlash(rel)
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line(), p.Column())
}

// modelFirst orders positions so that those in the model's own files come
// before those in schema/: the author's value is what to fix.
func modelFirst(ps []token.Pos) []token.Pos {
	out := make([]token.Pos, 0, len(ps))
	for _, p := range ps {
		if !model.InSchema(p) {
			out = append(out, p)
		}
	}
	for _, p := range ps {
		if model.InSchema(p) {
			out = append(out, p)
		}
	}
	return out
}
