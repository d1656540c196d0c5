package graph

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/degen-dev/degen/generator/textesc"
)

// prefix is the start of the id of a node of each kind: every id starts
// with a letter and an underscore, so none is a keyword of Mermaid (end,
// graph, class…) or DOT (node, edge…), and none starts with the o or x
// Mermaid reads as an arrow head after "--".
func prefix(k Kind) string {
	switch k {
	case Service:
		return "s_"
	case Port:
		return "p_"
	case Route:
		return "r_"
	case Secret:
		return "k_"
	case Volume:
		return "v_"
	case Group:
		return "g_"
	case Secrets:
		return "ks_"
	case Volumes:
		return "vs_"
	}
	return "n_"
}

// ID returns key made an identifier: after prefix, each run of characters
// other than ASCII letters and digits becomes one underscore.
func ID(prefix, key string) string {
	var b strings.Builder
	b.WriteString(prefix)
	under := strings.HasSuffix(prefix, "_")
	for _, r := range key {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
			continue
		}
		if !under {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimRight(b.String(), "_")
}

// ids maps every node and cluster key of g to a distinct id (ID of the
// key without its kind); when two keys make the same id, the later one
// in key order gets _2, _3….
func ids(g *Graph) map[string]string {
	out := map[string]string{}
	taken := map[string]bool{}
	give := func(key, p, name string) {
		id := ID(p, name)
		for i := 2; taken[id]; i++ {
			id = fmt.Sprintf("%s_%d", ID(p, name), i)
		}
		taken[id] = true
		out[key] = id
	}
	for _, c := range g.Clusters {
		_, name, _ := strings.Cut(c.Key, "/")
		give("cluster:"+c.Key, "c_", cmp.Or(name, c.Key))
	}
	for _, n := range g.Nodes {
		_, name, _ := strings.Cut(n.Key, "/")
		give(n.Key, prefix(n.Kind), cmp.Or(name, n.Key))
	}
	return out
}

// MermaidText escapes s for a quoted Mermaid label: control and bidi
// characters as textesc.Line shows them, then every character Mermaid,
// HTML or its directives read (" # % & < > `) as a Mermaid entity code
// (#quot;, #35;…).
func MermaidText(s string) string {
	return strings.NewReplacer(
		`"`, "#quot;", "#", "#35;", "%", "#37;", "&", "#amp;",
		"<", "#lt;", ">", "#gt;", "`", "#96;",
	).Replace(textesc.Line(s))
}

// DOTText escapes s for a quoted DOT string: control and bidi characters
// as textesc.Line shows them, then backslashes (DOT reads \n, \l, \N…)
// and quotes.
func DOTText(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(textesc.Line(s))
}

// ClassDefs are the Mermaid styles of marked nodes.
const ClassDefs = `  classDef added fill:#dafbe1,stroke:#1a7f37,stroke-width:2px
  classDef removed fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 3
  classDef changed fill:#fff8c5,stroke:#9a6700,stroke-width:2px
`

// Mermaid renders g as a Mermaid flowchart, left to right: a subgraph per
// cluster, a node per node (services as boxes, ports as stadiums, routes
// as flags, secrets as parallelograms, volumes as cylinders), dashed
// arrows for uses, and a class per mark.
func (g *Graph) Mermaid() string {
	id := ids(g)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	node := func(indent string, n Node) {
		open, close := shape(n.Kind)
		fmt.Fprintf(&b, "%s%s%s\"%s\"%s\n", indent, id[n.Key], open, MermaidText(n.Label), close)
	}
	g.writeNodes(func(c Cluster) {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", id["cluster:"+c.Key], MermaidText(c.Label))
	}, func() { b.WriteString("  end\n") }, node)
	for _, e := range g.Edges {
		arrow := "-->"
		if e.Dashed {
			arrow = "-.->"
		}
		if e.Label != "" {
			arrow += "|\"" + MermaidText(e.Label) + "\"|"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", id[e.From], arrow, id[e.To])
	}
	marked := map[Mark][]string{}
	for _, n := range g.Nodes {
		if n.Mark != Unmarked {
			marked[n.Mark] = append(marked[n.Mark], id[n.Key])
		}
	}
	if len(marked) > 0 {
		b.WriteString(ClassDefs)
		for _, m := range []Mark{Added, Removed, Changed} {
			if len(marked[m]) > 0 {
				fmt.Fprintf(&b, "  class %s %s\n", strings.Join(marked[m], ","), m)
			}
		}
	}
	return b.String()
}

// writeNodes calls, for each of g's clusters that holds nodes, open, node
// for each of its nodes (indented four spaces), and close; then node for
// each node outside every cluster (all of a collapsed graph's), indented
// two.
func (g *Graph) writeNodes(open func(Cluster), close func(), node func(indent string, n Node)) {
	inside := map[string][]Node{}
	var loose []Node
	for _, n := range g.Nodes {
		if n.Cluster != "" && !g.Collapsed {
			inside[n.Cluster] = append(inside[n.Cluster], n)
		} else {
			loose = append(loose, n)
		}
	}
	for _, c := range g.Clusters {
		if len(inside[c.Key]) == 0 {
			continue
		}
		open(c)
		for _, n := range inside[c.Key] {
			node("    ", n)
		}
		close()
	}
	for _, n := range loose {
		node("  ", n)
	}
}

// shape is the Mermaid brackets around a node's quoted label.
func shape(k Kind) (open, close string) {
	switch k {
	case Port:
		return "([", "])"
	case Route:
		return ">", "]"
	case Secret, Secrets:
		return "[/", "/]"
	case Volume, Volumes:
		return "[(", ")]"
	}
	return "[", "]"
}

// DOT renders g as a Graphviz digraph, left to right: a cluster subgraph
// per cluster, marked nodes filled in the colours of the Mermaid classes.
func (g *Graph) DOT() string {
	id := ids(g)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph \"%s\" {\n  rankdir=LR;\n  node [shape=box];\n", DOTText(g.Env))
	node := func(indent string, n Node) {
		attrs := fmt.Sprintf("label=\"%s\"", DOTText(n.Label))
		if s := dotShape(n.Kind); s != "" {
			attrs += ", shape=" + s
		}
		switch n.Mark {
		case Added:
			attrs += `, class="added", style=filled, fillcolor="#dafbe1", color="#1a7f37"`
		case Removed:
			attrs += `, class="removed", style="filled,dashed", fillcolor="#ffebe9", color="#cf222e"`
		case Changed:
			attrs += `, class="changed", style=filled, fillcolor="#fff8c5", color="#9a6700"`
		}
		fmt.Fprintf(&b, "%s%s [%s];\n", indent, id[n.Key], attrs)
	}
	g.writeNodes(func(c Cluster) {
		fmt.Fprintf(&b, "  subgraph cluster_%s {\n    label=\"%s\";\n", id["cluster:"+c.Key], DOTText(c.Label))
	}, func() { b.WriteString("  }\n") }, node)
	for _, e := range g.Edges {
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, fmt.Sprintf("label=\"%s\"", DOTText(e.Label)))
		}
		if e.Dashed {
			attrs = append(attrs, "style=dashed")
		}
		a := ""
		if len(attrs) > 0 {
			a = " [" + strings.Join(attrs, ", ") + "]"
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", id[e.From], id[e.To], a)
	}
	b.WriteString("}\n")
	return b.String()
}

func dotShape(k Kind) string {
	switch k {
	case Port:
		return "oval"
	case Route:
		return "cds"
	case Secret, Secrets:
		return "parallelogram"
	case Volume, Volumes:
		return "cylinder"
	}
	return ""
}
