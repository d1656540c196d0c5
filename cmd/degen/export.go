package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	yaml4 "go.yaml.in/yaml/v4"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/textesc"
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
				return g.needEnv()
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
				if data, err = escapedYAML(data); err != nil {
					return err
				}
			} else {
				data = append([]byte(textesc.JSON(string(data))), '\n')
			}
			_, err = fmt.Fprint(stdout, string(data))
			return err
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment to export")
	cmd.Flags().StringVar(&format, "format", "yaml", "output format: yaml or json")
	return cmd
}

// escapedYAML converts the JSON text data to YAML in which no control,
// bidi control or other rune textesc shows escaped is written raw (a
// model value can hold any of them, and export prints to a terminal), with
// the same data: every scalar that holds one is double-quoted, where YAML
// reads \uXXXX as the rune itself, and the runes are then written so.
func escapedYAML(data []byte) ([]byte, error) {
	out, err := yaml.JSONToYAML(data)
	if err != nil || !strings.ContainsFunc(string(out), unsafeInYAML) {
		return out, err
	}
	// From the JSON text itself, which holds every value on one line: the
	// YAML above folds long lines, and a NEL folded there reads back as a
	// space. Maps encode with sorted keys, as above.
	// encoding/json writes a NEL raw, which YAML reads as a line break: the
	// escaped JSON text is the same data with every such rune a \u escape.
	var v any
	if err := yaml4.Unmarshal([]byte(textesc.JSON(string(data))), &v); err != nil {
		return nil, err
	}
	var doc yaml4.Node
	if err := doc.Encode(v); err != nil {
		return nil, err
	}
	quoteUnsafe(&doc)
	if out, err = yaml4.Dump(&doc, yaml4.WithIndent(2), yaml4.WithLineWidth(-1)); err != nil {
		return nil, err
	}
	return []byte(textesc.JSON(string(out))), nil
}

// unsafeInYAML is a rune that must not be written raw, but the line feed a
// block scalar keeps.
func unsafeInYAML(r rune) bool { return r != '\n' && textesc.Unsafe(r) }

func quoteUnsafe(n *yaml4.Node) {
	if n.Kind == yaml4.ScalarNode && strings.ContainsFunc(n.Value, unsafeInYAML) {
		n.Style = yaml4.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		quoteUnsafe(c)
	}
}
