package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print degen's version and the CUE version it embeds",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version, cueVersion := "(devel)", "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				if bi.Main.Version != "" {
					version = bi.Main.Version
				}
				for _, d := range bi.Deps {
					if d.Path == "cuelang.org/go" {
						cueVersion = d.Version
					}
				}
			}
			_, err := fmt.Fprintf(stdout, "degen %s (cue %s)\n", version, cueVersion)
			return err
		},
	}
}
