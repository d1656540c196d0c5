package explain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/textesc"
)

// OutRef names a line of a generated file: out/FILE, out/FILE:LINE or
// out/FILE#FIELD, with FILE relative to out/.
type OutRef struct {
	File string
	// Line is the line number, from 1; 0 when Field names the node or
	// when the whole file is meant.
	Line int
	// Field is the key path of the node (spec.replicas), prefixed with
	// its object (Deployment/web.spec.replicas) in a file of several.
	Field string
}

// ParseOutRef splits FILE[:LINE|#FIELD], FILE relative to out/.
func ParseOutRef(s string) (OutRef, error) {
	if file, field, ok := strings.Cut(s, "#"); ok {
		if field == "" {
			return OutRef{}, fmt.Errorf("%s: name a field after #, e.g. #spec.replicas", s)
		}
		return OutRef{File: file, Field: field}, nil
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		n, err := strconv.Atoi(s[i+1:])
		if err != nil || n < 1 {
			return OutRef{}, fmt.Errorf("%s: %q is not a line number (write FILE:LINE with LINE from 1)", s, s[i+1:])
		}
		return OutRef{File: s[:i], Line: n}, nil
	}
	return OutRef{File: s}, nil
}

// OutExplanation is what decided one line of a generated file.
type OutExplanation struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Object string `json:"object,omitempty"`
	Field  string `json:"field"`
	// Target is the target that wrote the file.
	Target string `json:"target"`
	// Env is the environment explained: the one that wrote the file, or
	// the base model for a file shared by environments.
	Env string `json:"env"`
	// Path is the model path that decided the line; empty for a Fixed
	// line.
	Path string `json:"path,omitempty"`
	// Default marks a line degen writes by its own defaults for the model
	// entry at Path: no field of the entry decides it.
	Default bool `json:"default,omitempty"`
	// Fixed is the kind of a line that holds no value (a comment, a
	// document separator, a line of brackets): degen's fixed output, which
	// no model field decides. It has no Path nor Explanation.
	Fixed       string       `json:"fixed,omitempty"`
	Explanation *Explanation `json:"explanation,omitempty"`
}

// OutError is a line degen cannot explain, with what it can explain
// instead: the nearest lines it can, or the file's objects.
type OutError struct {
	Msg  string
	Hint string
}

func (e *OutError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + "\n  " + e.Hint
}

// Out explains a line of a file of out/. data is the file as it is under
// out/ and envs the environments the out/ index says wrote it. The file's
// target is found by running the targets for the first of envs (a target
// that cannot say where its lines come from is an *OutError); the line is
// found by parsing data (Lines) and mapped to a model path by the target's
// Origin, which is then explained in the environment, or in the base
// model for a shared file. A file degen would no longer write the same
// way is an error: the lines would not be the model's.
func Out(m *model.Model, targets []target.Target, place target.Place, ref OutRef, data []byte, envs []string) (*OutExplanation, error) {
	if len(envs) == 0 {
		return nil, &OutError{Msg: fmt.Sprintf("out/%s: no environment wrote it", ref.File)}
	}
	env, ok := m.Envs[envs[0]]
	if !ok {
		return nil, fmt.Errorf("environment %s was not loaded", envs[0])
	}
	t, file, files, err := writer(env, m.Base, targets, place, ref.File)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(file.Data, data) {
		return nil, fmt.Errorf("out/%s is not what degen writes for the model now: run degen build, then explain it", ref.File)
	}
	explained := env
	if file.Shared {
		explained = m.Base
	}
	originOf, err := attributor(t, explained, files)
	if err != nil {
		return nil, &OutError{Msg: fmt.Sprintf("out/%s: %v", ref.File, err)}
	}
	lines, err := Lines(ref.File, data)
	if err != nil {
		return nil, err
	}
	if kind, ok := fixedAt(data, lines, ref.Line); ok {
		return &OutExplanation{File: ref.File, Line: ref.Line, Target: t.Name(), Env: explained.Name, Fixed: kind}, nil
	}
	l, err := pick(ref, lines, originOf, countLines(data))
	if err != nil {
		return nil, err
	}
	at, ok := originOf(l)
	path := at.Path
	if !ok {
		return nil, &OutError{
			Msg:  fmt.Sprintf("out/%s:%d (%s) is written by target %s, but no model field decides it", ref.File, l.Number, qualified(l), t.Name()),
			Hint: nearest(ref.File, lines, originOf, l.Number),
		}
	}
	x, path, shortened, err := explainOwned(m, explained, path)
	if err != nil {
		return nil, &OutError{
			Msg:  fmt.Sprintf("out/%s:%d (%s) maps to the model field %s, which the environment does not have: %v", ref.File, l.Number, qualified(l), path, err),
			Hint: nearest(ref.File, lines, originOf, l.Number),
		}
	}
	return &OutExplanation{File: ref.File, Line: l.Number, Object: l.Object, Field: l.Field(), Target: t.Name(), Env: x.Env, Path: path, Default: at.Default || shortened, Explanation: x}, nil
}

