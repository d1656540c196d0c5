package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/schema"
)

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print degen's version, its VCS revision, the schema it serves and the CUE version it embeds",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(stdout, versionLine())
			return err
		},
	}
}

// buildInfo is what the binary's build info says of it: the module
// version ("(devel)" when none), the VCS revision it was built from (""
// when unknown), whether the tree had changes, and the CUE version it
// embeds.
type buildInfo struct {
	version, rev, cue string
	dirty             bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{version: "(devel)", cue: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if bi.Main.Version != "" {
		b.version = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == "cuelang.org/go" {
			b.cue = d.Version
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.rev = s.Value
		case "vcs.modified":
			b.dirty = s.Value == "true"
		}
	}
	return b
}

// versionLine is degen's module version, the VCS revision it was built from
// (with +dirty when the tree had changes) and the CUE version it embeds,
// all from the binary's build info.
func versionLine() string { return readBuildInfo().line() }

func (b buildInfo) line() string {
	line := "degen " + b.version
	if rev := b.rev; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.dirty {
			rev += "+dirty"
		}
		line += " " + rev
	}
	return line + " (schema " + schema.Module + " " + schema.Version + ", cue " + b.cue + ")"
}

// pin is what the workflow degen init writes installs: the module version
// degen version reports; for a development build (no version, or built
// from a modified tree) the VCS revision it was built from, with a note
// saying what to do; "" when there is neither (the install step then
// fails until one is pinned). Never "latest".
func (b buildInfo) pin() (version, note string) {
	devel := "degen init was run by a development build (" + b.line() + ")"
	switch {
	case b.version != "(devel)" && !strings.HasSuffix(b.version, "+dirty") && !b.dirty:
		return b.version, ""
	case b.rev != "" && b.dirty:
		return b.rev, devel + ",\nbuilt from a tree with uncommitted changes, which the pin cannot name: it installs\nthe revision " + b.rev + " they were made on. Pin a released version\n(@vX.Y.Z) instead when there is one."
	case b.rev != "":
		return b.rev, devel + ":\nit installs the revision " + b.rev + " it was built from (that\ncommit must be pushed). Pin a released version (@vX.Y.Z) instead when there is one."
	}
	return "", devel + ",\nwhich names no version nor VCS revision: the install step fails until you pin one."
}
