package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
)

func newVetCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var ef envFlags
	var pf policyFlags
	cmd := &cobra.Command{
		Use:   "vet [--env NAME | --all]",
		Short: "Check the model and generate in memory; write nothing",
		Long: `vet runs everything build runs (schema, references, every target) without
touching out/, including the rules of policies/ and the leak check: a deny
exits 1, a warning is printed to stderr. Without --env it checks every
environment.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			envs, err := ef.selection()
			if err != nil {
				return err
			}
			if err := pf.check(); err != nil {
				return err
			}
			res, _, err := pf.build(generator.Options{Dir: g.dir, Envs: envs, Targets: targets.All(), Place: g.place(), Progress: g.progress.steps()}, stdout, stderr)
			if err != nil {
				return err
			}
			printDiags(stderr, res.Diagnostics())
			if err := pf.strictErr(res); err != nil {
				return err
			}
			fmt.Fprintf(pf.summary(stdout, stderr), "ok: %s, %d files\n", textesc.Line(fmt.Sprint(res.Envs)), len(res.Files))
			return nil
		},
	}
	ef.register(cmd)
	pf.register(cmd)
	registerQuiet(cmd)
	return cmd
}
