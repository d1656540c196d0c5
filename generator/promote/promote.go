// Package promote carries chosen values of one environment into another as
// an edit of the target environment's own CUE file: image tags by default,
// or flags, replicas, resources or any field path. The edit is minimal,
// made on the file's syntax tree (comments kept, cue/format), and returned
// in memory with the rollout impact of the change, derived from the
// generated files before and after (package diff). Nothing is written
// here but by Write.
//
// A value is carried as the model expresses it: a field the target's file
// writes is changed there; one the base derives from a parameter
// (image: "app:\(P.appTag)") is carried by the parameter whose values in
// the two environments give the two values; any other is written into the
// target's file. The result must load, pass the policies and build, and
// change nothing the selection does not cover, or the promotion is
// refused.
package promote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue/parser"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/review"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/writer"
)

// Request is a promotion.
type Request struct {
	// Dir is the root of the model's CUE module.
	Dir string
	// From and To are the source and target environments.
	From, To string
	// Only is the selection: words of Kinds and field paths; nil is
	// images.
	Only []string
	// Targets are the targets the impact is computed with.
	Targets []target.Target
	// Place is where out/ lies (generator.PlaceOf).
	Place target.Place
	// Getenv looks up secret variables for the leak check of the
	// promoted build (generator.Options.Getenv).
	Getenv func(string) string
}

// Result is a promotion, computed and not written.
type Result struct {
	// File is the target's file, slash-separated relative to Dir.
	File string
	// Old and New are its content before and after; equal for a no-op.
	Old, New []byte
	// Selection names what was carried ("images").
	Selection string
	// Edits are the changes of File, by path.
	Edits []Edit
	// Also are the other fields of the target the edits change
	// ("path: old → new"), when every edit is of a field the selection
	// names (--only params.logLevel changes what the level decides).
	Also []string
	// Impact compares the target's files built from Old and from New.
	Impact *diff.Report
	// Warnings are the promoted build's (target.Warning).
	Warnings []target.Warning
}

// Noop reports whether the target already has the source's values.
func (r *Result) Noop() bool { return len(r.Edits) == 0 }

// Diff is the unified diff of File from Old to New, with its header.
func (r *Result) Diff() string {
	hunks := diff.Unified(string(r.Old), string(r.New))
	if hunks == "" {
		return ""
	}
	return fmt.Sprintf("--- %s\n+++ %s\n%s", r.File, r.File, hunks)
}

// UsageError is a request that names no valid promotion (exit 2): its
// message names the valid choices.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// RefusedError is a promotion refused: Reason says why in one line, Hint
// what to do; Cause, when set, is the failure of the promoted model (its
// load, policy or build error, with positions).
type RefusedError struct {
	Reason, Hint string
	Cause        error
}

func (e *RefusedError) Error() string {
	msg := "promotion refused: " + e.Reason
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Cause }

