package diff

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/textesc"
)

// MarkdownLimit is the largest Markdown report: GitHub refuses comments
// longer than 65,536 characters, and the PR workflow adds a marker line.
const MarkdownLimit = 65000

// valueLimit caps one rendered value in Markdown, so a changed ConfigMap
// does not take the whole comment.
const valueLimit = 300

// ANSI colours for the text format.
const (
	colRed    = "\x1b[31m"
	colGreen  = "\x1b[32m"
	colYellow = "\x1b[33m"
	colBold   = "\x1b[1m"
	colReset  = "\x1b[0m"
)

// mark is the sign of a status in the text report.
func mark(s Status) string {
	switch s {
	case Added:
		return "+"
	case Removed:
		return "-"
	case Changed:
		return "~"
	}
	return ""
}

// WriteText prints the report for a terminal or a log, grouped by target,
// file and object, then the summary, the rollout impact per environment and the environments whose model changed without effect. color adds ANSI colours. Every
// text of the report is escaped (textesc): names and values by textesc.Line,
// so no byte of them reaches the terminal raw.
func WriteText(w io.Writer, r *Report, color bool) error {
	paint := painter(color)
	var b strings.Builder
	target, file := "", ""
	for _, o := range r.Objects {
		if o.Target != target {
			target, file = o.Target, ""
			fmt.Fprintln(&b, paint(colBold, textesc.Line(o.Target)))
		}
		if o.File != file {
			file = o.File
			fmt.Fprintf(&b, "  %s\n", textesc.Line(o.File))
		}
		col := map[Status]string{Added: colGreen, Removed: colRed, Changed: colYellow}[o.Status]
		fmt.Fprintf(&b, "    %s\n", paint(col, mark(o.Status)+" "+textesc.Line(o.ID)))
		if o.Content != nil {
			for _, l := range splitLines(contentYAML(o.Content)) {
				fmt.Fprintf(&b, "        %s\n", paint(col, textesc.Line(l)))
			}
		}
		for _, c := range o.Changes {
			writeChange(&b, "        ", c, paint)
		}
	}
	fmt.Fprintln(&b, r.Summary())
	writeImpact(&b, r, paint)
	for _, m := range r.ModelOnly {
		fmt.Fprintf(&b, "%s: the model changed, but no generated file did (degen vet warns about a value without effect):\n", textesc.Line(m.Env))
		for _, c := range m.Changes {
			writeChange(&b, "    ", c, paint)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteImpact prints the rollout impact of the report alone, per
// environment, as WriteText ends with it (degen promote shows it after its
// edit).
func WriteImpact(w io.Writer, r *Report, color bool) error {
	var b strings.Builder
	writeImpact(&b, r, painter(color))
	_, err := io.WriteString(w, b.String())
	return err
}

// painter colours a text with an ANSI colour when color is set.
func painter(color bool) func(c, s string) string {
	return func(c, s string) string {
		if !color {
			return s
		}
		return c + s + colReset
	}
}

func writeImpact(b *strings.Builder, r *Report, paint func(string, string) string) {
	envs, by := impactByEnv(r)
	for _, env := range envs {
		fmt.Fprintf(b, "%s:\n", paint(colBold, textesc.Line(impactHeading(env))))
		for _, i := range by[env] {
			fmt.Fprintf(b, "  %-10s %s: %s\n", i.Kind, textesc.Line(i.Object), textesc.Line(i.Why))
		}
	}
}

// writeChange prints one changed field at indent: old → new, or the
// unified diff of a value that spans lines.
func writeChange(b *strings.Builder, indent string, c Change, paint func(string, string) string) {
	if c.Diff != "" {
		fmt.Fprintf(b, "%s%s:\n", indent, textesc.Line(cmp.Or(c.Field, "(value)")))
		for _, l := range splitLines(c.Diff) {
			fmt.Fprintf(b, "%s  %s\n", indent, paintDiffLine(textesc.Line(l), paint))
		}
		return
	}
	fmt.Fprintf(b, "%s%s%s\n", indent, textesc.Line(fieldPrefix(c.Field)), changeText(c, paint))
}

// contentYAML renders an added or removed object's content as YAML.
func contentYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return render(v)
	}
	return string(data)
}

// paintDiffLine colours a line of a unified diff.
func paintDiffLine(l string, paint func(string, string) string) string {
	switch {
	case strings.HasPrefix(l, "+"):
		return paint(colGreen, l)
	case strings.HasPrefix(l, "-"):
		return paint(colRed, l)
	}
	return l
}

func fieldPrefix(field string) string {
	if field == "" {
		return ""
	}
	return field + ": "
}

func changeText(c Change, paint func(string, string) string) string {
	switch {
	case c.OldMissing:
		return paint(colGreen, "(added) "+textesc.Value(c.New))
	case c.NewMissing:
		return paint(colRed, "(removed) "+textesc.Value(c.Old))
	default:
		return paint(colRed, textesc.Value(c.Old)) + " → " + paint(colGreen, textesc.Value(c.New))
	}
}

// WriteJSON prints the report as indented JSON, every control and bidi
// character of its strings escaped as \uXXXX (textesc.JSON: encoding/json
// leaves DEL, C1 and bidi controls raw).
func WriteJSON(w io.Writer, r *Report) error {
	if r.Objects == nil {
		c := *r
		c.Objects = []Object{}
		r = &c
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, textesc.JSON(string(data))+"\n")
	return err
}

// Markdown renders the report for a pull-request comment: the summary
// line and a table of the objects added, changed and removed per
// environment and target, then one collapsible section per target in
// which each change is listed once with the environments it applies to (an
// image bump in every environment is one entry). Added and removed objects
// show their content collapsed, multi-line values a unified diff. The
// report ends with the rollout impact and the graph of each environment
// the change touches (Report.Graphs), each whole or named as left out. The
// result never exceeds limit bytes (and so characters); what does not fit
// is cut at an entry boundary and a note says how many objects are not
// shown.
func Markdown(r *Report, limit int) string {
	if r.Empty() {
		return "### degen diff\n\n**No changes** to generated files.\n" + markdownTail(r)
	}
	return markdownParts(r, limit, 1)[0]
}

// writeSummaryTable counts the objects per environment and target.
func writeSummaryTable(b *strings.Builder, r *Report) {
	type row struct {
		env, target   string
		a, c, d, rank int
	}
	rank := map[string]int{}
	for i, e := range r.Envs {
		rank[e.Name] = i
	}
	rows := map[[2]string]*row{}
	for _, o := range r.Objects {
		envs := o.Envs
		if len(envs) == 0 {
			envs = []string{"—"}
		}
		for _, env := range envs {
			k := [2]string{env, o.Target}
			if rows[k] == nil {
				n, ok := rank[env]
				if !ok {
					n = len(r.Envs)
				}
				rows[k] = &row{env: env, target: o.Target, rank: n}
			}
			switch o.Status {
			case Added:
				rows[k].a++
			case Changed:
				rows[k].c++
			case Removed:
				rows[k].d++
			}
		}
	}
	list := make([]*row, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
	}
	slices.SortFunc(list, func(x, y *row) int {
		return cmp.Or(cmp.Compare(x.rank, y.rank), strings.Compare(x.env, y.env), strings.Compare(x.target, y.target))
	})
	b.WriteString("| environment | target | added | changed | removed |\n|---|---|--:|--:|--:|\n")
	for _, r := range list {
		fmt.Fprintf(b, "| %s | %s | %d | %d | %d |\n", textesc.Markdown(r.env), textesc.Markdown(r.target), r.a, r.c, r.d)
	}
	b.WriteString("\n")
}

// entry is one change as Markdown lists it: an object, or the same change
// of one object in several environments.
type entry struct {
	target, file string
	Object
	envs    []string
	objects int
}

// mergeEntries merges the objects of one environment each that are the
// same change once each environment's name and namespace are placeholders
// (see Env.ValueKey): same target, file, object, status and changes. A
// merged entry shows the placeholders ({env}, {namespace}) where the
// environments differ. Entries keep the report's order.
func mergeEntries(r *Report) []entry {
	keyOf := map[string]func(string) string{}
	rank := map[string]int{}
	for i, e := range r.Envs {
		keyOf[e.Name] = e.ValueKey()
		rank[e.Name] = i
	}
	var out []entry
	at := map[string]int{}
	for _, o := range r.Objects {
		var f func(string) string
		if len(o.Envs) == 1 {
			f = keyOf[o.Envs[0]]
		}
		if f == nil {
			out = append(out, entry{target: o.Target, file: o.File, Object: o, envs: o.Envs, objects: 1})
			continue
		}
		g := generalise(o, f)
		data, _ := json.Marshal(g)
		k := string(data)
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, entry{target: o.Target, file: o.File, Object: o, envs: []string{o.Envs[0]}, objects: 1})
			continue
		}
		e := &out[i]
		if e.objects == 1 {
			e.Object, e.file = g, g.File
		}
		e.envs = append(e.envs, o.Envs[0])
		e.objects++
	}
	for i := range out {
		slices.SortStableFunc(out[i].envs, func(a, b string) int { return cmp.Compare(rank[a], rank[b]) })
	}
	// A merged entry's file may now sort elsewhere; keep entries grouped
	// by target and file.
	slices.SortStableFunc(out, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.target, b.target), strings.Compare(a.file, b.file))
	})
	return out
}

