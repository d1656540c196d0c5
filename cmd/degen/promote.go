package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/promote"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
)

func newPromoteCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var from, to string
	var only []string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "promote --from ENV --to ENV [--only images|flags|replicas|resources|PATH]... [--dry-run]",
		Short: "Carry values of one environment into another's CUE file, with the rollout impact",
		Long: `promote edits the target environment's own CUE file (the file of envs/ with
its @if, envs/TO.cue when it has several) so that the selected values equal
the source environment's: every service's image by default, or what --only
names: images, flags, replicas, resources, or field paths as degen explain
takes them (services.api.image, params.logLevel), comma-separated or
repeated.

A value is carried as the model expresses it: a field the target's file
writes is changed there; an image the base derives from a parameter
(image: "app:\(P.appTag)") is carried by that parameter; any other value
is added to the target's file. The edit is made on the file's syntax tree
and formatted with cue/format: comments stay, and only the edited lines
change in a formatted file.

promote prints the unified diff of the file, then the rollout impact of
the change on the target (as degen diff ends with it: workloads that
restart and why, what scales, what is recreated), computed by building the
target as it is and as promoted. Without --dry-run it then writes the file
(atomically, nothing else: run degen build to regenerate out/).

A promotion is refused (exit 1, the reason on the first line, nothing
written) when the promoted model fails to load, breaks a policy or does not
build, or when it would change a value the selection does not cover (a
parameter that also decides another field): widen --only or edit by hand.
When the target already has the source's values, promote says so and exits
0 without touching the file. An unknown environment, the same environment
twice, a target without a file of its own or an --only that names no field
is exit 2, with the valid choices.`,
		Example: `  degen promote --from staging --to prod --dry-run
  degen promote --from staging --to prod
  degen promote --from staging --to prod --only images,flags
  degen promote --from staging --to prod --only 'services.api.image'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return g.needPromoteEnvs()
			}
			return runPromote(g, promote.Request{Dir: g.dir, From: from, To: to, Only: only}, dryRun, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the environment whose values are promoted")
	cmd.Flags().StringVar(&to, "to", "", "the environment whose file is edited")
	cmd.Flags().StringSliceVar(&only, "only", nil, "what to promote: "+strings.Join(promote.Kinds(), ", ")+", or field paths (default images)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the edit and its impact, write nothing")
	return cmd
}

// needPromoteEnvs is the misuse of promote without --from or --to: it
// names the model's environments.
func (g *globals) needPromoteEnvs() error {
	if names := load.EnvNames(g.dir); len(names) > 0 {
		return usageErr("name both environments: --from NAME --to NAME, each one of %s", strings.Join(names, ", "))
	}
	return usageErr("name both environments: --from NAME --to NAME")
}

func runPromote(g *globals, req promote.Request, dryRun bool, stdout, stderr io.Writer) error {
	req.Targets, req.Place, req.Getenv = targets.All(), g.place(), os.Getenv
	done := progress(stderr, "degen promote: building "+textesc.Line(req.To)+" as it is and as promoted…")
	res, err := promote.Promote(req)
	done()
	var ue *promote.UsageError
	if errors.As(err, &ue) {
		return usageErr("%s", ue.Msg)
	}
	var re *promote.RefusedError
	if errors.As(err, &re) {
		fmt.Fprintln(stderr, textesc.Line(re.Error()))
		if re.Cause != nil {
			base, _ := filepath.Abs(g.dir)
			printError(stderr, re.Cause, base)
		}
		return &exitError{code: exitFailure}
	}
	if err != nil {
		return err
	}
	if res.Noop() {
		fmt.Fprintf(stdout, "nothing to promote: %s already has the %s of %s (%s unchanged)\n", textesc.Line(req.To), textesc.Line(res.Selection), textesc.Line(req.From), textesc.Line(res.File))
		return nil
	}
	printDiags(stderr, warningDiags(res.Warnings))
	var b strings.Builder
	for _, e := range res.Edits {
		carries := ""
		if len(e.Settles) != 1 || e.Settles[0] != e.Name() {
			carries = " (carries " + strings.Join(e.Settles, ", ") + ")"
		}
		fmt.Fprintf(&b, "%s: %s%s\n", textesc.Line(e.Name()), textesc.Line(e.Change()), textesc.Line(carries))
	}
	for _, a := range res.Also {
		fmt.Fprintf(&b, "  which also changes %s\n", textesc.Line(a))
	}
	// The file's lines as they are, tabs kept, any other control
	// character escaped.
	b.WriteString(textesc.Lines(res.Diff()))
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	if err := writeImpact(stdout, res); err != nil {
		return err
	}
	if dryRun {
		fmt.Fprintf(stdout, "--dry-run: %s not written\n", textesc.Line(res.File))
		return nil
	}
	if err := promote.Write(g.dir, res); err != nil {
		return fmt.Errorf("writing %s: %w", res.File, err)
	}
	fmt.Fprintf(stdout, "promoted %s of %s to %s: wrote %s (run degen build --env %s)\n", textesc.Line(res.Selection), textesc.Line(req.From), textesc.Line(req.To), textesc.Line(res.File), textesc.Line(req.To))
	return nil
}

// writeImpact prints the promotion's rollout impact (degen diff's), or
// that no generated file changes.
func writeImpact(w io.Writer, res *promote.Result) error {
	if res.Impact.Empty() {
		_, err := fmt.Fprintln(w, "no generated file changes")
		return err
	}
	if _, err := fmt.Fprintf(w, "%s: %s\n", textesc.Line(res.File), res.Impact.Summary()); err != nil {
		return err
	}
	return diff.WriteImpact(w, res.Impact, false)
}
