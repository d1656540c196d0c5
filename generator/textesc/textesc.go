// Package textesc makes untrusted text safe to show: every string that a
// model, a policy, a chart or a committed out/ put into degen's output goes
// through it where it is printed, so that no byte of it can move a
// terminal's cursor, recolour it, reorder what a reviewer reads (bidi
// controls) or end a Markdown code block.
//
// # What is escaped
//
// An unsafe rune is a C0 control (U+0000–U+001F), DEL (U+007F), a C1
// control (U+0080–U+009F), a bidi control (U+061C, U+200E, U+200F,
// U+202A–U+202E, U+2066–U+2069), the line and paragraph separators
// U+2028 and U+2029, or a byte that is not part of valid UTF-8. It is shown
// as
//
//   - \r, \n, \t for CR, LF and tab;
//   - \xHH for any other C0 control and DEL (HH is the byte, lower-case hex),
//     and for a byte of invalid UTF-8 (always ≥ \x80);
//   - \uHHHH for a C1 control, a bidi control or U+2028/U+2029 (a rune, never
//     a byte: U+0085 is \u0085, the invalid byte 0x85 is \x85).
//
// # Backslashes
//
// A backslash of the text is shown as \\ exactly where it would otherwise
// read as the start of an escape: before another backslash, before an
// escaped rune, before r, n (Line only) or t, before x and two hex digits and
// before u and four hex digits (Lines, which keeps LF and tab raw, reads
// \n and \t as text). Any other backslash is shown as it is, so a
// Windows path or a regular expression stays readable. Read from left to
// right, \\ is a backslash, the forms above are escapes and any other
// backslash is itself: every output reads back to exactly one text, so the
// text "\x1b" (four characters) and the ESC byte never look alike.
//
// # Forms
//
// Line is for one line of terminal text (a name, a value); Lines keeps LF
// and escapes the rest (a unified diff, YAML content, an error message of
// several lines); JSON escapes what encoding/json leaves raw in a JSON
// text; Markdown and CodeSpan are for Markdown outside code blocks,
// CodeBlock for a fenced block; Truncate cuts escaped text without
// splitting a character or an escape.
package textesc

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether the rune r is shown escaped (see the package
// documentation). utf8.RuneError counts as safe: a valid U+FFFD is a
// visible character; an invalid byte is reported by the decoding loops.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Line escapes s for one line of text: no byte of the result is a control,
// a bidi control or invalid UTF-8, and the result holds no line break.
func Line(s string) string { return escape(s, false) }

// Lines escapes s keeping its line feeds and tabs, for a message of
// several lines (an error, with cobra's tab-indented suggestions): every
// other unsafe rune is escaped, CR included, so the lines of the result are
// the lines of s. A tab moves the cursor right only, and overwrites
// nothing.
func Lines(s string) string { return escape(s, true) }

func escape(s string, keepLF bool) string {
	keep := ""
	if keepLF {
		keep = "\n\t"
	}
	return rewrite(s, keep, false)
}

// rewrite returns s with every invalid byte and every unsafe rune but those
// of keep escaped: as Line does, or with asJSON as \uXXXX (\ufffd for an
// invalid byte) with its backslashes left as they are.
func rewrite(s, keep string, asJSON bool) string {
	if safe(s, keep, !asJSON) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1 && asJSON:
			b.WriteString(`\ufffd`)
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strings.ContainsRune(keep, r):
			b.WriteRune(r)
		case Unsafe(r) && asJSON:
			fmt.Fprintf(&b, `\u%04x`, r)
		case Unsafe(r):
			b.WriteString(runeEscape(r))
		case r == '\\' && !asJSON && readsAsEscape(s[i+1:], keep != ""):
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// safe reports whether s needs no escaping: no unsafe rune but those of
// keep, no invalid UTF-8 and, with backslash, no backslash.
func safe(s, keep string, backslash bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\\' && backslash || (c == 0x7f || c < 0x20) && strings.IndexByte(keep, c) < 0 {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || Unsafe(r) {
			return false
		}
		i += n
	}
	return true
}