// Promote computes the promotion req asks for: the new content of the
// target's file, and the rollout impact of writing it.
func Promote(req Request) (*Result, error) {
	root, err := filepath.Abs(req.Dir)
	if err != nil {
		return nil, err
	}
	file, err := targetFile(root, req.From, req.To)
	if err != nil {
		return nil, err
	}
	m, err := load.Load(load.Options{Dir: root, Envs: []string{req.From, req.To}})
	if err != nil {
		return nil, err
	}
	src, tgt := plain(m.Envs[req.From]), plain(m.Envs[req.To])
	sel, err := parseSelection(req.Only, src, tgt)
	if err != nil {
		return nil, err
	}
	repo, err := load.OpenRepo(root)
	if err != nil {
		return nil, err
	}
	old, err := repo.ReadFile(file)
	repo.Close()
	if err != nil {
		return nil, err
	}
	res := &Result{File: file, Old: old, New: old, Selection: sel.String()}
	all := diffLeaves(tgt, src)
	var wanted []leaf
	for _, l := range all {
		if sel.has(l.Path) {
			wanted = append(wanted, l)
		}
	}
	if len(wanted) == 0 {
		return res, nil
	}
	f, err := parser.ParseFile(filepath.Join(root, filepath.FromSlash(file)), old, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	edits, err := plan(f, req.To, wanted, all)
	if err != nil {
		return nil, err
	}
	res.Edits = edits
	if res.New, err = Apply(filepath.Join(root, filepath.FromSlash(file)), old, req.To, edits); err != nil {
		return nil, err
	}
	if err := res.build(req, root, sel, src); err != nil {
		return nil, err
	}
	return res, nil
}

// build builds the target from the file as it is and as promoted,
// refuses a promoted model that fails or changes more than the
// selection, and computes the impact.
func (r *Result) build(req Request, root string, sel selection, src any) error {
	opts := generator.Options{Dir: root, Envs: []string{req.To}, Targets: req.Targets, Place: req.Place}
	oldM, oldRes, err := generator.Build(opts)
	if err != nil {
		return &RefusedError{Reason: fmt.Sprintf("environment %s does not build as it is", req.To), Hint: "fix it first: degen build --env " + req.To, Cause: err}
	}
	opts.Overlay = map[string][]byte{r.File: r.New}
	opts.Policies, opts.Getenv = true, req.Getenv
	newM, newRes, err := generator.Build(opts)
	var denied *policy.DeniedError
	switch {
	case errors.As(err, &denied):
		return &RefusedError{Reason: fmt.Sprintf("%s as promoted breaks a policy", req.To), Hint: "the denials below; promote less with --only, or change " + req.From + " first", Cause: err}
	case err != nil:
		return &RefusedError{Reason: fmt.Sprintf("%s as promoted does not build", req.To), Hint: "the errors below are at the lines of the promoted " + r.File + "; promote less with --only, or change " + req.From + " first", Cause: err}
	}
	if err := r.verify(req, sel, src, plain(oldM.Envs[req.To]), plain(newM.Envs[req.To])); err != nil {
		return err
	}
	env := diff.Env{Name: req.To, Namespace: newM.Envs[req.To].Namespace}
	r.Impact, err = diff.Compare(review.EnvFiles(oldRes, req.To), review.EnvFiles(newRes, req.To), diff.Options{
		OldName: req.To + " now", NewName: req.To + " promoted",
		Owners: func(string) []string { return []string{req.To} },
		Envs:   []diff.Env{env},
	})
	r.Warnings = newRes.Warnings
	return err
}

// verify checks the promoted target (before and after, plain values):
// every selected field now equal to the source's (src), and nothing else
// changed unless the edits are all fields the selection names itself, when
// what they decide is what was asked for (Also lists it). A parameter
// promote chose to carry a selected field must decide nothing else.
func (r *Result) verify(req Request, sel selection, src, before, after any) error {
	edited := map[string]bool{}
	chosen := false // an edit of a field the selection does not name
	for _, e := range r.Edits {
		edited[e.Name()] = true
		chosen = chosen || !sel.has(e.Path)
	}
	for _, l := range diffLeaves(after, src) {
		if sel.has(l.Path) {
			return &RefusedError{
				Reason: fmt.Sprintf("the edits %s leave %s %s in %s, not %s's %s", names(r.Edits), model.P(toAny(l.Path)...), show(l.Old, l.OldMissing), req.To, req.From, show(l.New, l.NewMissing)),
				Hint:   "the model derives it from something else: promote it with --only naming that field, or edit " + r.File + " by hand",
			}
		}
	}
	covered := func(p []string) bool {
		for i := len(p); i > 0; i-- {
			if edited[model.P(toAny(p[:i])...)] {
				return true
			}
		}
		return sel.has(p)
	}
	var extra []string
	for _, l := range diffLeaves(before, after) {
		if !covered(l.Path) {
			extra = append(extra, fmt.Sprintf("%s: %s → %s", model.P(toAny(l.Path)...), show(l.Old, l.OldMissing), show(l.New, l.NewMissing)))
		}
	}
	if !chosen {
		r.Also = extra
		return nil
	}
	if len(extra) > 0 {
		more := ""
		if len(extra) > 3 {
			more = fmt.Sprintf(" and %d more", len(extra)-3)
			extra = extra[:3]
		}
		return &RefusedError{
			Reason: fmt.Sprintf("promoting %s from %s would also change %s%s in %s, which the selection does not cover", r.Selection, req.From, strings.Join(extra, "; "), more, req.To),
			Hint:   names(r.Edits) + " also decide(s) them: add them to --only, or edit " + r.File + " by hand",
		}
	}
	return nil
}

// Write writes the promoted file into the model at dir, atomically and
// through an os.Root on dir (writer.ReplaceFiles: a temporary renamed
// over it), after checking that the file is still as read.
func Write(dir string, r *Result) error {
	if r.Noop() {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	now, err := root.ReadFile(filepath.FromSlash(r.File))
	if err != nil {
		return err
	}
	if !bytes.Equal(now, r.Old) {
		return fmt.Errorf("%s changed while degen promote ran: nothing written, run it again", r.File)
	}
	return writer.ReplaceFiles(root, map[string][]byte{r.File: r.New})
}

// targetFile is the file of the target environment that a promotion
// edits: its own file (@if(to)), envs/TO.cue when it has several. It
// checks the request's environments first.
func targetFile(root, from, to string) (string, error) {
	names := load.EnvNames(root)
	for _, e := range []string{from, to} {
		if !slices.Contains(names, e) {
			return "", &UsageError{Msg: fmt.Sprintf("unknown environment %q: the model defines %s", e, strings.Join(names, ", "))}
		}
	}
	if from == to {
		return "", &UsageError{Msg: fmt.Sprintf("--from and --to both name %s: promote between two environments, e.g. --from %s --to %s", from, from, other(names, from))}
	}
	plan, err := load.Scan(root)
	if err != nil {
		return "", err
	}
	files := plan.Tagged[to]
	if len(files) == 0 {
		return "", &UsageError{Msg: fmt.Sprintf("environment %s has no file of its own (a file of envs/ with @if(%s)) for a promotion to edit: promote to one of %s, or move %s into a file of its own", to, model.EnvTag(to), strings.Join(plan.Names(), ", "), to)}
	}
	own := path.Join(path.Clean(model.EnvsPackage), to+".cue")
	if slices.Contains(files, own) {
		return own, nil
	}
	return files[0], nil
}

// other is a name of names that is not name, for an example.
func other(names []string, name string) string {
	for _, n := range names {
		if n != name {
			return n
		}
	}
	return name
}

// plain is an environment as maps, lists and scalars (its JSON).
func plain(env *model.Environment) any {
	data, err := json.Marshal(env)
	if err != nil {
		return nil
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	return v
}

// show is a plain value for a message.
func show(v any, missing bool) string {
	if missing {
		return "(none)"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func names(edits []Edit) string {
	var out []string
	for _, e := range edits {
		out = append(out, e.Name())
	}
	return strings.Join(out, ", ")
}
