package policy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"

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

// String renders the violation as degen prints it:
//
//	./envs/prod.cue:12:3: [deny] prod/images-pinned: message
func (v Violation) String() string {
	s := fmt.Sprintf("[%s] %s/%s: %s", v.Severity, v.Env, v.Rule, v.Message)
	if v.Position != "" {
		s = v.Position + ": " + s
	}
	if v.Severity == Warn {
		s += " [" + v.ID() + "]"
	}
	return s
}

// ID is what a model's acknowledge lists to accept a warning of the rule:
// policy/<rule>/<service> for a violation at a service's field,
// policy/<rule>/ for any other.
func (v Violation) ID() string {
	subject := ""
	if rest, ok := strings.CutPrefix(v.Path, "services."); ok {
		if p := cue.ParsePath(rest); p.Err() == nil && len(p.Selectors()) > 0 {
			subject = p.Selectors()[0].Unquoted()
		}
	}
	return "policy/" + v.Rule + "/" + subject
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
// fix, then the report's warnings, then a summary.
func (e *DeniedError) Error() string {
	var b strings.Builder
	d := e.Report.Denied()
	for _, v := range d {
		b.WriteString(v.String() + "\n")
	}
	for _, v := range e.Report.Warnings() {
		b.WriteString(v.String() + "\n")
	}
	fmt.Fprintf(&b, "%d policy violation(s) deny the build: fix them, or override the rule's severity for the stage in policies/ (overrides: \"RULE\": {STAGE: \"warn\"}), with a comment that says why", len(d))
	return b.String()
}

// Run checks every loaded environment of m against the policies of its
// module, one after the other: the Runner a build uses, without the build.
func Run(m *model.Model) (*Report, error) {
	r := Start(m.Root)
	for _, name := range m.EnvNames() {
		r.Check(m.Envs[name])
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
