package review

import (
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/graph"
	"github.com/degen-dev/degen/generator/model"
)

// drawGraphs fills rep.Graphs with the graph of each environment the
// report's objects touch, in the report's order of environments: new's
// environment with its nodes marked against old's (graph.Changes). A nil
// old draws new unmarked, with note saying why.
func drawGraphs(rep *diff.Report, old, new *model.Model, note string) {
	touched := map[string]bool{}
	for _, o := range rep.Objects {
		for _, e := range o.Envs {
			touched[e] = true
		}
	}
	for _, e := range rep.Envs {
		if !touched[e.Name] {
			continue
		}
		var g *graph.Graph
		if old == nil {
			g = graph.Of(new.Envs[e.Name])
		} else {
			g = graph.Changes(old.Envs[e.Name], new.Envs[e.Name])
		}
		rep.Graphs = append(rep.Graphs, diff.EnvGraph{Env: e.Name, Mermaid: g.Mermaid(), Note: note})
	}
}
