package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/review"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/generator/writer"
)

// Exit codes of degen diff, as diff(1) has them.
// 0 means no difference.
const (
	exitDiffDifferent = 1
	exitDiffError     = 2
)

func newDiffCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var envs []string
	var base, against, format, color, parts string
	var raw bool
	var ignore []string
	var cl clusterFlags
	cmd := &cobra.Command{
		Use:   "diff [--env NAME] [--base REF | --against ENV | --cluster] [--format text|markdown|json]",
		Short: "Show what a build changes, object by object",
		Long: `diff compares generated files object by object: Kubernetes objects by
apiVersion, kind, namespace and name; Compose services, networks and volumes;
Prometheus scrape jobs; tfvars and .env variables; JSON keys. Kubernetes
objects are those Argo CD or Flux would apply: the kustomize build of each
overlay (--raw compares the base and patch files instead). Changes are
field paths with old → new values; a value that spans lines is a unified
diff of its lines with 3 lines of context; an added or removed object
shows its content. What the leak check denies (a plain value under a key
ending in password, token, secret…; values that look like secrets:
tokens, keys, passwords in URLs) and a Kubernetes Secret's values are shown
as (redacted); references and other values are shown. Control and bidi
characters are shown escaped (\r, \x1b, \u202e).

Every report ends with the rollout impact per environment, derived from
the objects: workloads that restart and why (image, config hash,
environment), replicas and autoscalers, claims and StatefulSet claim
templates (recreate), Ingress hosts and Service types, ExternalSecret keys
that must exist in the store first, Terraform variables, Compose services
recreated. When an environment's model changed but none of its files did,
the report names the model fields (the old model is the one at --base, or
at git HEAD when out/ is as committed there), and the build's warnings on
stderr say why; the exit code still counts files.

--format markdown (for a pull-request comment) opens with a table of the
objects added, changed and removed per environment and target, and lists a
change that several environments share once, naming them. It ends with a
Mermaid graph of each environment the change touches (degen graph), its
added, removed and changed nodes marked against the old side's model: the
model at --base, the --against environment, or, against out/, the model at
git HEAD when out/ is as committed there (else unmarked, with a note).
--format json gives old and new as JSON values.

The new side is a fresh build of the model. The old side is out/ (default),
the model's output at a git revision (--base REF, built from git archive; the
work tree is not touched), or another environment (--env A --against B: what
B's files would change into to become A's; each environment's name and
namespace are ignored in every string, so only real differences show).

--cluster compares one environment's overlay in out/ with the live objects
of its cluster instead (kubeconfig from --kubeconfig, $KUBECONFIG or
~/.kube/config; --context): each object is applied server-side as a dry run,
so fields other managers own (an autoscaler's replicas) are not drift;
"added" is in out/ only, "removed" in the cluster only (degen's labels, the
environment's namespace). Read-only access: docs/REVIEW.md.

Exit 0 when there is no difference, 1 when there is one, 2 on an error
(unknown revision or environment, invalid model, corrupt out/, a symbolic
link inside out/, which diff never reads through; with --cluster, a cluster
that cannot be reached or refuses the request).`,
		Example: `  degen diff
  degen diff --base origin/main --format markdown > diff.md
  degen diff --base origin/main --parts diff-parts --format markdown > diff.md
  degen diff --env prod --against staging
  degen diff --env prod --against staging --ignore 'ConfigMap/*:data.LOG_LEVEL' --ignore Deployment/worker
  degen diff --cluster --env prod --context prod-admin`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rules []diff.Ignore
			for _, s := range ignore {
				r, err := diff.ParseIgnore(s)
				if err != nil {
					return usageErr("--ignore: %w", err)
				}
				rules = append(rules, r)
			}
			if parts != "" && format != "markdown" {
				return usageErr("--parts splits the Markdown report: add --format markdown")
			}
			if err := checkReportFlags(format, color); err != nil {
				return err
			}
			var err error
			if cl.on {
				err = runClusterDiff(cmd, g, cl, envs, rules, format, color, parts, stdout, stderr)
			} else {
				req := review.Request{Envs: envs, Base: base, Against: against, Raw: raw, Ignore: rules}
				err = runDiff(g, req, format, color, parts, stdout, stderr)
			}
			var ee *exitError
			if err != nil && !errors.As(err, &ee) {
				err = &exitError{code: exitDiffError, err: err}
			}
			return err
		},
	}
	cmd.Flags().StringSliceVar(&envs, "env", nil, "environments to compare (default all; exactly one with --against)")
	cmd.Flags().StringVar(&base, "base", "", "compare with the output of the model at this git revision")
	cmd.Flags().StringVar(&against, "against", "", "compare the --env environment with this one")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	cmd.Flags().BoolVar(&raw, "raw", false, "compare Kubernetes files as written (base, patches) instead of each overlay's kustomize build")
	cmd.Flags().StringVar(&parts, "parts", "", "with --format markdown, also write the report split into comments of at most 65,000 bytes as DIR/part-1.md, part-2.md, … (stale part files removed)")
	cmd.Flags().StringArrayVar(&ignore, "ignore", nil, "leave out objects or fields: KIND/NAME[:FIELD], globs allowed, repeatable (Deployment/api:spec.replicas, 'ConfigMap/*:data.LOG_LEVEL', 'job/*')")
	cl.register(cmd)
	cmd.Flags().StringVar(&color, "color", "auto", "colour the text format: auto (on a terminal, unless NO_COLOR is set), always or never")
	return cmd
}

