package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/scaffold"
	"github.com/degen-dev/degen/generator/writer"
)

func newInitCmd(stdout io.Writer) *cobra.Command {
	var example, name, module string
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR] [--example minimal|default]",
		Short: "Start a new degen repository that builds at once",
		Long: `init writes a new model into DIR (default: the current directory): the
model (envs/), its CUE module file (cue.mod/module.cue, depending on the
schema this degen serves), a .gitignore for degen's scratch directory
(.degen/) and a GitHub Actions workflow that runs degen check on every pull
request (with a read-only token, installing this very degen: its version,
or for a development build its VCS revision; never @latest). The schema
and the generic policies are in the binary: the repository holds only its
model.

--example minimal (the default) is one service, local on Compose and prod
on Kubernetes; --example default is the stack this project ships (a
stock-market data pipeline on Kafka, Flink and MinIO, four environments).

init refuses a DIR that is not empty unless --force, and never overwrites a
file: with --force it still stops, writing nothing, if one of its files
exists.`,
		Example: `  degen init myapp && cd myapp && degen build
  degen init --example default
  degen init . --force --name shop --module github.com/acme/shop`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr("init takes one directory, got %d arguments: %q", len(args), args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if !contains(scaffold.Examples(), example) {
				return usageErr("--example %q: use one of %v", example, scaffold.Examples())
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			if name == "" {
				name = scaffold.ProjectName(filepath.Base(abs))
			}
			pin, note := readBuildInfo().pin()
			files, err := scaffold.Files(scaffold.Options{Example: example, Name: name, Module: module, DegenVersion: pin, DegenNote: note})
			if err != nil {
				return usageErr("%v", err)
			}
			if err := writeNew(dir, files, force); err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintf(stdout, "  wrote  %s\n", path.Join(filepath.ToSlash(dir), f.Path))
			}
			fmt.Fprintf(stdout, "started %s (example %s). Next: degen build --dir %s, then commit the model and out/.\n", name, example, dir)
			if example == "minimal" {
				fmt.Fprintln(stdout, `To deploy prod with Argo CD or Flux, add "gitops" to its artefacts and set kubernetes: repoURL.`)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&example, "example", "minimal", "model to start from: minimal or default")
	cmd.Flags().StringVar(&name, "name", "", "project name, a DNS label (default: from DIR)")
	cmd.Flags().StringVar(&module, "module", "", "CUE module path (default example.com/<name>)")
	cmd.Flags().BoolVar(&force, "force", false, "write into a directory that is not empty (never over a file)")
	return cmd
}

// writeNew writes files under dir, creating it. A dir that holds anything
// is refused unless force; a file that exists is refused even then, before
// anything is written.
func writeNew(dir string, files []scaffold.File, force bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) > 5 {
			names = append(names[:5], "…")
		}
		return fmt.Errorf("%s is not empty (%s): init into an empty directory, or pass --force to add the model beside what is there (no file is ever overwritten)", dir, strings.Join(names, ", "))
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var exist []string
	for _, f := range files {
		if _, err := root.Lstat(filepath.FromSlash(f.Path)); err == nil {
			exist = append(exist, f.Path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if len(exist) > 0 {
		return fmt.Errorf("%s already has %s: init never overwrites a file; move it away, or start the model elsewhere", dir, strings.Join(exist, ", "))
	}
	for _, f := range files {
		if err := writer.CreateNew(root, f.Path, f.Data, writer.FileMode); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