// explainOwned explains the field at path or, when the environment does
// not have it (the model leaves the field to degen's default), the
// nearest entry above it that it has: the path explained and whether it
// is shorter than path.
func explainOwned(m *model.Model, e *model.Environment, path string) (*Explanation, string, bool, error) {
	x, err := explainIn(m, e, path)
	if err == nil {
		return x, path, false, nil
	}
	p, perr := ParsePath(path)
	if perr != nil {
		return nil, path, false, err
	}
	sels := p.Selectors()
	for n := len(sels) - 1; n >= 1; n-- {
		up := cue.MakePath(sels[:n]...).String()
		if x, uerr := explainIn(m, e, up); uerr == nil {
			return x, up, true, nil
		}
	}
	return nil, path, false, err
}

// fixedAt is the kind of line n of data (fixedLine) when it holds no
// node of lines.
func fixedAt(data []byte, lines []target.Line, n int) (string, bool) {
	text := strings.Split(string(data), "\n")
	if n < 1 || n > len(text) || slices.ContainsFunc(lines, func(l target.Line) bool { return l.Number == n }) {
		return "", false
	}
	return fixedLine(text[n-1])
}

// originOf attributes a line of a generated file (target.Origin).
type originOf func(target.Line) (target.Attribution, bool)

// attributor is the Origin of target t for the files it wrote for env.
func attributor(t target.Target, env *model.Environment, files map[string][]byte) (originOf, error) {
	origin, ok := t.(target.Origin)
	if !ok {
		return nil, fmt.Errorf("target %s cannot say where its lines come from", t.Name())
	}
	return func(l target.Line) (at target.Attribution, ok bool) {
		// A target's mistake is a line it cannot explain, not a crash.
		defer func() {
			if recover() != nil {
				at, ok = target.Attribution{}, false
			}
		}()
		l.Files = files
		return origin.Origin(env, l)
	}, nil
}

// writer runs the targets env lists until one writes file; it returns
// the target, the file and every file the target wrote.
func writer(env, base *model.Environment, targets []target.Target, place target.Place, file string) (target.Target, target.File, map[string][]byte, error) {
	for _, t := range targets {
		if !env.Has(t.Name()) {
			continue
		}
		// The target that runs is the build's; the one that says where
		// its lines come from is the registered one.
		out, err := target.ForBuild([]target.Target{t})[0].Generate(target.Input{Env: env, Base: base, Place: place})
		if err != nil {
			return nil, target.File{}, nil, fmt.Errorf("target %s, environment %s: %w", t.Name(), env.Name, err)
		}
		files := map[string][]byte{}
		for _, f := range out.Files {
			files[f.Path] = f.Data
		}
		for _, f := range out.Files {
			if f.Path == file {
				return t, f, files, nil
			}
		}
	}
	return nil, target.File{}, nil, &OutError{Msg: fmt.Sprintf("out/%s: no target writes it for environment %s any more", file, env.Name), Hint: "run degen build to remove it"}
}

