package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/load"
)

func newExportCmd(g *globals, stdout io.Writer) *cobra.Command {
	var env, format string
	cmd := &cobra.Command{
		Use:   "export --env NAME [--format yaml|json]",
		Short: "Print the resolved model of one environment",
		Long: `export prints one environment as every target sees it: the base model
unified with the environment's delta, defaults applied, disabled services
dropped. Secrets appear as references only.`,
		Example: `  degen export --env prod
  degen export --env dev --format json | jq '.services["api"].replicas'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env == "" {
				return usageErr("name the environment: --env NAME")
			}
			if format != "yaml" && format != "json" {
				return usageErr("--format must be yaml or json, not %q", format)
			}
			m, err := load.Load(load.Options{Dir: g.dir, Envs: []string{env}})
			if err != nil {
				return err
			}
			data, err := json.MarshalIndent(m.Envs[env], "", "  ")
			if err != nil {
				return err
			}
			if format == "yaml" {
				if data, err = yaml.JSONToYAML(data); err != nil {
					return err
				}
			} else {
				data = append(data, '\n')
			}
			_, err = fmt.Fprint(stdout, string(data))
			return err
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment to export")
	cmd.Flags().StringVar(&format, "format", "yaml", "output format: yaml or json")
	return cmd
}
