package diff

import (
	"fmt"
	"strings"
	"testing"
)

// bigReport changes n tfvars files of 20 variables each.
func bigReport(t *testing.T, n int) *Report {
	old, new := map[string][]byte{}, map[string][]byte{}
	for i := 0; i < n; i++ {
		var o, w strings.Builder
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&o, "var_%d = %q\n", j, strings.Repeat("o", 40))
			fmt.Fprintf(&w, "var_%d = %q\n", j, strings.Repeat("n", 40))
		}
		p := fmt.Sprintf("terraform/env%03d.tfvars", i)
		old[p], new[p] = []byte(o.String()), []byte(w.String())
	}
	return compare(t, old, new, Options{})
}

// TestMarkdownParts: a report over the comment limit is split into
// numbered parts, each within the limit and with balanced sections, that
// together list every object once; one that fits is one part.
func TestMarkdownParts(t *testing.T) {
	r := bigReport(t, 200)
	parts := MarkdownParts(r, MarkdownLimit)
	if len(parts) < 2 || len(parts) > MaxParts {
		t.Fatalf("%d parts", len(parts))
	}
	all := strings.Join(parts, "")
	for i, p := range parts {
		if len(p) > MarkdownLimit {
			t.Errorf("part %d is %d bytes", i+1, len(p))
		}
		if head := fmt.Sprintf("### degen diff (part %d of %d)\n\n", i+1, len(parts)); !strings.HasPrefix(p, head) {
			t.Errorf("part %d starts %q", i+1, p[:60])
		}
		if strings.Count(p, "<details") != strings.Count(p, "</details>") {
			t.Errorf("part %d has unbalanced sections", i+1)
		}
		if i > 0 && (strings.Contains(p, "| environment |") || !strings.Contains(p, "<b>terraform</b> (continued)")) {
			t.Errorf("part %d repeats the summary or does not continue the section:\n%s", i+1, p[:300])
		}
	}
	if strings.Contains(all, "Output truncated") {
		t.Error("parts truncated although they are fewer than MaxParts")
	}
	for i := 0; i < 200; i++ {
		if !strings.Contains(all, fmt.Sprintf("`terraform/env%03d.tfvars`", i)) {
			t.Fatalf("file %d is in no part", i)
		}
	}
	if n := strings.Count(all, "- **changed** <code>"); n != r.Changed {
		t.Errorf("the parts list %d objects, want %d", n, r.Changed)
	}
	small := bigReport(t, 2)
	if got := MarkdownParts(small, MarkdownLimit); len(got) != 1 || got[0] != Markdown(small, MarkdownLimit) {
		t.Errorf("a small report is not one part equal to Markdown")
	}
	// Past MaxParts the last part says what is left out.
	huge := MarkdownParts(bigReport(t, 400), 8000)
	if len(huge) != MaxParts || !strings.Contains(huge[MaxParts-1], "**Output truncated**") {
		t.Errorf("%d parts, last:\n%s", len(huge), huge[len(huge)-1])
	}
}
