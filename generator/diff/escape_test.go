package diff

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/degen-dev/degen/generator/textesc"
)

// rawUnsafe returns the first control, bidi control or invalid byte of s
// other than a line feed (and, with colour, the ESC of a colour), or "".
func rawUnsafe(s string) string {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return s[i : i+1]
			}
		}
		if r != '\n' && textesc.Unsafe(r) {
			return string(r)
		}
	}
	return ""
}

// TestReviewOutputEscaped: a value holding CR, ESC sequences (cursor up,
// erase line), a bidi override and invalid UTF-8 reaches no report raw; in
// Markdown a CR and a ``` in a multi-line value cannot end its code block,
// so an <!-- in it hides nothing.
func TestReviewOutputEscaped(t *testing.T) {
	evil := "safe\x1b[1A\x1b[2K+mode=evil\u202e\x85\xff"
	cm := func(mode, props string) map[string][]byte {
		return map[string][]byte{"kubernetes/cm.yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  mode: " + mode + "\n  props: " + props + "\n")}
	}
	old := cm("safe", `"l1\nl2\nl3\n"`)
	new := cm(`"`+strings.ReplaceAll(strings.ReplaceAll(evil, "\x1b", `\e`), "\x85", `\N`)[:len(evil)+2]+`"`, `"l1\nl2\r`+"```"+`\r<!--\nl3\n"`)
	// The YAML above cannot carry the invalid byte; the file set can.
	new["env/.env"] = []byte("MODE=" + evil + "\n")
	old["env/.env"] = []byte("MODE=safe\n")
	rep, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text, js strings.Builder
	if err := WriteText(&text, rep, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	md := Markdown(rep, MarkdownLimit)
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "markdown": md} {
		if r := rawUnsafe(out); r != "" {
			t.Errorf("%s report has a raw %q:\n%s", name, r, out)
		}
	}
	// Values are JSON texts: their escapes are JSON's, an invalid byte is
	// \ufffd as encoding/json writes it.
	if !strings.Contains(text.String(), `"safe\u001b[1A\u001b[2K+mode=evil\u202e\u0085"`) || !strings.Contains(text.String(), `evil\u202e\ufffd\ufffd"`) {
		t.Errorf("text does not show the escaped value:\n%s", text.String())
	}
	if !strings.Contains(text.String(), "+l2\\r```\\r<!--") {
		t.Errorf("text does not show the escaped diff line:\n%s", text.String())
	}
	if !strings.Contains(js.String(), `\u001b[1A`) || !strings.Contains(js.String(), `\u202e`) {
		t.Errorf("JSON does not escape ESC and U+202E:\n%s", js.String())
	}
	var back Report
	if err := json.Unmarshal([]byte(js.String()), &back); err != nil {
		t.Errorf("JSON report does not parse: %v", err)
	}
	// Outside code blocks, no <!--; every block closes with its own fence.
	fence := ""
	for _, l := range strings.Split(md, "\n") {
		tl := strings.TrimSpace(l)
		switch {
		case fence == "" && strings.HasPrefix(tl, "```"):
			fence = tl[:len(tl)-len(strings.TrimLeft(tl, "`"))]
		case fence != "" && strings.Trim(tl, "`") == "" && len(tl) >= len(fence):
			fence = ""
		case fence == "" && strings.Contains(l, "<!--"):
			t.Errorf("markdown line outside a code block opens a comment: %q\n%s", l, md)
		}
	}
	if fence != "" || !strings.Contains(md, "  +l2\\r```\\r<!--\n") {
		t.Errorf("markdown code block is not closed or not escaped:\n%s", md)
	}
}

// TestMarkdownTruncatesOnCharacters: a long value of multi-byte characters
// is cut between characters, never inside one.
func TestMarkdownTruncatesOnCharacters(t *testing.T) {
	long := "ab" + strings.Repeat("é", valueLimit)
	rep, err := Compare(map[string][]byte{"env/.env": []byte("A=a\n")}, map[string][]byte{"env/.env": []byte("A=" + long + "\n")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(rep, MarkdownLimit)
	if !utf8.ValidString(md) || !strings.Contains(md, "é…") {
		t.Errorf("markdown truncation split a character:\n%q", md)
	}
}