// runeEscape is the escape of an unsafe rune.
func runeEscape(r rune) string {
	switch r {
	case '\r':
		return `\r`
	case '\n':
		return `\n`
	case '\t':
		return `\t`
	}
	if r < 0x80 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// readsAsEscape reports whether a backslash followed by rest would read as
// the start of an escape.
func readsAsEscape(rest string, keepLF bool) bool {
	if rest == "" {
		return false
	}
	r, n := utf8.DecodeRuneInString(rest)
	switch {
	case r == utf8.RuneError && n == 1, Unsafe(r) && !(keepLF && (r == '\n' || r == '\t')):
		return true
	}
	switch rest[0] {
	case '\\', 'r':
		return true
	case 'n', 't':
		return !keepLF
	case 'x':
		return hexDigits(rest[1:], 2)
	case 'u':
		return hexDigits(rest[1:], 4)
	}
	return false
}

func hexDigits(s string, n int) bool {
	if len(s) < n {
		return false
	}
	for i := range n {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// JSON escapes what encoding/json leaves raw in a JSON text (DEL, C1 and
// bidi controls) as \uXXXX, and any other unsafe rune except LF the same
// way; an invalid byte becomes \ufffd, as encoding/json writes it. For a
// JSON text the result is the same JSON value: a rune and its \u escape are
// one character of a JSON string, and encoding/json writes no unsafe rune
// outside strings but the LF of indentation, which is kept.
func JSON(s string) string { return rewrite(s, "\n", true) }

// Value escapes a value rendered as compact JSON text ("2Gi", 3,
// ["a","b"]) for one line: by JSON when it is a JSON text of one line, whose
// escapes are JSON's own and leave the value the same, else (a CUE
// expression, "(redacted)") by Line.
func Value(v string) string {
	if !strings.Contains(v, "\n") && json.Valid([]byte(v)) {
		return JSON(v)
	}
	return Line(v)
}

// entity is the HTML entity Markdown escaping writes for c, or "" for a
// character Markdown and HTML read as itself: HTML's & < >, the backslash
// (Markdown's escape, which would turn a \\ of Line back into one
// backslash), the backtick of code spans, the | of table cells, and the
// * _ ~ [ ] of emphasis, strike-through and links.
func entity(c byte) string {
	switch c {
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\\', '`', '|', '*', '_', '~', '[', ']':
		return fmt.Sprintf("&#%d;", c)
	}
	return ""
}

// Markdown escapes s for Markdown outside a code block, in a paragraph, a
// table cell or an inline HTML element such as <code>: Line's escaping,
// then every character Markdown or HTML would read (see entity)
// as an HTML entity. The result is one line that opens no element, comment,
// code span, link or emphasis.
func Markdown(s string) string { return Entities(Line(s)) }

// Entities replaces, in text already escaped by Line or JSON, every
// character Markdown or HTML would read by its HTML entity (see Markdown).
func Entities(escaped string) string {
	var b strings.Builder
	b.Grow(len(escaped))
	for i := 0; i < len(escaped); i++ {
		if e := entity(escaped[i]); e != "" {
			b.WriteString(e)
		} else {
			b.WriteByte(escaped[i])
		}
	}
	return b.String()
}

// CodeSpan renders s as a Markdown code span: Line's escaping, between
// backtick strings longer than any run of backticks in it (padded with a
// space where it starts or ends with a backtick). Inside a code span
// Markdown reads no HTML, entity or emphasis.
func CodeSpan(s string) string {
	s = Line(s)
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// Fence returns a backtick fence that no line of text can close: at least
// three backticks, and more than the longest run of backticks in text.
func Fence(text string) string {
	return strings.Repeat("`", max(3, longestRun(text, '`')+1))
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// CodeBlock renders text as a fenced Markdown code block with the info
// string lang, every line (the fences too) prefixed by indent: each line
// of text (split at LF) escaped by Line, as the text report shows it (so a
// CR cannot end a line), cut by Truncate to width bytes when width > 0,
// between fences (Fence) that no line of it can close. Nothing in a code
// block opens HTML, so an <!-- in it hides nothing.
func CodeBlock(indent, lang, text string, width int) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		lines[i] = Line(l)
	}
	fence := Fence(strings.Join(lines, "\n"))
	var b strings.Builder
	b.WriteString(indent + fence + Line(strings.ReplaceAll(lang, "`", "")) + "\n")
	for _, l := range lines {
		if width > 0 {
			l = Truncate(l, width)
		}
		b.WriteString(indent + l + "\n")
	}
	b.WriteString(indent + fence + "\n")
	return b.String()
}

// Ellipsis ends a text Truncate cut.
const Ellipsis = "…"

// Truncate cuts escaped text (the result of Line, Lines, JSON or
// Markdown) to at most limit bytes followed by Ellipsis when it is longer:
// never inside a UTF-8 sequence, an escape (\\, \r, \xHH, \uHHHH, a JSON
// escape) or an HTML entity (&amp;, &#92;). Text of at most limit bytes is
// returned as it is.
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := 0
	for i := 0; i < len(s); {
		n := unitLen(s[i:])
		if i+n > limit {
			break
		}
		i += n
		cut = i
	}
	return s[:cut] + Ellipsis
}

// unitLen is the length of the unit that starts s: an escape, an entity or
// a character (an invalid byte alone).
func unitLen(s string) int {
	switch s[0] {
	case '\\':
		switch {
		case len(s) >= 4 && s[1] == 'x' && hexDigits(s[2:], 2):
			return 4
		case len(s) >= 6 && s[1] == 'u' && hexDigits(s[2:], 4):
			return 6
		case len(s) >= 2:
			_, n := utf8.DecodeRuneInString(s[1:])
			return 1 + n
		}
	case '&':
		if end := strings.IndexByte(s, ';'); end > 1 && end <= 8 && entityName(s[1:end]) {
			return end + 1
		}
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// entityName reports whether s is the name of an entity Markdown writes:
// letters, or # and digits.
func entityName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || i == 0 && c == '#' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
