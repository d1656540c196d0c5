package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	composeimport "github.com/degen-dev/degen/generator/importer/compose"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/generator/writer"
)

func newImportCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write a model from an existing stack's files (import compose)",
		Long: `import writes a degen model from the files a stack already has. Today it
reads Docker Compose files: degen import compose.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr("name what to import: degen import compose [-f FILE]... (see degen import --help)")
		},
	}
	cmd.AddCommand(newImportComposeCmd(stdout))
	return cmd
}

func newImportComposeCmd(stdout io.Writer) *cobra.Command {
	var opts composeimport.Options
	var force bool
	cmd := &cobra.Command{
		Use:   "compose [-f FILE]... [--env-file FILE] [--project-directory DIR] [--into DIR] [--env NAME] [--force]",
		Short: "Write a model from Docker Compose files",
		Long: `import compose loads Compose files as docker compose does (compose-go:
interpolation, extends, include, several -f merged, every profile) and writes
a degen model into --into: cue.mod/module.cue, envs/stack.cue and
envs/<env>.cue, defining environment --env with the compose and env
artefacts, so that degen build works at once.

What the model cannot say as the Compose files do is never dropped silently:
each such field is listed (service, field, Compose file and line) on stdout
and written as a comment beside its service. Values that look like secrets,
variables whose names do (${STRIPE_KEY}, even when the shell sets it), and
unset variables become secret references; set them before docker compose
up. A value taken from the shell is reported as such. An existing model in
--into is refused unless --force.

The Compose files are untrusted: every file they make the import read
(include, extends, env_file, label_file, .env, config files) must be inside
the project directory, through no link leading out, never under .git/ or
.degen/, Compose and env files at most 4 MiB, config files 1 MiB
(docs/IMPORT.md).`,
		Example: `  degen import compose -f docker-compose.yml
  degen build --env local
  docker compose --env-file out/env/.env.local -f out/compose/local/compose.yaml up -d`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Into == "" {
				opts.Into = "."
			}
			return runImportCompose(cmd, stdout, opts, force)
		},
	}
	cmd.Flags().StringArrayVarP(&opts.Files, "file", "f", nil, "Compose file (repeat to merge several, in order; default compose.yaml or docker-compose.yml of the project directory)")
	cmd.Flags().StringArrayVar(&opts.EnvFiles, "env-file", nil, "file of variables for interpolation (repeat for several; default the project directory's .env)")
	cmd.Flags().StringVar(&opts.ProjectDir, "project-directory", "", "Compose project directory (default the directory of the first file)")
	cmd.Flags().StringVar(&opts.Into, "into", ".", "directory the model is written into")
	cmd.Flags().StringVar(&opts.Env, "env", "local", "name of the environment the model defines")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the model files of an existing model in --into")
	return cmd
}

func runImportCompose(cmd *cobra.Command, stdout io.Writer, opts composeimport.Options, force bool) error {
	existing, err := modelFiles(opts.Into)
	if err != nil {
		return err
	}
	if len(existing) > 0 && !force {
		rel, _ := filepath.Rel(opts.Into, existing[0])
		return fmt.Errorf("%s already holds a model (%s): nothing written; pass --force to overwrite its files %s and %s, or --into another directory", opts.Into, filepath.ToSlash(rel), composeimport.StackFile, composeimport.EnvFile(opts.Env))
	}
	// compose-go warns of unset variables on logrus; the report says it.
	logrus.SetOutput(io.Discard)
	opts.Environ = os.Environ()
	res, err := composeimport.Import(cmd.Context(), opts)
	if err != nil {
		return err
	}
	// The module file is created when missing, as degen init does, and
	// never rewritten.
	if _, err := os.Lstat(filepath.Join(opts.Into, composeimport.ModuleFile)); err == nil {
		delete(res.Files, composeimport.ModuleFile)
	}
	if err := writeModel(opts.Into, res.Files); err != nil {
		return fmt.Errorf("writing the model into %s: %w", opts.Into, err)
	}
	paths := make([]string, 0, len(res.Files))
	for p := range res.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	fmt.Fprintf(stdout, "imported Compose project %s into %s: %s\n", textesc.Line(res.Project), textesc.Line(opts.Into), textesc.Line(fmt.Sprint(paths)))
	var kept []string
	for _, e := range existing {
		rel, _ := filepath.Rel(opts.Into, e)
		if rel = filepath.ToSlash(rel); res.Files[rel] == nil {
			kept = append(kept, rel)
		}
	}
	if len(kept) > 0 {
		fmt.Fprintf(stdout, "kept the model's other files, which the build reads too: %s\n", textesc.Line(fmt.Sprint(kept)))
	}
	// Defaults written out change nothing that runs: one line names them.
	var differ []composeimport.Finding
	explicit := map[string]int{}
	for _, f := range res.Findings {
		if f.Kind == composeimport.Explicit {
			explicit[f.Field]++
			continue
		}
		differ = append(differ, f)
	}
	if len(differ) > 0 {
		fmt.Fprintf(stdout, "%d differences (also written beside each service in %s):\n", len(differ), composeimport.StackFile)
		for _, f := range differ {
			fmt.Fprintln(stdout, "  "+f.Diagnostic().Text())
		}
	}
	if len(explicit) > 0 {
		var fields []string
		for _, field := range slices.Sorted(maps.Keys(explicit)) {
			if n := explicit[field]; n > 1 {
				field += fmt.Sprintf(" (%d services)", n)
			}
			fields = append(fields, field)
		}
		fmt.Fprintf(stdout, "Written out as Compose runs them (its defaults, and Compose-only fields in compose.patches; noted in %s): %s\n", composeimport.StackFile, textesc.Line(strings.Join(fields, ", ")))
	}
	fmt.Fprintf(stdout, "next: degen build --env %s --dir %s\n", textesc.Line(opts.Env), textesc.Line(opts.Into))
	return nil
}

// modelFiles are the envs/*.cue files of the model in dir, listed through
// an os.Root: an envs/ that links out of dir lists nothing (and writing
// through it is refused).
func modelFiles(dir string) ([]string, error) {
	r, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	names, err := fs.Glob(r.FS(), "envs/*.cue")
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = filepath.Join(dir, filepath.FromSlash(n))
	}
	return files, err
}

// writeModel writes every file through an os.Root opened on root (created
// when missing), to a temporary beside its target first, then renames them
// all (writer.ReplaceFiles): an error leaves no half-written model, and a
// link planted in the model's directory is never followed.
func writeModel(root string, files map[string][]byte) error {
	if err := os.MkdirAll(root, writer.DirMode); err != nil {
		return err
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	return writer.ReplaceFiles(r, files)
}
