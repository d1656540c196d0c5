package diff

import (
	"strings"
	"testing"
)

// A graph is shown whole or named as left out, and the report stays
// within its limit however large the graphs are.
func TestMarkdownGraphsFitWhole(t *testing.T) {
	flow := func(lines int) string {
		return "flowchart LR\n" + strings.Repeat("  s_a --> s_b\n", lines)
	}
	r := &Report{
		Objects: []Object{{Target: "compose", File: "compose/a/compose.yaml", ID: "service a", Status: Changed, Envs: []string{"a", "b", "c"}}},
		Changed: 1,
		Envs:    []Env{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Graphs: []EnvGraph{
			{Env: "a", Mermaid: flow(10), Note: "marked against main"},
			{Env: "b", Mermaid: flow(100000)},
			{Env: "c", Mermaid: flow(20)},
		},
	}
	md := Markdown(r, MarkdownLimit)
	if len(md) > MarkdownLimit {
		t.Fatalf("report of %d bytes, limit %d", len(md), MarkdownLimit)
	}
	for _, want := range []string{
		"\n#### The stack\n",
		"\n**a**: marked against main\n\n```mermaid\n" + flow(10) + "```\n",
		"\n**b**: the graph does not fit in this comment; run `degen graph --env b` for it.\n",
		"\n**c**\n\n```mermaid\n" + flow(20) + "```\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(md, "```mermaid") != 2 {
		t.Errorf("want 2 Mermaid blocks:\n%s", md)
	}
	// Without graphs, nothing of them.
	r.Graphs = nil
	if md := Markdown(r, MarkdownLimit); strings.Contains(md, "The stack") {
		t.Errorf("a report without graphs has a stack section:\n%s", md)
	}
	// Parts: the graphs end the last part.
	r.Graphs = []EnvGraph{{Env: "a", Mermaid: flow(10)}}
	parts := MarkdownParts(r, MarkdownLimit)
	if !strings.Contains(parts[len(parts)-1], "```mermaid\n"+flow(10)) {
		t.Errorf("the last part lacks the graph:\n%s", parts[len(parts)-1])
	}
}