// checkReportFlags checks the flags that choose the report's form.
func checkReportFlags(format, color string) error {
	if format != "text" && format != "markdown" && format != "json" {
		return usageErr("--format must be text, markdown or json, not %q", format)
	}
	if color != "auto" && color != "always" && color != "never" {
		return usageErr("--color must be auto, always or never, not %q", color)
	}
	return nil
}

func runDiff(g *globals, req review.Request, format, color, parts string, stdout, stderr io.Writer) error {
	req.Dir, req.Out, req.Targets, req.Place = g.dir, g.outDir(), targets.All(), g.place()
	req.Graphs = format == "markdown"
	what := "the model"
	if req.Base != "" {
		what = "the model here and at " + req.Base
	}
	done := progress(stderr, "degen diff: building "+textesc.Line(what)+"…")
	res, err := review.Run(req)
	done()
	var ue *review.UsageError
	if errors.As(err, &ue) {
		return usageErr("%s", ue.Msg)
	}
	if err != nil {
		return err
	}
	// The build's warnings say why a model change may show in no file.
	printDiags(stderr, warningDiags(res.Warnings))
	return writeReport(res.Report, format, color, parts, stdout)
}

// writeReport writes rep in format (and its Markdown parts to parts when
// set); a report that is not empty is exit 1, as diff(1) has it.
func writeReport(rep *diff.Report, format, color, parts string, stdout io.Writer) error {
	var err error
	switch format {
	case "json":
		err = diff.WriteJSON(stdout, rep)
	case "markdown":
		_, err = io.WriteString(stdout, diff.Markdown(rep, diff.MarkdownLimit))
		if err == nil && parts != "" {
			if err := writeParts(parts, diff.MarkdownParts(rep, diff.MarkdownLimit)); err != nil {
				return err
			}
		}
	default:
		err = diff.WriteText(stdout, rep, color == "always" || color == "auto" && os.Getenv("NO_COLOR") == "" && isTerminal(stdout))
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if rep.Empty() {
		return nil
	}
	return &exitError{code: exitDiffDifferent}
}

// progress shows msg on w while an operation runs, when w is a terminal
// (never in a pipe or a CI log); the returned func clears it.
func progress(w io.Writer, msg string) func() {
	if !isTerminal(w) {
		return func() {}
	}
	fmt.Fprint(w, msg)
	return func() { fmt.Fprint(w, "\r\033[K") }
}

// isTerminal reports whether w is a terminal, where colour is welcome. It
// looks through the writers beside the progress line (progressWriter).
func isTerminal(w io.Writer) bool {
	f, ok := unwrap(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// unwrap is the writer under w's wrappers (progressWriter).
func unwrap(w io.Writer) io.Writer {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// writeParts writes the parts of a Markdown report as dir/part-N.md,
// creating dir, and removes the part files of an earlier, longer report.
// Every write and removal goes through an os.Root opened on dir (which
// must be a real directory, not a link), each part to a temporary renamed
// over its name (writer.ReplaceFiles): a link planted at a part's name is
// replaced, never followed, and nothing but part files is removed.
func writeParts(dir string, parts []string) error {
	if st, err := os.Lstat(dir); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("--parts %s is a symbolic link: give the directory itself (degen writes nothing through a link)", dir)
	}
	if err := os.MkdirAll(dir, writer.DirMode); err != nil {
		return fmt.Errorf("--parts: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("--parts: %w", err)
	}
	defer root.Close()
	files := map[string][]byte{}
	for i, p := range parts {
		files[fmt.Sprintf("part-%d.md", i+1)] = []byte(p)
	}
	old, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return fmt.Errorf("--parts: %w", err)
	}
	if err := writer.ReplaceFiles(root, files); err != nil {
		return fmt.Errorf("--parts: %w", err)
	}
	for _, e := range old {
		if _, keep := files[e.Name()]; !keep && partName.MatchString(e.Name()) {
			if err := root.Remove(e.Name()); err != nil {
				return fmt.Errorf("--parts: %w", err)
			}
		}
	}
	return nil
}

// partName is the name of a part file writeParts writes.
var partName = regexp.MustCompile(`^part-[1-9][0-9]*\.md$`)
