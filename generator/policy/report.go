package policy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/model"
)

// Violation is one finding of a rule (or of the leak check) in one
// environment.
type Violation struct {
	Env      string   `json:"env"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Path is the CUE path of the offending value inside the environment, or
	// the generated file for a leak.
	Path string `json:"path"`
	// Position is ./file:line:col relative to the module root; empty when the
	// value has no source position.
	Position string `json:"position"`
	// SrcFile, SrcLine and SrcCol are Position's parts, which order the
	// violations (a cached build keeps them).
	SrcFile         string `json:"-"`
	SrcLine, SrcCol int    `json:"-"`
	// Line and Col place a leak in its generated file.
	Line, Col int `json:"-"`
}

// Source is the diag.Diagnostic source of every violation.
const Source = "policy"

// Diagnostic is the violation as every problem is printed and
// acknowledged: source policy, the rule as its code, the service as its
// subject, a deny as an error. A leak's path is the generated file, which
// is its position.
func (v Violation) Diagnostic() diag.Diagnostic {
	d := diag.Diagnostic{Source: Source, Code: v.Rule, Subject: v.subject(), Path: v.Path,
		Severity: diag.Warning, Message: v.Message, Pos: diag.ParsePos(v.Position)}
	if v.Severity == Deny {
		d.Severity = diag.Error
	}
	if v.Line > 0 {
		d.Path = ""
	}
	if v.Env != "" {
		d.Envs = []string{v.Env}
	}
	return d
}

// String is the violation as degen prints it (Diagnostic().Text()).
func (v Violation) String() string { return v.Diagnostic().Text() }

// ID is what a model's acknowledge lists to accept a warning of the rule:
// policy/<rule>/<service> for a violation at a service's field,
// policy/<rule>/ for any other (Diagnostic().ID()).
func (v Violation) ID() string { return v.Diagnostic().ID() }

// subject is the service of a violation at a service's field, or the
// component of one at a component's (a rule over the output points at the
// chart that renders an object), or "".
func (v Violation) subject() string {
	for _, prefix := range []string{"services.", "components."} {
		if rest, ok := strings.CutPrefix(v.Path, prefix); ok {
			if p := cue.ParsePath(rest); p.Err() == nil && len(p.Selectors()) > 0 {
				return p.Selectors()[0].Unquoted()
			}
		}
	}
	return ""
}

// Diagnostics are the report's violations as diagnostics, in its order.
func (r *Report) Diagnostics() []diag.Diagnostic {
	ds := make([]diag.Diagnostic, len(r.Violations))
	for i, v := range r.Violations {
		ds[i] = v.Diagnostic()
	}
	return ds
}

// Report is the outcome of the policies (and the leak check) over a run.
type Report struct {
	// Violations are sorted by environment, rule and position.
	Violations []Violation `json:"violations"`
}

// Denied returns the violations that stop a build.
func (r *Report) Denied() []Violation { return r.filter(Deny) }

// Warnings returns the violations that are only printed.
func (r *Report) Warnings() []Violation { return r.filter(Warn) }

func (r *Report) filter(s Severity) []Violation {
	var out []Violation
	for _, v := range r.Violations {
		if v.Severity == s {
			out = append(out, v)
		}
	}
	return out
}

// Add appends violations and restores the report's order.
func (r *Report) Add(vs ...Violation) {
	r.Violations = append(r.Violations, vs...)
	sortViolations(r.Violations)
}

// JSON renders the report for CI: an object with a violations list, always
// present (empty when clean), indented, with a final newline.
func (r *Report) JSON() ([]byte, error) {
	out := struct {
		Violations []Violation `json:"violations"`
		Denied     int         `json:"denied"`
		Warnings   int         `json:"warnings"`
	}{Violations: r.Violations, Denied: len(r.Denied()), Warnings: len(r.Warnings())}
	if out.Violations == nil {
		out.Violations = []Violation{}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Err returns a *DeniedError when the report holds a deny, else nil.
func (r *Report) Err() error {
	if d := r.Denied(); len(d) > 0 {
		return &DeniedError{Report: r}
	}
	return nil
}

// DeniedError stops a build: at least one violation has severity deny.
type DeniedError struct {
	Report *Report
}

// Error lists the denials first, so that the first line names the place to
// fix, then the report's warnings (diag.Merge), then a summary.
func (e *DeniedError) Error() string {
	var b strings.Builder
	for _, d := range diag.Merge(e.Report.Diagnostics()) {
		b.WriteString(d.Text() + "\n")
	}
	b.WriteString(e.Summary())
	return b.String()
}

// Diagnostics are the report's violations as diagnostics, merged, and
// the summary as a note.
func (e *DeniedError) Diagnostics() []diag.Diagnostic {
	return append(diag.Merge(e.Report.Diagnostics()), diag.Diagnostic{Source: Source, Code: "denied", Severity: diag.Note, Message: e.Summary()})
}

// Summary is the line after the violations: how many deny, and what to do.
func (e *DeniedError) Summary() string {
	return fmt.Sprintf("%d policy violation(s) deny the build: fix them, or override the rule's severity for the stage in policies/ (overrides: \"RULE\": {STAGE: \"warn\"}), with a comment that says why", len(e.Report.Denied()))
}

// Run checks every loaded environment of m against the policies of its
// module, which ld loads, one after the other: the Runner a build uses,
// without the build.
func Run(m *model.Model, ld Loader) (*Report, error) {
	r := Start(m.Root, ld)
	for _, name := range m.EnvNames() {
		r.Check(m.Envs[name])
		r.CheckOutput(m.Envs[name], nil)
	}
	return r.Finish(m)
}

func sortViolations(vs []Violation) {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Env, b.Env), strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.SrcFile, b.SrcFile), cmp.Compare(a.SrcLine, b.SrcLine), cmp.Compare(a.SrcCol, b.SrcCol),
			strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col),
			strings.Compare(a.Message, b.Message))
	})
}
