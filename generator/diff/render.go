package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
// file and object, with the summary last. color adds ANSI colours.
func WriteText(w io.Writer, r *Report, color bool) error {
	paint := func(c, s string) string {
		if !color {
			return s
		}
		return c + s + colReset
	}
	var b strings.Builder
	target, file := "", ""
	for _, o := range r.Objects {
		if o.Target != target {
			target, file = o.Target, ""
			fmt.Fprintln(&b, paint(colBold, o.Target))
		}
		if o.File != file {
			file = o.File
			fmt.Fprintf(&b, "  %s\n", o.File)
		}
		col := map[Status]string{Added: colGreen, Removed: colRed, Changed: colYellow}[o.Status]
		fmt.Fprintf(&b, "    %s\n", paint(col, mark(o.Status)+" "+o.ID))
		for _, c := range o.Changes {
			fmt.Fprintf(&b, "        %s%s\n", fieldPrefix(c.Field), changeText(c, paint))
		}
	}
	fmt.Fprintln(&b, r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
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
		return paint(colGreen, "(added) "+c.New)
	case c.NewMissing:
		return paint(colRed, "(removed) "+c.Old)
	default:
		return paint(colRed, c.Old) + " → " + paint(colGreen, c.New)
	}
}

// WriteJSON prints the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	if r.Objects == nil {
		r = &Report{Objects: []Object{}, Added: r.Added, Removed: r.Removed, Changed: r.Changed}
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// Markdown renders the report for a pull-request comment: the summary
// first, then one collapsible section per target. The result never exceeds
// limit bytes (and so characters); what does not fit is cut at an object
// boundary and a note says how many objects are not shown.
func Markdown(r *Report, limit int) string {
	var b strings.Builder
	b.WriteString("### degen diff\n\n")
	if r.Empty() {
		b.WriteString("**No changes** to generated files.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "**%s** in %s.\n\n", r.Summary(), strings.Join(r.Targets(), ", "))
	counts := targetCounts(r)
	const closing = "\n</details>\n"
	for i := 0; i < len(r.Objects); {
		t := r.Objects[i].Target
		head := fmt.Sprintf("<details><summary><b>%s</b>: %s</summary>\n\n", escape(t), counts[t])
		if !fits(&b, head+closing, limit) {
			return truncated(&b, len(r.Objects)-i, false)
		}
		b.WriteString(head)
		file := ""
		for ; i < len(r.Objects) && r.Objects[i].Target == t; i++ {
			o := r.Objects[i]
			var chunk strings.Builder
			if o.File != file {
				fmt.Fprintf(&chunk, "\n`%s`\n\n", o.File)
			}
			markdownObject(&chunk, o)
			if !fits(&b, chunk.String()+closing, limit) {
				return truncated(&b, len(r.Objects)-i, true)
			}
			file = o.File
			b.WriteString(chunk.String())
		}
		b.WriteString(closing + "\n")
	}
	return b.String()
}

func markdownObject(b *strings.Builder, o Object) {
	fmt.Fprintf(b, "- **%s** <code>%s</code>\n", o.Status, escape(o.ID))
	for _, c := range o.Changes {
		b.WriteString("  - ")
		if c.Field != "" {
			fmt.Fprintf(b, "<code>%s</code>: ", escape(c.Field))
		}
		switch {
		case c.OldMissing:
			fmt.Fprintf(b, "added %s\n", code(c.New))
		case c.NewMissing:
			fmt.Fprintf(b, "removed %s\n", code(c.Old))
		default:
			fmt.Fprintf(b, "%s → %s\n", code(c.Old), code(c.New))
		}
	}
}

// escape makes text safe inside HTML in Markdown; quotes need no escaping
// there, and leaving them keeps the comment short.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func code(v string) string {
	if len(v) > valueLimit {
		v = v[:valueLimit] + "…"
	}
	return "<code>" + escape(v) + "</code>"
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
