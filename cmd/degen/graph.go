package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/graph"
	"github.com/degen-dev/degen/generator/load"
)

func newGraphCmd(g *globals, stdout io.Writer) *cobra.Command {
	var env, format string
	cmd := &cobra.Command{
		Use:   "graph --env NAME [--format mermaid|dot]",
		Short: "Draw one environment's stack as a Mermaid or Graphviz graph",
		Long: `graph draws the stack of one resolved environment: its services grouped by
the networks they join (one box per set of networks), depends_on arrows
(dashed when the dependency is not required, labelled with its condition),
published ports (host and node ports) and ingress routes pointing at their
service, and the secrets (dashed arrows) and volumes each service uses.
Disabled services are not drawn. Secrets are named, never shown.

A stack of more than 40 services is drawn collapsed: one node per group of
services (with its counts of services, published ports and ingress routes),
one node for all secrets and one for all volumes, and the arrows between
them. Past that size a flowchart is no longer readable in a pull request.

--format mermaid (default) prints a Mermaid flowchart, which GitHub renders
in Markdown (a fenced block with the info string mermaid); --format dot
prints a Graphviz digraph (dot -Tsvg). Output is deterministic: nodes and
arrows are sorted, and node ids are made of letters, digits and
underscores only. degen diff --format markdown embeds this graph for each
environment a change touches, with added, removed and changed nodes marked.`,
		Example: `  degen graph --env prod
  degen graph --env dev --format dot | dot -Tsvg > dev.svg`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env == "" {
				return g.needEnv()
			}
			if format != "mermaid" && format != "dot" {
				return usageErr("--format must be mermaid or dot, not %q", format)
			}
			m, err := load.Load(load.Options{Dir: g.dir, Envs: []string{env}})
			if err != nil {
				return err
			}
			gr := graph.Of(m.Envs[env])
			out := gr.Mermaid()
			if format == "dot" {
				out = gr.DOT()
			}
			_, err = io.WriteString(stdout, out)
			return err
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment to draw")
	cmd.Flags().StringVar(&format, "format", "mermaid", "output format: mermaid or dot")
	return cmd
}
