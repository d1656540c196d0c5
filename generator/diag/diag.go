// Package diag is the one shape of every problem degen reports about a
// model, its policies, its Compose files or its command line, and the one
// printer of it.
//
// Producers (the loader's schema and CUE errors, the validator, the
// policies, the targets, the importer, the CLI) emit Diagnostic values with
// a model path and no position. One locator fills Pos after the producers
// finish; Merge folds the same problem found in several environments into
// one value naming them all; Text and JSON print them. Nothing else formats
// a problem.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/degen-dev/degen/generator/textesc"
)

// Severity says what a diagnostic does to the command.
type Severity string

const (
	// Error stops the command: exit 1, out/ unchanged.
	Error Severity = "error"
	// Warning is printed; a model acknowledges it by ID.
	Warning Severity = "warning"
	// Note is context that is neither: what import did, a no-op.
	Note Severity = "note"
)

// Pos is a place in a file of the model: File is slash-separated and
// relative to the model's root, starting with "./" ("./envs/prod.cue"), or
// a generated file under out/ ("out/compose/prod/compose.yaml"). Line and
// Col count from 1; zero means unknown.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// IsZero reports whether p names no file.
func (p Pos) IsZero() bool { return p.File == "" }

// String is file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// ParsePos reads a position as String writes it (file, file:line or
// file:line:col); the empty string is the zero Pos.
func ParsePos(s string) Pos {
	p := Pos{File: s}
	var nums []int
	for range 2 {
		i := strings.LastIndexByte(p.File, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(p.File[i+1:])
		if err != nil || n < 1 {
			break
		}
		nums = append([]int{n}, nums...)
		p.File = p.File[:i]
	}
	if len(nums) > 0 {
		p.Line = nums[0]
	}
	if len(nums) > 1 {
		p.Col = nums[1]
	}
	return p
}

// Compare orders positions by file, line and column.
func (p Pos) Compare(q Pos) int {
	return cmp.Or(strings.Compare(p.File, q.File), cmp.Compare(p.Line, q.Line), cmp.Compare(p.Col, q.Col))
}

// Diagnostic is one problem.
type Diagnostic struct {
	// Envs are the environments it was found in, sorted; empty for a
	// problem of no environment (the command line, an import, a policy
	// file).
	Envs []string `json:"envs,omitempty"`
	// Source is who found it: "schema" (the CUE evaluation against the
	// schema), "model" (degen's validator), "policy", a target's name
	// ("compose", "kubernetes"), "import" or "cli".
	Source string `json:"source"`
	// Code names the kind of problem, a DNS label ("image-not-pinned",
	// "field-not-allowed"); for a policy it is the rule's name.
	Code string `json:"code"`
	// Subject is the service, object or file it is about ("" for the whole
	// environment); with Source and Code it makes the ID.
	Subject string `json:"subject,omitempty"`
	// Path is the model path below the environment in CUE syntax, as
	// model.P builds it (services.web.image); the locator turns it into Pos.
	// For an import it is the Compose path.
	Path     string   `json:"path,omitempty"`
	Severity Severity `json:"severity"`
	// Message says what is wrong, in one sentence: no position, no
	// environment, no CUE or Go internals.
	Message string `json:"message"`
	// Hint says what to do about it, with an example where one helps.
	Hint string `json:"hint,omitempty"`
	// Pos is the user's line that decided the value: the environment's file
	// before the base, the base before the schema.
	Pos Pos `json:"pos,omitzero"`
	// Also are other lines that take part (the base's value an environment
	// conflicts with, the schema's constraint).
	Also []Pos `json:"also,omitempty"`
	// Milder are the environments where the same problem was found with a
	// lower severity (a policy that denies in prod and warns in local),
	// sorted; Merge fills it, so that the problem is one line.
	Milder []Milder `json:"milder,omitempty"`
}

// Milder is the same problem found with a lower severity in some
// environments.
type Milder struct {
	Severity Severity `json:"severity"`
	Envs     []string `json:"envs"`
}

// ID is what a model's acknowledge list names to accept a warning:
// source/code/subject, e.g. compose/ingress-not-carried/grafana or
// policy/images-pinned/web.
func (d Diagnostic) ID() string { return d.Source + "/" + d.Code + "/" + d.Subject }

// showsID reports whether Text ends with the ID: a warning's, which the
// model acknowledges by it, and a policy's error, whose rule (the code) is
// what policies/ overrides.
func (d Diagnostic) showsID() bool {
	return d.Code != "" && (d.Severity == Warning || d.Severity == Error && d.Source == "policy")
}

// verdict is a policy's word for the severity, as policies/ overrides
// name it.
func (d Diagnostic) verdict() string { return verdict(d.Severity) }

func verdict(s Severity) string {
	if s == Error {
		return "deny"
	}
	return "warn"
}

// key is what makes two diagnostics the same problem, whatever environment
// found it and with whatever severity.
func (d Diagnostic) key() string {
	return strings.Join([]string{d.Source, d.Code, d.Subject, d.Path, d.Message, d.Hint, d.Pos.String()}, "\x00")
}

// word is how Text names a severity among the other environments: a
// policy's verdict (warn, deny) as policies/ writes it, else the severity.
func (d Diagnostic) word(s Severity) string {
	if d.Source == "policy" && d.Code != "" {
		return verdict(s)
	}
	return string(s)
}

// milder is the parenthesis of the environments with a lower severity:
// "warn in local; note in dev".
func (d Diagnostic) milder() string {
	parts := make([]string, len(d.Milder))
	for i, m := range d.Milder {
		parts[i] = d.word(m.Severity) + " in " + strings.Join(m.Envs, ", ")
	}
	return strings.Join(parts, "; ")
}

// Text is the diagnostic as degen prints it: one line (escaped) with what
// is wrong and what to do, then its other positions on indented lines:
//
//	./envs/prod.cue:12:3: error: schema (prod, staging): services.web.image: "redis" is not a pinned image reference: give a tag or a digest, e.g. image: "redis:7.4.1"
//	./envs/stack.cue:14:3: error: [deny] prod/resources-set: services.web.resources: service web sets no cpu limits: add resources: limits: cpu (also staging; warn in local) [policy/resources-set/web]
func (d Diagnostic) Text() string {
	var b strings.Builder
	if !d.Pos.IsZero() {
		b.WriteString(textesc.Line(d.Pos.String()) + ": ")
	}
	staged := d.Source == "policy" && d.Code != "" && len(d.Envs) > 0
	if staged {
		// A policy's verdict at an environment's stage reads as the
		// policies/ file is written: [deny] prod/resources-set. The
		// other environments it was found in follow the hint.
		b.WriteString(string(d.Severity) + ": [" + d.verdict() + "] " + textesc.Line(d.Envs[0]+"/"+d.Code) + ": ")
	} else {
		b.WriteString(string(d.Severity) + ": " + textesc.Line(d.Source))
		var envs []string
		if len(d.Envs) > 0 {
			envs = append(envs, strings.Join(d.Envs, ", "))
		}
		if len(d.Milder) > 0 {
			envs = append(envs, d.milder())
		}
		if len(envs) > 0 {
			b.WriteString(" (" + textesc.Line(strings.Join(envs, "; ")) + ")")
		}
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(textesc.Line(d.Path) + ": ")
	} else if d.Subject != "" {
		b.WriteString(textesc.Line(d.Subject) + ": ")
	}
	b.WriteString(textesc.Line(d.Message))
	// The hint is on the first line: what to do is read with what is
	// wrong (and a tool that keeps the first line keeps both).
	if d.Hint != "" {
		b.WriteString(": " + textesc.Line(d.Hint))
	}
	if staged {
		var rest []string
		if len(d.Envs) > 1 {
			rest = append(rest, "also "+strings.Join(d.Envs[1:], ", "))
		}
		if len(d.Milder) > 0 {
			rest = append(rest, d.milder())
		}
		if len(rest) > 0 {
			b.WriteString(" (" + textesc.Line(strings.Join(rest, "; ")) + ")")
		}
	}
	if d.showsID() {
		b.WriteString(" [" + textesc.Line(d.ID()) + "]")
	}
	for _, p := range d.Also {
		b.WriteString("\n    also: " + textesc.Line(p.String()))
	}
	return b.String()
}

// Merge folds diagnostics that differ only in their environments and
// severities into one naming them all: it has the highest severity found,
// Envs are the environments found with it and Milder the others. The
// result is sorted (Sort); the input is not changed.
func Merge(ds []Diagnostic) []Diagnostic {
	var out []Diagnostic
	var found []map[Severity][]string
	at := map[string]int{}
	for _, d := range ds {
		k := d.key()
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			d.Also = slices.Clone(d.Also)
			out = append(out, d)
			found = append(found, map[Severity][]string{})
		} else if rank(d.Severity) < rank(out[i].Severity) {
			out[i].Severity = d.Severity
		}
		found[i][d.Severity] = append(found[i][d.Severity], d.Envs...)
		for _, m := range d.Milder {
			found[i][m.Severity] = append(found[i][m.Severity], m.Envs...)
		}
	}
	for i := range out {
		out[i].Envs, out[i].Milder = nil, nil
		for _, s := range []Severity{Error, Warning, Note} {
			envs := found[i][s]
			slices.Sort(envs)
			envs = slices.Compact(envs)
			// An environment is named once, with its highest severity.
			envs = slices.DeleteFunc(envs, func(e string) bool {
				return slices.Contains(out[i].Envs, e) || slices.ContainsFunc(out[i].Milder, func(m Milder) bool { return slices.Contains(m.Envs, e) })
			})
			switch {
			case s == out[i].Severity:
				out[i].Envs = envs
			case rank(s) > rank(out[i].Severity) && len(envs) > 0:
				out[i].Milder = append(out[i].Milder, Milder{Severity: s, Envs: envs})
			}
		}
	}
	Sort(out)
	return out
}