// generalise maps the names of an object, its changes and its content
// through f.
func generalise(o Object, f func(string) string) Object {
	g := o
	g.File, g.ID, g.Envs = f(o.File), f(o.ID), nil
	g.Changes = make([]Change, len(o.Changes))
	for i, c := range o.Changes {
		c.Field, c.Old, c.New, c.Diff = f(c.Field), f(c.Old), f(c.New), f(c.Diff)
		g.Changes[i] = c
	}
	if o.Content != nil {
		g.Content = mapStrings(o.Content, f)
	}
	return g
}

func mapStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = mapStrings(e, f)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = mapStrings(e, f)
		}
		return l
	}
	return v
}

// blockLimit caps the lines of one content or diff block in Markdown.
const blockLimit = 60

func markdownEntry(b *strings.Builder, e entry) {
	fmt.Fprintf(b, "- **%s** <code>%s</code>", e.Status, textesc.Markdown(e.ID))
	if len(e.envs) > 0 {
		fmt.Fprintf(b, " in %s", textesc.Markdown(strings.Join(e.envs, ", ")))
	}
	b.WriteString("\n")
	if e.Content != nil {
		b.WriteString("  <details><summary>content</summary>\n\n")
		fenced(b, "yaml", contentYAML(e.Content))
		b.WriteString("  </details>\n\n")
	}
	for _, c := range e.Changes {
		markdownChange(b, "  ", c)
	}
}

