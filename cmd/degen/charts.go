package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/charts"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/textesc"
)

func newChartsCmd(g *globals, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "charts lock",
		Short: "Pin the registry charts of the model's components in " + charts.LockFile,
		Long: `A component's chart may be a chart in an OCI registry:

  components: cache: {chart: "oci://registry.example.com/charts/redis", version: "19.6.4"}

charts lock resolves every such chart and version of every environment,
downloads it into the chart cache outside the repository
($DEGEN_CACHE_DIR/charts, or degen/charts in the user's cache directory:
~/.cache/degen/charts on Linux, one file per digest) and writes ` + charts.LockFile + `
beside cue.mod: per chart and version, the digest of its manifest and of
its archive. Commit it.

Every build (and check and push) then reads the charts from the cache,
checking each archive's digest, and runs offline once they are there. A
chart the cache lacks is fetched by its tag and refused when the tag has
moved to another manifest or the archive's digest is not the lock's; a
chart the lock does not name is never fetched (the build says to run
charts lock). Credentials are Helm's (helm registry login) or Docker's
(docker login); a registry on a loopback address is reached over plain
HTTP. On any error the lock file is left as it was.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || args[0] != "lock" {
				return usageErr("charts takes one subcommand: degen charts lock")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := load.Load(load.Options{Dir: g.dir})
			if err != nil {
				return err
			}
			seen := map[charts.Ref]bool{}
			var refs []charts.Ref
			for _, env := range m.Envs {
				for _, c := range env.Components {
					r := charts.Ref{Chart: c.Chart, Version: c.Version}
					if !charts.Remote(c.Chart) || seen[r] {
						continue
					}
					if c.Version == "" {
						return fmt.Errorf("environment %s: chart %s names no version: add version: \"X.Y.Z\" beside it", env.Name, textesc.Line(c.Chart))
					}
					seen[r] = true
					refs = append(refs, r)
				}
			}
			sort.Slice(refs, func(i, j int) bool {
				return refs[i].Chart < refs[j].Chart || refs[i].Chart == refs[j].Chart && refs[i].Version < refs[j].Version
			})
			dir, err := charts.CacheDir(os.Getenv)
			if err != nil {
				return err
			}
			lock, err := charts.Resolve(dir, refs)
			if err != nil {
				return err
			}
			if err := charts.WriteLock(g.dir, lock); err != nil {
				return err
			}
			for _, e := range lock.Charts {
				fmt.Fprintf(stdout, "locked %s %s %s\n", textesc.Line(e.Chart), textesc.Line(e.Version), e.Digest)
			}
			fmt.Fprintf(stdout, "wrote %s: %d charts\n", charts.LockFile, len(lock.Charts))
			return nil
		},
	}
	return cmd
}

// ensureCharts brings the charts the lock file pins into the chart cache,
// fetching only those it lacks (package charts): then the build reads them
// offline.
func ensureCharts(g *globals) error {
	lock, err := charts.ReadLock(g.dir)
	if errors.Is(err, fs.ErrNotExist) {
		// No model there: the build says what is missing.
		return nil
	}
	if err != nil || len(lock.Charts) == 0 {
		return err
	}
	dir, err := charts.CacheDir(os.Getenv)
	if err != nil {
		return err
	}
	return charts.Ensure(dir, lock)
}