// Sort orders diagnostics as they are printed: errors first, then by
// position (diagnostics without one last), source, code, subject, path and
// message.
func Sort(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(rank(a.Severity), rank(b.Severity)),
			cmp.Compare(boolRank(a.Pos.IsZero()), boolRank(b.Pos.IsZero())),
			a.Pos.Compare(b.Pos),
			strings.Compare(a.Source, b.Source), strings.Compare(a.Code, b.Code),
			strings.Compare(a.Subject, b.Subject), strings.Compare(a.Path, b.Path),
			strings.Compare(a.Message, b.Message))
	})
}

func rank(s Severity) int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// List is diagnostics as an error: a command that fails returns one, and
// the printer prints each of its diagnostics.
type List []Diagnostic

// Error is the diagnostics' Text, one after the other.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, d := range l {
		lines[i] = d.Text()
	}
	return strings.Join(lines, "\n")
}

// Diagnostics are l's diagnostics: a List is what load.Diagnostics and
// the printer take apart.
func (l List) Diagnostics() []Diagnostic { return l }

// HasErrors reports whether any diagnostic of l has severity Error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errorf is an error diagnostic with a formatted message, for producers
// that build one in a line.
func Errorf(source, code, path, format string, args ...any) Diagnostic {
	return Diagnostic{Source: source, Code: code, Path: path, Severity: Error, Message: fmt.Sprintf(format, args...)}
}
