package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/oci"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/generator/writer"
)

func newPushCmd(g *globals, stdout, stderr io.Writer) *cobra.Command {
	var env string
	var meta oci.Meta
	cmd := &cobra.Command{
		Use:   "push --env NAME oci://REGISTRY/REPOSITORY:TAG",
		Short: "Publish an environment's Kubernetes manifests as an OCI artifact for Flux or Argo CD",
		Long: `push publishes what out/ holds for one environment's Kubernetes overlay,
kubernetes/base/ and kubernetes/overlays/NAME/ at their paths under out/, as
an OCI artifact in the layout Flux's OCIRepository reads and flux push
artifact writes: one layer, a tarball of the files (media type
` + oci.ContentMediaType + `), config
` + oci.ConfigMediaType + `. It prints the artifact's reference
by digest, which an OCIRepository or an Argo CD OCI source can pin
(path: ./kubernetes/overlays/NAME).

The tarball is deterministic (entries sorted, times, owners and modes fixed)
and the manifest carries no time unless --created says one: the same out/
gives the same digest. push first checks that out/ is up to date for the
environment (as degen check does) and refuses to publish a stale out/
(exit 3).

Credentials come from the Docker configuration (~/.docker/config.json, or
$DOCKER_CONFIG, and its credential helpers: docker login REGISTRY); they are
never printed. A registry on a loopback address (localhost, 127.0.0.1,
[::1]) is reached over plain HTTP, any other over HTTPS. Signing is left to
cosign: cosign sign REGISTRY/REPOSITORY@DIGEST with the printed reference.
See docs/OCI.md.`,
		Example: `  degen push --env prod oci://ghcr.io/acme/stack-manifests:prod
  degen push --env prod --source https://github.com/acme/stack --revision main@sha1:$(git rev-parse HEAD) oci://ghcr.io/acme/stack-manifests:prod`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("push takes one argument, the reference to push to: oci://REGISTRY/REPOSITORY:TAG (see degen push --help)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if env == "" {
				return g.needEnv()
			}
			ref, err := oci.ParseReference(args[0])
			if err == nil && (ref.Reference == "" || strings.Contains(ref.Reference, ":")) {
				err = fmt.Errorf("%s: name a tag to push to (oci://REGISTRY/REPOSITORY:TAG)", args[0])
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			files, err := envManifests(g, env)
			if err != nil {
				return err
			}
			a, err := oci.New(files, meta)
			if err != nil {
				return err
			}
			desc, err := oci.Push(context.Background(), ref, a)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "pushed %d files of %s to %s\n", len(files), env, textesc.Line(args[0]))
			fmt.Fprintf(stdout, "%s%s/%s@%s\n", oci.Scheme, ref.Registry, ref.Repository, desc.Digest)
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "the environment whose overlay to push")
	cmd.Flags().StringVar(&meta.Source, "source", "", "annotate the artifact with its source (org.opencontainers.image.source), e.g. the repository's URL")
	cmd.Flags().StringVar(&meta.Revision, "revision", "", "annotate the artifact with its source's revision (org.opencontainers.image.revision), e.g. main@sha1:COMMIT")
	cmd.Flags().StringVar(&meta.Created, "created", "", "annotate the artifact with its creation time (RFC 3339); it then changes the digest")
	return cmd
}

// envManifests are the files of out/ that env's Kubernetes overlay is
// built from: kubernetes/base/ and kubernetes/overlays/ENV/, by their paths
// under out/. out/ must be up to date for env.
func envManifests(g *globals, env string) (map[string][]byte, error) {
	if err := checkOut(g); err != nil {
		return nil, err
	}
	if err := ensureCharts(g); err != nil {
		return nil, err
	}
	_, res, err := generator.Build(generator.Options{Dir: g.dir, Envs: []string{env}, Targets: targets.All(), Place: g.place(), Progress: g.progress.steps()})
	if err != nil {
		return nil, err
	}
	d, err := writer.Compare(g.outDir(), writer.Plan{Files: res.Files, Owners: res.Owners, Scope: res.Envs})
	if err != nil {
		return nil, err
	}
	if !d.Clean() {
		return nil, &exitError{code: exitStale, err: fmt.Errorf("out/ is stale for %s (%d files differ): run degen build --env %s and commit out/ before pushing it", env, len(d.Stale)+len(d.Missing)+len(d.Extra), env)}
	}
	overlay := "kubernetes/overlays/" + env + "/"
	files := map[string][]byte{}
	hasOverlay := false
	for p, data := range res.Files {
		switch {
		case strings.HasPrefix(p, overlay):
			hasOverlay = true
			files[p] = data
		case strings.HasPrefix(p, "kubernetes/base/"):
			files[p] = data
		}
	}
	if !hasOverlay {
		return nil, fmt.Errorf("environment %s has no Kubernetes overlay to push (out/%s): add kubernetes to its artefacts", env, overlay)
	}
	return files, nil
}
