package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/schema"
)

func newSchemaCmd(stdout io.Writer) *cobra.Command {
	var policies bool
	var publish string
	cmd := &cobra.Command{
		Use:   "schema [--policies]",
		Short: "Print the schema (or the generic policies) this degen serves",
		Long: `schema prints the CUE schema every model is checked against: the module
` + schema.Module + ` at ` + schema.Version + `, which degen serves from its
binary to a model whose cue.mod/module.cue depends on it. Positions in it
print as ` + "degen.dev/schema@" + schema.Version + `/schema.cue:LINE:COL. --policies prints
the generic policy rules every model is checked against instead (a model's
policies/ may add rules and override their severities per stage).

--publish REGISTRY pushes the module, byte for byte what this binary
serves, to an OCI registry (HOST[:PORT][/PREFIX], as CUE_REGISTRY writes
it), so that cue and CUE's language server resolve degen.dev/schema in an
editor: with CUE_REGISTRY=degen.dev=REGISTRY (README "Editor set-up").
Credentials are CUE's (cue login) or Docker's.`,
		Example: `  degen schema | less
  degen schema --policies
  degen schema --publish localhost:5000/cue`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if publish != "" {
				if policies {
					return usageErr("--publish pushes the whole module: give it without --policies")
				}
				mv, err := load.PublishSchema(context.Background(), publish)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "published %s to %s\n", mv, textesc.Line(publish))
				return nil
			}
			names := []string{"schema.cue"}
			if policies {
				all, err := fs.Glob(schema.Files(), schema.PoliciesDir+"/*.cue")
				if err != nil {
					return err
				}
				sort.Strings(all)
				names = all
			}
			for i, n := range names {
				data, err := fs.ReadFile(schema.Files(), n)
				if err != nil {
					return err
				}
				if len(names) > 1 {
					if i > 0 {
						fmt.Fprintln(stdout)
					}
					fmt.Fprintf(stdout, "// ---- %s\n", path.Join("degen.dev/schema@"+schema.Version, n))
				}
				if _, err := stdout.Write(data); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&publish, "publish", "", "push the schema module to this OCI registry (HOST[:PORT][/PREFIX]) for cue and editors")
	cmd.Flags().BoolVar(&policies, "policies", false, "print the generic policies instead of the schema")
	return cmd
}
