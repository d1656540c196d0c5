package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/scaffold"
)

// registerCompletions gives the shell completion of every command (degen
// completion bash|zsh|fish|powershell) the values of their flags: the
// model's environments for --env and --against (read from the model in
// --dir without evaluating it), the formats, the examples of init, and
// directories for --dir and --out.
func registerCompletions(root *cobra.Command, g *globals) {
	envs := func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, e := range load.EnvNames(g.dir) {
			if strings.HasPrefix(e, prefix) {
				out = append(out, e)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	fixed := func(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		}
	}
	dirs := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	_ = root.RegisterFlagCompletionFunc("dir", dirs)
	_ = root.RegisterFlagCompletionFunc("out", dirs)
	for _, c := range root.Commands() {
		for _, name := range envNameFlags {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, envs)
			}
		}
		if c.Flags().Lookup("format") != nil {
			switch c.Name() {
			case "export":
				_ = c.RegisterFlagCompletionFunc("format", fixed("yaml", "json"))
			case "explain":
				_ = c.RegisterFlagCompletionFunc("format", fixed("text", "json"))
			case "graph":
				_ = c.RegisterFlagCompletionFunc("format", fixed("mermaid", "dot"))
			case "diff":
				_ = c.RegisterFlagCompletionFunc("format", fixed("text", "markdown", "json"))
			}
		}
		if c.Flags().Lookup("policy-report") != nil {
			_ = c.RegisterFlagCompletionFunc("policy-report", fixed("json"))
		}
		if c.Flags().Lookup("example") != nil {
			_ = c.RegisterFlagCompletionFunc("example", fixed(scaffold.Examples()...))
		}
		if c.Flags().Lookup("color") != nil {
			_ = c.RegisterFlagCompletionFunc("color", fixed("auto", "always", "never"))
		}
	}
}
