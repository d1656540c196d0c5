package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/explain"
	"github.com/degen-dev/degen/generator/load"
)

func newExplainCmd(g *globals, stdout io.Writer) *cobra.Command {
	var env, format string
	cmd := &cobra.Command{
		Use:   "explain --env NAME PATH",
		Short: "Show a field's value and the CUE sources that decided it",
		Long: `explain prints the value of a field of one resolved environment and every
CUE source that contributed to it: the environment's delta (envs/NAME.cue),
the base model (envs/stack.cue), the schema (schema/). Each source is marked
"sets" (a concrete value), "default" (a *default of a disjunction) or
"constrains" (a type or a bound); a star marks the one that decided.

PATH is a field path of the environment as degen export prints it. Labels
with dashes may be quoted as in CUE or left bare; list elements are [n].
PATH may also be a field of a generated workload as degen diff prints it,
KIND/NAME.FIELD: replicas, and a container's image and resources, are
mapped to the service's model field. An unknown field is exit 2 naming the
fields that exist and, for a typo, the nearest ones ("did you mean").

--format json prints {"env", "path", "value", "sources", "decidedBy"}, with
value a JSON value ("2Gi", 3), not JSON text inside a string.`,
		Example: `  degen explain --env prod services.api.replicas
  degen explain --env prod 'services."api".resources.limits.memory'
  degen explain --env dev params.logLevel --format json
  degen explain --env prod 'Deployment/api.spec.replicas'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if env == "" {
				return usageErr("name the environment: --env NAME")
			}
			if format != "text" && format != "json" {
				return usageErr("--format must be text or json, not %q", format)
			}
			path := args[0]
			if p, ok := explain.ModelPath(path); ok {
				fmt.Fprintf(stdout, "%s comes from the model field %s\n", path, p)
				path = p
			}
			if _, err := explain.ParsePath(path); err != nil {
				return usageErr("%w", err)
			}
			m, err := load.Load(load.Options{Dir: g.dir, Envs: []string{env}})
			if err != nil {
				return err
			}
			x, err := explain.Explain(m, env, path)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if format == "text" {
				return x.WriteText(stdout)
			}
			data, err := json.MarshalIndent(x, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "%s\n", data)
			return err
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment whose field to explain")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
