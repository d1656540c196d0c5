package textesc

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\rb\nc\td", `a\rb\nc\td`},
		{"mode=safe\x1b[1A\x1b[2K+mode=evil", `mode=safe\x1b[1A\x1b[2K+mode=evil`},
		{"\x00\x7f", `\x00\x7f`},
		{"\u0085 and \x85", `\u0085 and \x85`},
		{"abc\u202edef\u2066\u200f\u061c", `abc\u202edef\u2066\u200f\u061c`},
		{"\xff\xfe", `\xff\xfe`},
		{"\u2028", `\u2028`},
		{"é ✓ \uFFFD", "é ✓ \uFFFD"},
		// Backslashes: doubled only where they would read as an escape.
		{`C:\Program Files\app`, `C:\Program Files\app`},
		{`^\d+\.\w$`, `^\d+\.\w$`},
		{`\x1b`, `\\x1b`},
		{`\x1`, `\x1`},
		{`\u202e`, `\\u202e`},
		{`\n`, `\\n`},
		{`\r\t`, `\\r\\t`},
		{`\\`, `\\\`},
		{"\\\x1b", `\\\x1b`},
		{`a\`, `a\`},
	} {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := decode(Line(c.in), false); got != c.in {
			t.Errorf("Line(%q) reads back as %q", c.in, got)
		}
	}
}

func TestLines(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\nb\r\nc", "a\nb\\r\nc"},
		{`printf "%s\n"`, `printf "%s\n"`},
		{"x\\\ny", "x\\\ny"},
		{`\r`, `\\r`},
		{"a\tb \\t", "a\tb \\t"},
	} {
		if got := Lines(c.in); got != c.want {
			t.Errorf("Lines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJSON(t *testing.T) {
	in := "a\u202eb\u0085c\x7fd\x1be"
	data, _ := json.Marshal(in)
	got := JSON(string(data))
	if want := `"a\u202eb\u0085c\u007fd\u001be"`; got != want {
		t.Errorf("JSON(%s) = %s, want %s", data, got, want)
	}
	var back string
	if err := json.Unmarshal([]byte(got), &back); err != nil || back != in {
		t.Errorf("JSON changed the value: %q, %v", back, err)
	}
	if got := JSON("{\n  \"a\": \"\\\\x\"\n}"); got != "{\n  \"a\": \"\\\\x\"\n}" {
		t.Errorf("JSON changed a safe text: %q", got)
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown("a<!--b`c|d\\e*f_g~h[i](j)&k\r\x1b")
	want := `a&lt;!--b&#96;c&#124;d&#92;e&#42;f&#95;g&#126;h&#91;i&#93;(j)&amp;k&#92;r&#92;x1b`
	if got != want {
		t.Errorf("Markdown = %q, want %q", got, want)
	}
	if got := CodeSpan("a``b"); got != "```a``b```" {
		t.Errorf("CodeSpan = %q", got)
	}
	if got := CodeSpan("`x"); got != "`` `x ``" {
		t.Errorf("CodeSpan = %q", got)
	}
}

func TestCodeBlock(t *testing.T) {
	got := CodeBlock("  ", "diff", "+a\r```\r<!--\n+````b\n", 0)
	want := "  `````diff\n  +a\\r```\\r<!--\n  +````b\n  `````\n"
	if got != want {
		t.Errorf("CodeBlock = %q, want %q", got, want)
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"},
		{`ab\x1bc`, 4, "ab…"},
		{`ab\u202ec`, 7, "ab…"},
		{`ab\\x`, 3, "ab…"},
		{`a&amp;b`, 4, "a…"},
		{`a&amp;b`, 6, "a&amp;…"},
	} {
		if got := Truncate(c.in, c.limit); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}

// decode reads an output of Line (Lines with keepLF) back, as the package
// documentation says a reader does.
func decode(s string, keepLF bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		rest := s[i+1:]
		switch {
		case rest[0] == '\\':
			b.WriteByte('\\')
			i += 2
		case rest[0] == 'r':
			b.WriteByte('\r')
			i += 2
		case rest[0] == 't' && !keepLF:
			b.WriteByte('\t')
			i += 2
		case rest[0] == 'n' && !keepLF:
			b.WriteByte('\n')
			i += 2
		case rest[0] == 'x' && hexDigits(rest[1:], 2):
			v, _ := strconv.ParseUint(rest[1:3], 16, 8)
			b.WriteByte(byte(v))
			i += 4
		case rest[0] == 'u' && hexDigits(rest[1:], 4):
			v, _ := strconv.ParseUint(rest[1:5], 16, 32)
			b.WriteRune(rune(v))
			i += 6
		default:
			b.WriteByte('\\')
			i++
		}
	}
	return b.String()
}

