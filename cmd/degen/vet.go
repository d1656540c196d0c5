package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/targets"
)

func newVetCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var ef envFlags
	cmd := &cobra.Command{
		Use:   "vet [--env NAME | --all]",
		Short: "Check the model and generate in memory; write nothing",
		Long: `vet runs everything build runs (schema, references, every target) without
touching out/. Without --env it checks every environment.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var envs []string
			if len(ef.envs) > 0 || ef.all {
				var err error
				if envs, err = ef.selection(); err != nil {
					return err
				}
			}
			_, res, err := generator.Build(generator.Options{Dir: g.dir, Envs: envs, Targets: targets.All()})
			if err != nil {
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(stderr, w)
			}
			fmt.Fprintf(stdout, "ok: %v, %d files\n", res.Envs, len(res.Files))
			return nil
		},
	}
	ef.register(cmd)
	return cmd
}
