package diff

import (
	"fmt"
	"strings"

	"github.com/degen-dev/degen/generator/textesc"
)

// EnvGraph is the picture of one environment's stack that the Markdown
// report embeds: a Mermaid flowchart (package graph draws it, package
// review fills Report.Graphs) with the nodes the change adds, removes and
// changes marked.
type EnvGraph struct {
	Env string
	// Mermaid is the flowchart's text (graph.Graph.Mermaid).
	Mermaid string
	// Note, when set, says what the marks are against or why there are
	// none (one line, plain text).
	Note string
}

// graphNote is the longest line markdownGraphs writes for a graph it
// leaves out, with room for the environment's name.
const graphNote = "\n**%s**: the graph does not fit in this comment; run %s for it.\n"

// markdownGraphs renders the graphs of r in at most limit bytes: a
// heading, then per environment its name, its note and its flowchart in a
// ```mermaid block (which GitHub draws). A graph is shown whole or not at
// all: one that does not fit is named with the command that draws it.
func markdownGraphs(r *Report, limit int) string {
	if len(r.Graphs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n#### The stack\n\nServices grouped by network, with their dependencies, published ports, ingress routes, secrets and volumes; nodes the change adds are green, removed red (dashed), changed yellow.\n")
	for i, g := range r.Graphs {
		var block strings.Builder
		fmt.Fprintf(&block, "\n**%s**", textesc.Markdown(g.Env))
		if g.Note != "" {
			fmt.Fprintf(&block, ": %s", textesc.Markdown(g.Note))
		}
		fence := textesc.Fence(g.Mermaid)
		fmt.Fprintf(&block, "\n\n%smermaid\n%s%s\n", fence, g.Mermaid, fence)
		// Room is kept for the notes of the graphs after this one.
		rest := (len(r.Graphs) - i - 1) * (len(graphNote) + 128)
		if b.Len()+block.Len()+rest > limit {
			fmt.Fprintf(&b, graphNote, textesc.Markdown(g.Env), textesc.CodeSpan("degen graph --env "+g.Env))
			continue
		}
		b.WriteString(block.String())
	}
	if b.Len() > limit {
		return "" // not even the names fit
	}
	return b.String()
}
