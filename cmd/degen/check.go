package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/generator/writer"
)

func newCheckCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var ef envFlags
	cmd := &cobra.Command{
		Use:   "check [--env NAME]... | --all",
		Short: "Fail when out/ does not match the model (the CI gate)",
		Long: `check rebuilds in memory and compares with out/. It writes nothing there
(registry charts that degen.lock pins and the chart cache lacks are fetched
into the cache first, as by build: docs/OCI.md).
Exit 0 when out/ is up to date, 3 when it is stale (stale, missing and extra
files are listed), 1 when the model is invalid, 2 when out/'s index is
corrupt or the command line is wrong (e.g. an unknown environment).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			envs, err := ef.selection()
			if err != nil {
				return err
			}
			if err := checkOut(g); err != nil {
				return err
			}
			if err := ensureCharts(g); err != nil {
				return err
			}
			_, res, err := generator.Build(generator.Options{Dir: g.dir, Envs: envs, Targets: targets.All(), Place: g.place(), Progress: g.progress.steps()})
			if err != nil {
				return err
			}
			// A corrupt index is exit 2, as for every command (root.go).
			d, err := writer.Compare(g.outDir(), writer.Plan{Files: res.Files, Owners: res.Owners, Scope: res.Envs})
			if err != nil {
				return err
			}
			if d.Clean() {
				fmt.Fprintf(stdout, "out/ is up to date for %s (%d files)\n", textesc.Line(fmt.Sprint(res.Envs)), len(res.Files))
				return nil
			}
			for _, p := range d.Stale {
				fmt.Fprintf(stdout, "stale:   out/%s\n", textesc.Line(p))
			}
			for _, p := range d.Missing {
				fmt.Fprintf(stdout, "missing: out/%s\n", textesc.Line(p))
			}
			for _, p := range d.Extra {
				fmt.Fprintf(stdout, "extra:   out/%s\n", textesc.Line(p))
			}
			return &exitError{code: exitStale, err: fmt.Errorf("out/ is stale for %v: run degen build and commit out/ (degen diff shows the changes object by object)", res.Envs)}
		},
	}
	ef.register(cmd)
	registerQuiet(cmd)
	return cmd
}