// markdownChange writes one changed field as a list item at indent.
func markdownChange(b *strings.Builder, indent string, c Change) {
	b.WriteString(indent + "- ")
	if c.Field != "" {
		fmt.Fprintf(b, "<code>%s</code>: ", textesc.Markdown(c.Field))
	}
	switch {
	case c.Diff != "":
		b.WriteString("\n\n")
		fenced(b, "diff", c.Diff)
	case c.OldMissing:
		fmt.Fprintf(b, "added %s\n", code(c.New))
	case c.NewMissing:
		fmt.Fprintf(b, "removed %s\n", code(c.Old))
	default:
		fmt.Fprintf(b, "%s → %s\n", code(c.Old), code(c.New))
	}
}

// markdownTail is what ends every Markdown report: the rollout impact per
// environment, and the environments whose model changed with no effect on
// their files.
func markdownTail(r *Report) string {
	var b strings.Builder
	envs, by := impactByEnv(r)
	if len(envs) > 0 {
		b.WriteString("\n#### Rollout impact\n")
	}
	for _, env := range envs {
		if env != "" {
			fmt.Fprintf(&b, "\n**%s**\n", textesc.Markdown(env))
		}
		b.WriteString("\n| impact | object | what happens |\n|---|---|---|\n")
		for _, i := range by[env] {
			fmt.Fprintf(&b, "| %s | <code>%s</code> | %s |\n", i.Kind, textesc.Markdown(i.Object), textesc.Markdown(i.Why))
		}
	}
	for _, m := range r.ModelOnly {
		fmt.Fprintf(&b, "\nThe model of **%s** changed, but no generated file did (`degen vet` warns about a value without effect):\n\n", textesc.Markdown(m.Env))
		for _, c := range m.Changes {
			markdownChange(&b, "", c)
		}
	}
	return b.String()
}