// pick returns the line ref names: by number, by field, or the first line
// a model field decides when ref names the file only.
func pick(ref OutRef, lines []target.Line, originOf originOf, total int) (target.Line, error) {
	switch {
	case ref.Field != "":
		var fields []string
		for _, l := range lines {
			if l.Field() == ref.Field || qualified(l) == ref.Field {
				return l, nil
			}
			if _, ok := originOf(l); ok {
				fields = append(fields, qualified(l))
			}
		}
		hint := "it has no field a model field decides"
		if len(fields) > 0 {
			hint = "fields it can explain: " + strings.Join(firstN(fields, 8), ", ")
		}
		return target.Line{}, &OutError{Msg: fmt.Sprintf("out/%s has no field %s", ref.File, ref.Field), Hint: hint}
	case ref.Line > total:
		return target.Line{}, &OutError{Msg: fmt.Sprintf("out/%s has %d lines, not %d", ref.File, total, ref.Line), Hint: nearest(ref.File, lines, originOf, total)}
	case ref.Line > 0:
		for _, l := range lines {
			if l.Number == ref.Line {
				return l, nil
			}
		}
		return target.Line{}, &OutError{Msg: fmt.Sprintf("out/%s:%d is a blank line", ref.File, ref.Line), Hint: nearest(ref.File, lines, originOf, ref.Line)}
	}
	for _, l := range lines {
		if _, ok := originOf(l); ok {
			return l, nil
		}
	}
	return target.Line{}, &OutError{Msg: fmt.Sprintf("out/%s: no line of it comes from a model field", ref.File)}
}

// nearest names the explainable lines closest to n, a few on each side.
func nearest(file string, lines []target.Line, originOf originOf, n int) string {
	var ok []target.Line
	for _, l := range lines {
		if _, yes := originOf(l); yes {
			ok = append(ok, l)
		}
	}
	if len(ok) == 0 {
		return "no line of it comes from a model field"
	}
	slices.SortStableFunc(ok, func(a, b target.Line) int { return abs(a.Number-n) - abs(b.Number-n) })
	ok = firstN(ok, 4)
	slices.SortFunc(ok, func(a, b target.Line) int { return a.Number - b.Number })
	var names []string
	for _, l := range ok {
		names = append(names, fmt.Sprintf("out/%s:%d (%s)", file, l.Number, qualified(l)))
	}
	return "nearest lines it can explain: " + strings.Join(names, ", ")
}

func abs(n int) int { return max(n, -n) }

func firstN[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// qualified is the line's field prefixed with its object, if any.
func qualified(l target.Line) string {
	if l.Object == "" {
		return l.Field()
	}
	return l.Object + "." + l.Field()
}

func countLines(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// WriteText prints where the line comes from, then the explanation of the
// model field.
func (o *OutExplanation) WriteText(w io.Writer) error {
	field := o.Field
	if o.Object != "" {
		field = o.Object + "." + field
	}
	if o.Fixed != "" {
		_, err := fmt.Fprintf(w, "out/%s:%d is degen's fixed output (%s), written by target %s: no model field decides it\n",
			textesc.Line(o.File), o.Line, o.Fixed, textesc.Line(o.Target))
		return err
	}
	from := "comes from the model field"
	if o.Default {
		from = "is degen's default for"
	}
	if _, err := fmt.Fprintf(w, "out/%s:%d %s, written by target %s, %s %s\n",
		textesc.Line(o.File), o.Line, textesc.Line(field), textesc.Line(o.Target), from, textesc.Line(o.Path)); err != nil {
		return err
	}
	return o.Explanation.WriteText(w)
}

// JSON is the explanation as indented JSON, escaped.
func (o *OutExplanation) JSON() (string, error) {
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return "", err
	}
	return textesc.JSON(string(data)), nil
}
