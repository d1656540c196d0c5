package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/degen-dev/degen/generator/cluster"
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/review"
	"github.com/degen-dev/degen/generator/textesc"
)

// clusterFlags are degen diff's flags for a comparison with a cluster.
type clusterFlags struct {
	on                                bool
	kubeconfig, context, fieldManager string
}

func (f *clusterFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.on, "cluster", false, "compare the environment's overlay in out/ with the live objects of its cluster (server-side dry-run apply; see docs/REVIEW.md)")
	cmd.Flags().StringVar(&f.context, "context", "", "with --cluster, the kubeconfig context (default its current context)")
	cmd.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "with --cluster, the kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	cmd.Flags().StringVar(&f.fieldManager, "field-manager", cluster.DefaultFieldManager, "with --cluster, the field manager of the dry-run apply: the one that applies out/ (Argo CD's, Flux's) also shows fields removed from out/")
}

// runClusterDiff compares one environment's overlay in out/ with the live
// objects of the cluster (package cluster) and writes the report as degen
// diff does.
func runClusterDiff(cmd *cobra.Command, g *globals, cl clusterFlags, envs []string, ignore []diff.Ignore, format, color, parts string, stdout, stderr io.Writer) error {
	for _, name := range []string{"base", "against", "raw"} {
		if cmd.Flags().Changed(name) {
			return usageErr("--cluster compares out/ with the cluster: it excludes --%s", name)
		}
	}
	files, err := review.ReadOut(g.outDir(), envs)
	if err != nil {
		return err
	}
	env, err := clusterEnv(files, envs)
	if err != nil {
		return err
	}
	overlay, err := diff.BuildOverlay(files, env)
	if err != nil {
		return err
	}
	// client-go logs through klog to the process's stderr (a cancelled
	// request's "unexpected error", a retry): degen says what went wrong
	// in its one error line instead.
	klog.SetLogger(logr.Discard())
	done := progress(stderr, "degen diff: comparing "+textesc.Line(env)+" with the cluster…")
	defer done()
	c, err := cluster.Connect(cmd.Context(), cluster.Options{Kubeconfig: cl.kubeconfig, Context: cl.context, FieldManager: cl.fieldManager})
	if err != nil {
		return err
	}
	res, err := c.Diff(cmd.Context(), cluster.Request{Env: env, Overlay: overlay, Ignore: ignore})
	done()
	if err != nil {
		return err
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "warning: the cluster at %s forbids listing %s: objects of that kind that out/ no longer has are not shown (grant list, see docs/REVIEW.md)\n", c.Server, textesc.Line(s))
	}
	return writeReport(res.Report, format, color, parts, stdout)
}

// clusterEnv is the one environment --cluster compares: the --env given,
// or the only one out/ has an overlay for.
func clusterEnv(files map[string][]byte, envs []string) (string, error) {
	if len(envs) > 1 {
		return "", usageErr("--cluster compares one environment with its cluster: give one --env, not %d", len(envs))
	}
	if len(envs) == 1 {
		return envs[0], nil
	}
	names := diff.Overlays(files)
	switch len(names) {
	case 0:
		return "", fmt.Errorf("out/ has no Kubernetes overlay (kubernetes/overlays/ENV/kustomization.yaml): run degen build for an environment with the kubernetes artefact")
	case 1:
		return names[0], nil
	}
	return "", usageErr("--cluster compares one environment with its cluster: add --env NAME (out/ has overlays for %s)", strings.Join(names, ", "))
}