// fenced writes text as a fenced code block indented into a list item, at
// most blockLimit lines of it, each escaped and cut to valueLimit bytes,
// with a fence no line of it can close (textesc.CodeBlock).
func fenced(b *strings.Builder, lang, text string) {
	lines := splitLines(text)
	more := 0
	if len(lines) > blockLimit {
		lines, more = lines[:blockLimit], len(lines)-blockLimit
	}
	b.WriteString(textesc.CodeBlock("  ", lang, strings.Join(lines, "\n"), valueLimit))
	if more > 0 {
		fmt.Fprintf(b, "  (%d more lines)\n", more)
	}
	b.WriteString("\n")
}

// code shows a rendered value in Markdown: escaped (showValue), cut to
// valueLimit bytes on a character and escape boundary, and with what
// Markdown or HTML would read replaced by entities.
func code(v string) string {
	return "<code>" + textesc.Entities(textesc.Truncate(textesc.Value(v), valueLimit)) + "</code>"
}

// truncationNote is the longest note truncated can append.
const truncationNote = "\n</details>\n\n> **Output truncated**: 999999999 more objects are not shown (GitHub comments are limited to 65,536 characters). Run `degen diff` locally with the same flags for the full report.\n"

// fits reports whether s can be added and a truncation note still follow.
func fits(b *strings.Builder, s string, limit int) bool {
	return b.Len()+len(s)+len(truncationNote) <= limit
}

func truncated(b *strings.Builder, left int, open bool) string {
	if open {
		b.WriteString("\n</details>\n")
	}
	fmt.Fprintf(b, "\n> **Output truncated**: %d more objects are not shown (GitHub comments are limited to 65,536 characters). Run `degen diff` locally with the same flags for the full report.\n", left)
	return b.String()
}

func targetCounts(r *Report) map[string]string {
	type n struct{ a, d, c int }
	m := map[string]*n{}
	for _, o := range r.Objects {
		if m[o.Target] == nil {
			m[o.Target] = &n{}
		}
		switch o.Status {
		case Added:
			m[o.Target].a++
		case Removed:
			m[o.Target].d++
		case Changed:
			m[o.Target].c++
		}
	}
	out := map[string]string{}
	for t, c := range m {
		out[t] = fmt.Sprintf("%d added, %d removed, %d changed", c.a, c.d, c.c)
	}
	return out
}

// MaxParts caps the comments MarkdownParts splits a report into; what does
// not fit in them is cut as Markdown cuts it.
const MaxParts = 20

// partSlack is room kept in every part for its heading's numbers.
const partSlack = 64

