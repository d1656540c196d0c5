package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/cache"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/targets"
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

When no CUE file of the model, no repository file it mounts or chart it
renders, no environment asked for and not the binary changed since the last
build, the result comes from .degen/cache
(next to out/, never committed) and the model is not evaluated; --no-cache
evaluates it anyway. check and vet never use the cache.

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
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "evaluate the model even when .degen/cache holds the result for these inputs")
	ef.register(cmd)
	pf.register(cmd)
	return cmd
}

func runBuild(g *globals, envs []string, pf *policyFlags, force, noCache bool, stdout, stderr io.Writer) error {
	start := time.Now()
	if err := checkOut(g); err != nil {
		return err
	}
	res, cached, err := buildCached(g, envs, pf, noCache, stdout, stderr)
	if err != nil {
		return err
	}
	printWarnings(stderr, res.Warnings)
	if err := pf.strictErr(res); err != nil {
		return err
	}
	rep, err := writer.Write(g.outDir(), writer.Plan{Files: res.Files, Owners: res.Owners, Scope: res.Envs, Force: force})
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
			fmt.Fprintf(out, "  wrote  out/%s\n", p)
		}
		for _, p := range rep.Pruned {
			fmt.Fprintf(out, "  pruned out/%s\n", p)
		}
	}
	from := ""
	if cached {
		from = " (model unchanged: result from .degen/cache)"
	}
	fmt.Fprintf(out, "built %v: %d files written, %d unchanged, %d pruned in %s%s\n", res.Envs, len(rep.Written), len(rep.Unchanged), len(rep.Pruned), time.Since(start).Round(time.Millisecond), from)
	return nil
}

// buildCached is the build's result: from .degen/cache when every input
// file, the environments asked for and the binary are as they were and no
// secret variable of the model is set in the shell (the leak check looks
// for those values), else from a real build, which is then cached. A cache
// that cannot be read or written is no error: the build runs for real.
func buildCached(g *globals, envs []string, pf *policyFlags, noCache bool, stdout, stderr io.Writer) (*generator.Result, bool, error) {
	scratch := filepath.Join(filepath.Dir(filepath.Clean(g.outDir())), writer.ScratchDir)
	key := ""
	if !noCache {
		key, _ = cache.Key(g.dir, g.outDir(), envs, fmt.Sprint(g.place()))
	}
	if key != "" {
		if e := cache.Load(scratch, g.dir, key); e != nil && !anySet(e.SecretVars) {
			rep := &policy.Report{}
			rep.Add(e.Violations...)
			if err := pf.print(rep, true, stdout, stderr); err != nil {
				return nil, false, err
			}
			return &generator.Result{Files: e.Files, Owners: e.Owners, Envs: e.Envs, Warnings: e.Warnings, Policy: rep}, true, nil
		}
	}
	res, m, err := pf.build(generator.Options{Dir: g.dir, Envs: envs, Targets: targets.All(), Place: g.place()}, stdout, stderr)
	if err != nil {
		return nil, false, err
	}
	if key != "" {
		e := &cache.Entry{SecretVars: secretVars(m), Files: res.Files, Owners: res.Owners, Envs: res.Envs, Warnings: res.Warnings, Inputs: inputs(m)}
		if res.Policy != nil {
			e.Violations = res.Policy.Violations
		}
		if err := cache.Store(scratch, key, e); err != nil {
			fmt.Fprintf(stderr, "note: not caching this build: %v\n", err)
		}
	}
	return res, false, nil
}

// secretVars are the shell variables of m's secrets, sorted.
func secretVars(m *model.Model) []string {
	seen := map[string]bool{}
	envs := []*model.Environment{m.Base}
	for _, n := range m.EnvNames() {
		envs = append(envs, m.Envs[n])
	}
	var out []string
	for _, env := range envs {
		if env == nil {
			continue
		}
		for _, s := range env.Secrets {
			if !seen[s.EnvVar] {
				seen[s.EnvVar] = true
				out = append(out, s.EnvVar)
			}
		}
	}
	sort.Strings(out)
	return out
}

// inputs are the files a build of m reads besides the CUE files, with
// their hashes: the Helm charts of its components and the repository files
// its services mount (config file), so that editing one invalidates the
// cached result.
func inputs(m *model.Model) map[string]string {
	out := map[string]string{}
	envs := []*model.Environment{m.Base}
	for _, n := range m.EnvNames() {
		envs = append(envs, m.Envs[n])
	}
	for _, env := range envs {
		if env == nil {
			continue
		}
		for _, c := range env.Components {
			out[c.Chart] = cache.HashPath(m.Root, c.Chart)
		}
		for _, s := range env.Services {
			for _, mnt := range s.Mounts {
				if mnt.File != "" {
					out[mnt.File] = cache.HashPath(m.Root, mnt.File)
				}
			}
		}
	}
	return out
}

func anySet(vars []string) bool {
	for _, v := range vars {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
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