// clean reports the first raw unsafe rune or invalid byte of s other than
// those of keep, or -1.
func clean(s string, keep string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
		if Unsafe(r) && !strings.ContainsRune(keep, r) {
			return i
		}
	}
	return -1
}

// closingFence matches a line that could close a backtick fence: up to
// three spaces, backticks, blanks.
var closingFence = regexp.MustCompile("^ {0,3}(`{3,})[ \t]*$")

func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"", "plain", "a\rb\nc", "\x1b[1A\x1b[2K+mode=evil", "\u202eabc\u2066", "\xff\xfe\xc3",
		`\x1b`, `\\u202e`, "\\\x1b", "x\r```\r<!--\n", "````\n```", "\u0085\x85", "a&amp;`|<!--",
		"é\u2028\u2029\x7f\x00", "```yaml\n<!-- hidden -->\n```",
	} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		line := Line(s)
		if i := clean(line, ""); i >= 0 || !utf8.ValidString(line) {
			t.Fatalf("Line(%q) = %q: raw byte at %d", s, line, i)
		}
		if got := decode(line, false); got != s {
			t.Fatalf("Line(%q) = %q reads back as %q", s, line, got)
		}
		lines := Lines(s)
		if i := clean(lines, "\n\t"); i >= 0 || !utf8.ValidString(lines) {
			t.Fatalf("Lines(%q) = %q: raw byte at %d", s, lines, i)
		}
		if got := decode(lines, true); got != s {
			t.Fatalf("Lines(%q) = %q reads back as %q", s, lines, got)
		}
		data, _ := json.Marshal(s)
		js := JSON(string(data))
		var back string
		if i := clean(js, "\n"); i >= 0 || json.Unmarshal([]byte(js), &back) != nil || utf8.ValidString(s) && back != s {
			t.Fatalf("JSON(%s) = %s (raw at %d) reads back as %q", data, js, i, back)
		}
		md := Markdown(s)
		if i := clean(md, ""); i >= 0 || strings.ContainsAny(md, "<>`|\\*_[]~") {
			t.Fatalf("Markdown(%q) = %q", s, md)
		}
		block := CodeBlock("  ", "diff", s, max(limit%400, 0))
		if i := clean(block, "\n"); i >= 0 || !utf8.ValidString(block) {
			t.Fatalf("CodeBlock(%q) = %q: raw byte at %d", s, block, i)
		}
		bl := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
		fence := len(strings.TrimSpace(bl[0])) - len("diff")
		for _, l := range bl[1 : len(bl)-1] {
			if m := closingFence.FindStringSubmatch(strings.TrimPrefix(l, "  ")); m != nil && len(m[1]) >= fence {
				t.Fatalf("CodeBlock(%q): line %q closes the fence of %d", s, l, fence)
			}
		}
		if strings.TrimSpace(bl[len(bl)-1]) != strings.Repeat("`", fence) {
			t.Fatalf("CodeBlock(%q) does not end with its fence: %q", s, block)
		}
		for _, esc := range []string{line, md} {
			cut := Truncate(esc, max(limit%64, 0))
			if !utf8.ValidString(cut) || len(cut) > max(limit%64, 0)+len(Ellipsis) {
				t.Fatalf("Truncate(%q) = %q", esc, cut)
			}
			if esc == line {
				if got := decode(strings.TrimSuffix(cut, Ellipsis), false); !strings.HasPrefix(s, got) {
					t.Fatalf("Truncate(%q) = %q split an escape: reads %q", line, cut, got)
				}
			}
		}
	})
}