// MarkdownParts renders the report as Markdown split into numbered parts
// of at most limit bytes each, for several pull-request comments posted in
// order: a report that fits is one part, Markdown's. Otherwise part 1
// holds the summary and the table, every part is headed "degen diff (part
// i of n)", a target's section cut between two parts is reopened as
// "(continued)", and entries are never cut. Past MaxParts the last part
// ends with the truncation note.
func MarkdownParts(r *Report, limit int) []string {
	if md := Markdown(r, limit); r.Empty() || !strings.Contains(md, "**Output truncated**") {
		return []string{md}
	}
	return markdownParts(r, limit-partSlack, MaxParts)
}

// markdownParts renders a report with changes in at most maxParts parts of
// at most limit bytes: one part is Markdown's report, cut with the
// truncation note where the next section or entry would not fit; several
// are MarkdownParts'.
func markdownParts(r *Report, limit, maxParts int) []string {
	var parts []*strings.Builder
	var b *strings.Builder
	newPart := func() {
		b = &strings.Builder{}
		parts = append(parts, b)
		if maxParts == 1 {
			b.WriteString("### degen diff\n\n")
		} else {
			b.WriteString("### degen diff (part %d of %d)\n\n")
		}
	}
	// The tail ends the last part: room for it is kept in every part.
	tail := capLines(markdownTail(r), limit/4) + markdownGraphs(r, limit/4)
	limit -= len(tail)
	newPart()
	fmt.Fprintf(b, "**%s** in %s.\n\n", r.Summary(), textesc.Markdown(strings.Join(r.Targets(), ", ")))
	writeSummaryTable(b, r)
	counts := targetCounts(r)
	entries := mergeEntries(r)
	const closing = "\n</details>\n"
	shown := 0
	for i := 0; i < len(entries); {
		t := entries[i].target
		head := fmt.Sprintf("<details><summary><b>%s</b>: %s</summary>\n\n", textesc.Markdown(t), counts[t])
		if !fits(b, head+closing, limit) {
			if len(parts) == maxParts {
				return numbered(parts, truncated(b, len(r.Objects)-shown, false), tail)
			}
			newPart()
		}
		b.WriteString(head)
		file := ""
		for ; i < len(entries) && entries[i].target == t; i++ {
			e := entries[i]
			chunk := func() string {
				var c strings.Builder
				if e.file != file {
					fmt.Fprintf(&c, "\n%s\n\n", textesc.CodeSpan(e.file))
				}
				markdownEntry(&c, e)
				return c.String()
			}
			if !fits(b, chunk()+closing, limit) {
				if len(parts) == maxParts {
					return numbered(parts, truncated(b, len(r.Objects)-shown, true), tail)
				}
				b.WriteString(closing)
				newPart()
				fmt.Fprintf(b, "<details open><summary><b>%s</b> (continued)</summary>\n\n", textesc.Markdown(t))
				file = ""
				if c := chunk(); !fits(b, c+closing, limit) {
					// One entry larger than a comment: named, not shown.
					e.Changes, e.Content = nil, nil
					e.ID += " (too large for a comment: run degen diff locally)"
				}
			}
			b.WriteString(chunk())
			file = e.file
			shown += e.objects
		}
		b.WriteString(closing + "\n")
	}
	return numbered(parts, "", tail)
}

// numbered numbers the parts' headings; last, when set, replaces the last
// part's text, and tail ends it.
func numbered(parts []*strings.Builder, last, tail string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		s := p.String()
		if i == len(parts)-1 {
			s = cmp.Or(last, s) + tail
		}
		out[i] = strings.Replace(s, "%d of %d", fmt.Sprintf("%d of %d", i+1, len(parts)), 1)
	}
	return out
}

// capLines cuts s at a line boundary to at most limit bytes, saying how
// many lines are left out.
func capLines(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		note := fmt.Sprintf("\n(%d more lines: run degen diff locally for all of them)\n", len(lines)-i)
		if b.Len()+len(l)+len(note) > limit {
			b.WriteString(note)
			break
		}
		b.WriteString(l)
	}
	return b.String()
}
