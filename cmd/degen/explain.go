package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator/explain"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/textesc"
)

func newExplainCmd(g *globals, stdout io.Writer) *cobra.Command {
	var env, format string
	cmd := &cobra.Command{
		Use:   "explain --env NAME PATH | explain out/FILE[:LINE|#FIELD]",
		Short: "Show a field's value and the CUE sources that decided it",
		Long: `explain prints the value of a field of one resolved environment and every
CUE source that contributed to it: the environment's delta (envs/NAME.cue),
the base model (envs/stack.cue), the schema (degen schema). Each source is marked
"sets" (a concrete value), "default" (a *default of a disjunction) or
"constrains" (a type or a bound); a star marks the one that decided.

PATH is a field path of the environment as degen export prints it. Labels
with dashes may be quoted as in CUE or left bare; list elements are [n].
PATH may also be a field of a generated workload as degen diff prints it,
KIND/NAME.FIELD: a field a patch of kubernetes.patches sets is mapped to
the patch's line (the last patch that sets it); otherwise replicas, and a
container's image and resources, are mapped to the service's model field.
A field another object owns says so and explains the model field of the
owner: an autoscaled Deployment's spec.replicas is its
HorizontalPodAutoscaler's (services.NAME.autoscaling), not
services.NAME.replicas.
An unknown field is exit 2 naming the fields that exist and, for a typo, the nearest ones ("did you mean").

Given a file of out/ instead, out/FILE:LINE or out/FILE#FIELD (no --env:
the out/ index says which environment wrote it), explain names the target
that wrote the line, the model field its Origin maps the line's key path
to, and explains that field: for Kubernetes objects, overlay patches and
kustomization.yaml entries, Argo CD and Flux objects, Compose files, .env
files, tfvars, Prometheus configuration and rules, flags.json. FIELD is the
line's key path as explain prints it (KIND/NAME.spec.replicas in a file of
several objects). A line no field decides (a fixed apiVersion, a default
label) is "degen's default for" the model entry it is written for (the
service, volume, network...), with that entry's CUE line. The value is
printed on one line, cut at 200 bytes (--format json has it whole). A
comment, --- or a line of brackets is degen's fixed output. A path
outside out/, a file degen did not write, a line past the end or a blank
line is exit 2 naming
the nearest lines it can explain; a file that is not what degen writes now
is exit 1 (run degen build).

--format json prints {"env", "path", "value", "sources", "decidedBy"}, with
value a JSON value ("2Gi", 3), not JSON text inside a string.`,
		Example: `  degen explain --env prod services.api.replicas
  degen explain --env prod 'services."api".resources.limits.memory'
  degen explain --env dev params.logLevel --format json
  degen explain --env prod 'Deployment/api.spec.replicas'
  degen explain out/terraform/prod.tfvars:23
  degen explain 'out/flags/prod/flags.json#my_flag' --format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("explain takes one model path, got %d: e.g. degen explain --env prod services.web.replicas (see degen explain --help)", len(args))
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completePath(g, env, prefix), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format must be text or json, not %q", format)
			}
			if isFileArg(args[0]) {
				return explainOut(g, stdout, args[0], format)
			}
			if env == "" {
				return g.needEnv()
			}
			path := args[0]
			// A field of a generated object is mapped once the model is
			// loaded: a patch of the model may set it.
			if !explain.IsObjectField(path) {
				if _, err := explain.ParsePath(path); err != nil {
					return usageErr("%w", err)
				}
			}
			m, err := load.Load(load.Options{Dir: g.dir, Envs: []string{env}, Keep: true})
			if err != nil {
				return err
			}
			owner, owned := explain.OwnerOf(m.Envs[env], path)
			if p, ok := explain.PatchPath(m.Envs[env], path); ok {
				fmt.Fprintf(stdout, "%s is set by the patch %s\n", textesc.Line(path), textesc.Line(p))
				path = p
			} else if owned {
				fmt.Fprintf(stdout, "%s is owned by the %s: it %s, so %s has no effect on Kubernetes; the model field %s configures it\n",
					textesc.Line(path), owner.Object, owner.Does, textesc.Line(owner.Ignored), textesc.Line(owner.Path))
				path = owner.Path
			} else if p, ok := explain.ModelPath(path); ok {
				fmt.Fprintf(stdout, "%s comes from the model field %s\n", textesc.Line(path), textesc.Line(p))
				path = p
			}
			if _, err := explain.ParsePath(path); err != nil {
				return usageErr("%w", err)
			}
			x, err := explain.Explain(m, env, path)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if format == "text" {
				return x.WriteText(stdout)
			}
			data, err := json.MarshalIndent(x, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stdout, "%s\n", textesc.JSON(string(data)))
			return err
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment whose field to explain")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// completePath completes an explain PATH one field at a time: the fields of
// the resolved environment (the first one when --env is not given yet)
// under the path typed so far, as degen export prints them.
func completePath(g *globals, env, prefix string) []string {
	if env == "" {
		names := load.EnvNames(g.dir)
		if len(names) == 0 {
			return nil
		}
		env = names[0]
	}
	m, err := load.Load(load.Options{Dir: g.dir, Envs: []string{env}, Keep: true})
	if err != nil {
		return nil
	}
	data, err := json.Marshal(m.Envs[env])
	if err != nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil
	}
	parent, last := "", prefix
	if i := strings.LastIndex(prefix, "."); i >= 0 {
		parent, last = prefix[:i], prefix[i+1:]
		for _, label := range strings.Split(parent, ".") {
			obj, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			if v, ok = obj[label]; !ok {
				return nil
			}
		}
		parent += "."
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	for _, k := range model.SortedKeys(obj) {
		if !strings.HasPrefix(k, last) {
			continue
		}
		if _, nested := obj[k].(map[string]any); nested {
			out = append(out, parent+k+".")
		} else {
			out = append(out, parent+k)
		}
	}
	return out
}
