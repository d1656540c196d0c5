package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/cache"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/generator/writer"
)

func newBuildCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var ef envFlags
	var pf policyFlags
	var force, noCache bool
	cmd := &cobra.Command{
		Use:   "build [--env NAME]... | --all",
		Short: "Generate out/ for the selected environments",
		Long: `build loads the model, checks it, generates every artefact the selected
environments list, and replaces out/ in one atomic swap: a crash or a kill
leaves the previous out/ intact. Files of environments not selected stay as
they are; files no longer generated are pruned; a file degen did not write is
never overwritten. A build that changes nothing rewrites nothing.

Each environment is a CUE instance of its own: the files of envs/ without
@if, and those with its @if(NAME) before their package clause (a - of the
name written _: @if(us_east) for us-east). An environment whose files, shared
files, policies, mounted repository files and charts, and binary have not
changed since a build is not evaluated: its result comes from the build
cache, outside the repository: $DEGEN_CACHE_DIR, or degen/ in the user's
cache directory (~/.cache/degen on Linux), one directory per model path. A
.degen/cache in the repository is never read or written. After an edit of
envs/prod.cue, prod and the base (which the targets read) alone are
evaluated. --no-cache evaluates everything; check and vet never use the
cache; without a user cache directory a build runs without one.

out/ is a boundary: degen never writes, links or deletes outside it. An
--out that is or contains the model or its repository, that holds CUE files,
that is a symbolic link, a device or /, is refused before anything is
created (exit 2), and so is a symbolic link inside out/ or an index entry
that could point outside it. A generated file edited by hand since degen
wrote it stops the build, naming it: see the edit with degen diff, move it
into the model, or discard it with --force.

Before anything is written, the rules of policies/ check every selected
environment and the generated files are scanned for leaked secrets: a deny
stops the build (exit 1, out/ untouched), a warning is printed to stderr.`,
		Example: `  degen build
  degen build --env prod
  degen build --env dev,staging --dir ../model`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			envs, err := ef.selection()
			if err != nil {
				return err
			}
			if err := pf.check(); err != nil {
				return err
			}
			return runBuild(g, envs, &pf, force, noCache, stdout, stderr)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "discard hand edits of generated files in out/ (see them first with degen diff)")
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "evaluate the model even when the build cache holds the result for these inputs")
	ef.register(cmd)
	pf.register(cmd)
	registerQuiet(cmd)
	return cmd
}

func runBuild(g *globals, envs []string, pf *policyFlags, force, noCache bool, stdout, stderr io.Writer) error {
	start := time.Now()
	if err := checkOut(g); err != nil {
		return err
	}
	if err := ensureCharts(g); err != nil {
		return err
	}
	res, err := buildCached(g, envs, pf, noCache, stdout, stderr)
	if err != nil {
		return err
	}
	printDiags(stderr, res.Diagnostics())
	if err := pf.strictErr(res); err != nil {
		return err
	}
	rep, err := writer.Write(g.outDir(), writer.Plan{Files: res.Files, Owners: res.Owners, Scope: res.Envs, Force: force, Progress: g.progress.filesWritten()})
	var oe *writer.OutError
	if errors.As(err, &oe) {
		return &exitError{code: exitUsage, err: err}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", g.outDir(), err)
	}
	out := pf.summary(stdout, stderr)
	// Name the files a commit will carry, unless there are too many to read.
	if n := len(rep.Written) + len(rep.Pruned); n > 0 && n <= maxListed {
		for _, p := range rep.Written {
			fmt.Fprintf(out, "  wrote  out/%s\n", textesc.Line(p))
		}
		for _, p := range rep.Pruned {
			fmt.Fprintf(out, "  pruned out/%s\n", textesc.Line(p))
		}
	}
	from := ""
	switch n := len(res.FromCache); {
	case n > 0 && n == len(res.Envs):
		from = " (model unchanged: result from the build cache)"
	case n > 0:
		from = fmt.Sprintf(" (%v unchanged: from the build cache)", res.FromCache)
	}
	fmt.Fprintf(out, "built %s: %d files written, %d unchanged, %d pruned in %s%s\n", textesc.Line(fmt.Sprint(res.Envs)), len(rep.Written), len(rep.Unchanged), len(rep.Pruned), time.Since(start).Round(time.Millisecond), from)
	return nil
}

// buildCached is the build's result, with the environments whose inputs
// did not change since a build taken from the build cache (see package
// cache). A cache that cannot be opened is no error: the build evaluates
// everything, and says why unless there is no cache directory at all.
func buildCached(g *globals, envs []string, pf *policyFlags, noCache bool, stdout, stderr io.Writer) (*generator.Result, error) {
	opts := generator.Options{Dir: g.dir, Envs: envs, Targets: targets.All(), Place: g.place(), Progress: g.progress.steps()}
	if !noCache {
		dir, err := cache.Location(g.dir, os.Getenv)
		var c *cache.Cache
		if err == nil {
			c, err = cache.Open(dir, g.dir, g.outDir(), fmt.Sprint(g.place()))
		}
		if err == nil {
			defer c.Close()
			opts.Cache = c
		} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, cache.ErrNoDir) {
			fmt.Fprintf(stderr, "note: not using the build cache: %s\n", textesc.Line(err.Error()))
		}
	}
	res, _, err := pf.build(opts, stdout, stderr)
	return res, err
}

// checkOut refuses an --out degen must not write (exit 2) and a corrupt or
// crafted index (exit 2, root.go), before anything is generated or created.
func checkOut(g *globals) error {
	if _, err := os.Stat(g.dir); err != nil {
		return nil // no model: loading says so (exit 1)
	}
	if err := writer.CheckOut(g.outDir(), g.dir); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	_, err := writer.ReadIndex(g.outDir())
	return err
}

// maxListed is how many changed files build names one by one.
const maxListed = 30
