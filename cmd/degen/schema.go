package main

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/schema"
)

func newSchemaCmd(stdout io.Writer) *cobra.Command {
	var policies bool
	cmd := &cobra.Command{
		Use:   "schema [--policies]",
		Short: "Print the schema (or the generic policies) this degen serves",
		Long: `schema prints the CUE schema every model is checked against: the module
` + schema.Module + ` at ` + schema.Version + `, which degen serves from its
binary to a model whose cue.mod/module.cue depends on it. Positions in it
print as ` + "degen.dev/schema@" + schema.Version + `/schema.cue:LINE:COL. --policies prints
the generic policy rules every model is checked against instead (a model's
policies/ may add rules and override their severities per stage).`,
		Example: `  degen schema | less
  degen schema --policies`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	cmd.Flags().BoolVar(&policies, "policies", false, "print the generic policies instead of the schema")
	return cmd
}
