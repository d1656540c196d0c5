package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/suggest"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/writer"
)

// Exit codes. They are part of degen's interface: CI scripts rely on them.
const (
	exitOK      = 0
	exitFailure = 1 // invalid model, failed policy, failed write
	exitUsage   = 2 // misuse of the command line
	exitStale   = 3 // degen check: out/ does not match the model
)

// exitError carries an exit code up to Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// needEnv is the misuse of a command that reads one environment and was
// given none: it names the model's environments.
func (g *globals) needEnv() error {
	if names := load.EnvNames(g.dir); len(names) > 0 {
		return usageErr("name the environment: --env NAME, one of %s", strings.Join(names, ", "))
	}
	return usageErr("name the environment: --env NAME")
}

// unknownCommand rewrites cobra's "unknown command" error (its suggestions
// on lines of their own) into one line that names the closest command, or
// the commands there are.
func unknownCommand(root *cobra.Command, err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command ") {
		return err
	}
	first, _, _ := strings.Cut(msg, "\n")
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	word := strings.Trim(strings.TrimPrefix(first, "unknown command "), `"`)
	word, _, _ = strings.Cut(word, `"`)
	if idx := suggest.Closest(word, names); len(idx) > 0 {
		var near []string
		for _, i := range idx {
			near = append(near, names[i])
		}
		return fmt.Errorf("%s: did you mean %s? (the commands: %s)", first, strings.Join(near, " or "), strings.Join(names, ", "))
	}
	return fmt.Errorf("%s: use one of %s (degen --help says what each does)", first, strings.Join(names, ", "))
}

// unknownFlag adds to pflag's "unknown flag: --x" the closest flag of cmd.
func unknownFlag(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return fmt.Errorf("%w (see degen %s --help)", err, cmd.Name())
	}
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if idx := suggest.Closest(name, names); len(idx) > 0 {
		var near []string
		for _, i := range idx {
			near = append(near, "--"+names[i])
		}
		return fmt.Errorf("%w: did you mean %s? (see degen %s --help)", err, strings.Join(near, " or "), cmd.Name())
	}
	return fmt.Errorf("%w (see degen %s --help)", err, cmd.Name())
}

// globals are the flags every command shares.
type globals struct {
	// dir is the root of the model's CUE module.
	dir string
	// out is the output tree; empty means <dir>/out.
	out string
	// budget bounds the time and memory of every command.
	budget budget
	// progress is the progress line of build, check and vet; nil when
	// the commands run without run (it then counts nothing).
	progress *progressLine
}

// place is where out/ lies for the model (generator.PlaceOf); the zero
// Place, out/ at the model's root, when it cannot be told.
func (g *globals) place() target.Place {
	p, _ := generator.PlaceOf(g.dir, g.outDir())
	return p
}

func (g *globals) outDir() string {
	if g.out != "" {
		return g.out
	}
	return filepath.Join(g.dir, "out")
}

// Main runs degen with os.Args and returns the process exit code.
func Main() int {
	return run(os.Args[1:], os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	// The command writes beside its progress line, which clears itself
	// before anything else is printed.
	progress := newProgressLine(stderr)
	stdout, stderr = progress.wrap(stdout), progress.wrap(stderr)
	g := &globals{budget: budget{exit: os.Exit}, progress: progress}
	root := newRootCmd(g, stdout, stderr)
	root.SetArgs(args)
	started := false
	stop := func() {}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		started = true
		var envs []string
		if f := cmd.Flags().Lookup("env"); f != nil && f.Changed {
			// Checked DNS labels (envNameValue), printed "[a,b]".
			envs = strings.Split(strings.Trim(f.Value.String(), "[]"), ",")
		}
		var err error
		stop, err = g.budget.start(stderr, describe(cmd.Name(), envs))
		if max, lerr := g.budget.limit(); err == nil && lerr == nil {
			// The collector's soft limit stays under --max-memory.
			generator.TuneGC(max / 10 * 9)
		}
		if f := cmd.Flags().Lookup("quiet"); err == nil && f != nil && f.Value.String() == "false" {
			progress.begin(cmd.Name())
		}
		return err
	}
	err := root.Execute()
	progress.end()
	if stop != nil {
		stop()
	}
	if err == nil {
		return exitOK
	}
	code := exitFailure
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code // the command has said all it had to (degen diff: different)
		}
	} else if !started {
		// An error before any command starts is cobra's: an unknown
		// command (with its "Did you mean this?" suggestions), or a
		// missing required flag. Both misuse the command line.
		code = exitUsage
		err = unknownCommand(root, err)
	}
	// An unknown environment is a misuse of --env; a corrupt out/ index is
	// not the model's fault either: both are exit 2, as for diff and check.
	var unk *load.UnknownEnvError
	var corrupt *writer.CorruptIndexError
	if errors.As(err, &unk) || errors.As(err, &corrupt) {
		code = exitUsage
	}
	base, _ := filepath.Abs(g.dir)
	printError(stderr, err, base)
	return code
}

func newRootCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "degen",
		Short: "Compile one CUE model of a stack into GitOps manifests under out/",
		Long: `degen compiles one CUE model of a stack (envs/, and its own policies/) into
the files the stack is deployed from: Docker Compose files and .env files, a
Kustomize base with per-environment overlays, Argo CD and Flux entry points,
Terraform tfvars, Prometheus scrape configs and feature-flag files, all under
out/. Those files are committed and reviewed as diffs; Argo CD or Flux deploy
them from out/. The schema and the generic policies are in this binary
(degen schema prints them): a repository holds only its model.

Start a repository, then use it before every commit:

  degen init myapp         a model that builds at once (--example default: a full stack)
  degen import compose     a model from the Compose files a stack already has
  degen build              regenerate out/ for every environment
  degen check              CI gate: fail when out/ is stale

Exit codes: 0 success, 1 invalid model or failed check, 2 misuse of the
command line, 3 out/ is stale (degen check). degen diff exits like diff(1):
0 same, 1 different, 2 error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: unknownFlag(cmd, err)}
	})
	root.PersistentFlags().StringVar(&g.dir, "dir", ".", "root of the model's CUE module (the directory holding cue.mod)")
	root.PersistentFlags().StringVar(&g.out, "out", "", "output directory (default <dir>/out)")
	root.PersistentFlags().DurationVar(&g.budget.timeout, "timeout", defaultTimeout, "stop a command that runs longer than this (a model's evaluation cannot otherwise be interrupted)")
	root.PersistentFlags().StringVar(&g.budget.maxMemory, "max-memory", defaultMaxMemory, "stop a command whose memory grows past this (a quantity: 8Gi, 512Mi)")
	root.AddCommand(
		newBuildCmd(g, stdout, stderr),
		newVetCmd(g, stdout, stderr),
		newExportCmd(g, stdout),
		newCheckCmd(g, stdout, stderr),
		newVersionCmd(stdout),
		newDiffCmd(g, stdout, stderr),
		newPromoteCmd(g, stdout, stderr),
		newExplainCmd(g, stdout),
		newGraphCmd(g, stdout),
		newInitCmd(stdout),
		newSchemaCmd(stdout),
		newImportCmd(stdout),
		newPushCmd(g, stdout, stderr),
		newChartsCmd(g, stdout),
	)
	registerCompletions(root, g)
	for _, c := range root.Commands() {
		for _, name := range envNameFlags {
			if f := c.Flags().Lookup(name); f != nil {
				f.Value = envNameValue{f.Value}
				if f.DefValue == "[]" {
					f.DefValue = "" // help prints no "(default [])" for a wrapped slice either
				}
			}
		}
	}
	return root
}

// envFlags are --env and --all, shared by the commands that select
// environments.
type envFlags struct {
	envs []string
	all  bool
}

func (f *envFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.envs, "env", nil, "environment to process (repeat or comma-separate for several)")
	cmd.Flags().BoolVar(&f.all, "all", false, "process every environment of the model (the default without --env)")
}

// selection returns the environments to process, nil meaning all: every
// command that takes environments defaults to all of them, and --all says
// so explicitly.
func (f *envFlags) selection() ([]string, error) {
	switch {
	case f.all && len(f.envs) > 0:
		return nil, usageErr("--env and --all exclude each other: give one")
	case f.all, len(f.envs) == 0:
		return nil, nil
	}
	return f.envs, nil
}

// envNameFlags are the flags whose values name environments.
var envNameFlags = []string{"env", "against", "from", "to"}

// envNameValue is the Value of an environment flag: it refuses a name that
// is no DNS-1123 label as the flag is parsed (an environment's name is its
// Kubernetes namespace and a path element under out/), so a newline, a
// space, an upper-case letter or an empty name is a usage error naming
// the value, never a silently shortened list: pflag's string slices read
// "prod\nlocal" as one CSV record, "prod".
type envNameValue struct{ pflag.Value }

func (v envNameValue) Set(s string) error {
	names := []string{s}
	if strings.HasSuffix(v.Type(), "Slice") {
		names = strings.Split(s, ",")
	}
	for _, name := range names {
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			what := "not an environment name"
			if name != s { // pflag's message quotes s already
				what = fmt.Sprintf("%q is %s", name, what)
			}
			return fmt.Errorf("%s: names are DNS-1123 labels (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)", what)
		}
	}
	return v.Value.Set(s)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q (see degen %s --help)", cmd.Name(), args, cmd.Name())
	}
	return nil
}
