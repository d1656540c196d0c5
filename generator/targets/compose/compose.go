// Package compose is the Docker Compose target: one Compose file per concern
// of an environment (base.yml with the networks and volumes, then kafka.yml,
// flink.yml, …), so a developer can start one concern on its own. Values the
// Compose files interpolate come from the .env file of package dotenv;
// secrets are only ever referenced as required variables.
package compose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Groups returns the service groups of env, one Compose file each after
// base.yml, in the order a full-stack invocation lists them: the model's
// compose.groupOrder first, then the other groups, sorted.
func Groups(env *model.Environment) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range env.Compose.GroupOrder {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	var rest []string
	for _, name := range env.ServiceNames() {
		if g := env.Services[name].Group; !seen[g] {
			seen[g] = true
			rest = append(rest, g)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Target generates out/compose/<env>/*.yml.
type Target struct{}

var _ target.Target = Target{}

// Name is the artefact name environments list.
func (Target) Name() string { return "compose" }

// WithoutBase: this target reads only its environment (target.WithoutBase).
func (Target) WithoutBase() {}

// Generate renders the Compose files of in.Env.
func (Target) Generate(in target.Input) (target.Output, error) {
	env := in.Env
	vars, err := composevars.Variables(env)
	if err != nil {
		return target.Output{}, err
	}
	// The env file carries the variables; a stack without any needs none.
	if len(vars) > 0 && !env.Has("env") {
		return target.Output{}, model.Errorf(env, model.P("artefacts"),
			"environment %s gets compose but not env: the Compose files read their variables from %s; add \"env\" to artefacts", env.Name, composevars.EnvFile(env.Name))
	}
	groups := map[string][]string{}
	for _, name := range env.ServiceNames() {
		s := env.Services[name]
		groups[s.Group] = append(groups[s.Group], name)
	}
	var out target.Output
	var errs []error
	services := map[string]*service{}
	for _, name := range env.ServiceNames() {
		svc, err := convert(env, env.Services[name], modelRoot(in.Place))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if s := env.Services[name]; s.Ordinal != nil {
			for n, r := range replicas(env, s, svc) {
				services[n] = r
			}
		} else {
			services[name] = svc
		}
		out.Warnings = append(out.Warnings, warnings(env, env.Services[name])...)
	}
	if errs != nil {
		return target.Output{}, errors.Join(errs...)
	}
	expandDependencies(env, services)
	if err := applyPatches(env, services); err != nil {
		return target.Output{}, err
	}
	for _, name := range env.ServiceNames() {
		for _, n := range ServiceNames(env, name) {
			svc, ok := services[n]
			if !ok {
				continue
			}
			v, err := plain(svc)
			if err != nil {
				return target.Output{}, err
			}
			out.Objects = append(out.Objects, target.Object{Name: n, From: model.P("services", name), Value: v})
		}
	}
	present := presentConcerns(env, groups)
	base, err := render(baseHeader(env, present), baseFile(env))
	if err != nil {
		return target.Output{}, err
	}
	out.Files = append(out.Files, target.File{Path: composevars.Dir(env.Name) + "/base.yml", Data: base})
	for _, c := range present {
		f := file{Services: map[string]*service{}}
		for _, name := range groups[c] {
			for _, n := range ServiceNames(env, name) {
				f.Services[n] = services[n]
			}
		}
		f.Configs, f.Secrets = fileObjects(env, groups[c])
		data, err := render(concernHeader(env, c, Needs(env, c)), f)
		if err != nil {
			return target.Output{}, err
		}
		out.Files = append(out.Files, target.File{Path: composevars.Dir(env.Name) + "/" + c + ".yml", Data: data})
	}
	if env.Compose.SingleFile {
		whole := baseFile(env)
		whole.Services = services
		whole.Configs, whole.Secrets = fileObjects(env, env.ServiceNames())
		data, err := render(singleHeader(env), whole)
		if err != nil {
			return target.Output{}, err
		}
		out.Files = append(out.Files, target.File{Path: composevars.Dir(env.Name) + "/" + SingleFile, Data: data})
	}
	return out, nil
}

// SingleFile is the name of the file holding the whole stack, which
// `docker compose` reads when no -f is given.
const SingleFile = "compose.yaml"

// envFileArgs are the arguments that pass the environment's env file to
// docker compose: none when the environment gets no env artefact (it then
// has no variables).
func envFileArgs(env *model.Environment) []string {
	if !env.Has("env") {
		return nil
	}
	return []string{"--env-file", path.Join("../..", composevars.EnvFile(env.Name))}
}

func singleInvocation(env *model.Environment) string {
	return strings.Join(append(append([]string{"docker compose"}, envFileArgs(env)...), "up -d"), " ")
}

func singleHeader(env *model.Environment) []string {
	return []string{
		composevars.Header[2:],
		"",
		fmt.Sprintf("Compose project %s: environment %s of the model, the whole stack in one file", env.Compose.Project, env.Name),
		"(the same services as base.yml and the per-group files). Run from this directory:",
		"  " + singleInvocation(env),
		"",
	}
}

// presentConcerns returns the groups that have services, in Groups order.
func presentConcerns(env *model.Environment, groups map[string][]string) []string {
	var present []string
	for _, c := range Groups(env) {
		if len(groups[c]) > 0 {
			present = append(present, c)
		}
	}
	return present
}

// Needs returns the other concerns whose services the services of concern
// depend on, transitively, in Groups order. Compose refuses a depends_on
// naming a service that no loaded file defines, so a concern file is started
// together with these.
func Needs(env *model.Environment, concern string) []string {
	need := map[string]bool{concern: true}
	for changed := true; changed; {
		changed = false
		for _, name := range env.ServiceNames() {
			s := env.Services[name]
			if !need[s.Group] {
				continue
			}
			for dep := range s.DependsOn {
				if d, ok := env.Services[dep]; ok && !need[d.Group] {
					need[d.Group] = true
					changed = true
				}
			}
		}
	}
	var out []string
	for _, c := range Groups(env) {
		if need[c] && c != concern {
			out = append(out, c)
		}
	}
	return out
}

// file is the top level of a Compose file.
type file struct {
	Name     string                `json:"name,omitempty"`
	Networks map[string]network    `json:"networks,omitempty"`
	Volumes  map[string]volume     `json:"volumes,omitempty"`
	Services map[string]*service   `json:"services,omitempty"`
	Configs  map[string]fileObject `json:"configs,omitempty"`
	Secrets  map[string]fileObject `json:"secrets,omitempty"`
}

// fileObject is a top-level config (its content inline, so nothing under
// out/ reads a file outside it) or secret (a file the developer's
// environment names).
type fileObject struct {
	Content     string `json:"content,omitempty"`
	File        string `json:"file,omitempty"`
	Environment string `json:"environment,omitempty"`
}

// fileObjects are the configs and secrets the services of one group file
// mount. Each group file defines the ones its services use, so it starts
// on its own; Compose merges identical definitions of several files.
// Content is escaped: Compose interpolates configs' content too.
func fileObjects(env *model.Environment, services []string) (configs, secrets map[string]fileObject) {
	for _, name := range services {
		for _, m := range env.Services[name].Mounts {
			switch {
			case m.Secret != "":
				if secrets == nil {
					secrets = map[string]fileObject{}
				}
				if sec := env.Secrets[m.Secret]; sec.ComposeSource == "environment" {
					// Compose reads the secret's value from the variable.
					secrets[m.Secret] = fileObject{Environment: sec.EnvVar}
					continue
				}
				v := composevars.SecretFile(env, m.Secret)
				secrets[m.Secret] = fileObject{File: fmt.Sprintf("${%s:?%s must be set to the path of a file holding the secret}", v.Name, v.Name)}
			case m.Config != "" && m.Given():
				if configs == nil {
					configs = map[string]fileObject{}
				}
				configs[m.Config] = fileObject{Content: escape(m.Text)}
			}
		}
	}
	return configs, secrets
}

type network struct {
	Name       string            `json:"name,omitempty"`
	External   bool              `json:"external,omitempty"`
	Driver     string            `json:"driver,omitempty"`
	DriverOpts map[string]string `json:"driver_opts,omitempty"`
	Internal   bool              `json:"internal,omitempty"`
	EnableIPv6 *bool             `json:"enable_ipv6,omitempty"`
	IPAM       map[string]any    `json:"ipam,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
}

type volume struct {
	Name       string            `json:"name,omitempty"`
	External   bool              `json:"external,omitempty"`
	Driver     string            `json:"driver,omitempty"`
	DriverOpts map[string]string `json:"driver_opts,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
}

// DescriptionLabel carries a network's model description.
const DescriptionLabel = "dev.degen.description"

func baseFile(env *model.Environment) file {
	f := file{Name: env.Compose.Project, Networks: map[string]network{}, Volumes: map[string]volume{}}
	for name, n := range env.Networks {
		nw := network{Name: escape(n.DockerName), External: n.External, Internal: n.Internal, EnableIPv6: n.EnableIPv6, IPAM: n.IPAM, DriverOpts: escapeMap(n.DriverOpts)}
		if !n.External {
			// Compose refuses a driver on an external network.
			nw.Driver = n.Driver
			nw.Labels = escapeMap(n.Labels)
			if n.Description != "" {
				nw.Labels = maps.Clone(nw.Labels)
				if nw.Labels == nil {
					nw.Labels = map[string]string{}
				}
				nw.Labels[DescriptionLabel] = n.Description
			}
		}
		f.Networks[name] = nw
	}
	perReplica := replicaVolumes(env)
	for name, v := range env.Volumes {
		vol := volume{Name: escape(v.DockerName), External: v.External, Driver: v.Driver, DriverOpts: escapeMap(v.DriverOpts), Labels: escapeMap(v.Labels)}
		if s := perReplica[name]; s != nil {
			for _, o := range s.Ordinals() {
				r := vol
				if r.Name != "" {
					r.Name = model.ReplicaVolume(r.Name, o)
				}
				f.Volumes[model.ReplicaVolume(name, o)] = r
			}
			continue
		}
		f.Volumes[name] = vol
	}
	return f
}

// render marshals f with sigs.k8s.io/yaml (keys sorted, so the output is
// deterministic) under a comment header.
func render(header []string, f file) ([]byte, error) {
	data, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("marshalling compose file: %w", err)
	}
	var b bytes.Buffer
	for _, h := range header {
		b.WriteString(strings.TrimRight("# "+h, " ") + "\n")
	}
	b.Write(data)
	return b.Bytes(), nil
}

func invocation(env *model.Environment, concerns ...string) string {
	args := append(append([]string{"docker compose"}, envFileArgs(env)...), "-f base.yml")
	for _, c := range concerns {
		args = append(args, "-f "+c+".yml")
	}
	return strings.Join(append(args, "up -d"), " ")
}

func concernHeader(env *model.Environment, concern string, needs []string) []string {
	files := append([]string{}, needs...)
	files = append(files, concern)
	lines := []string{
		composevars.Header[2:],
		"Start this concern from this directory (with the concerns it depends on):",
		"  " + invocation(env, sortConcerns(env, files)...),
	}
	if env.Compose.SingleFile {
		lines = append(lines, "The whole stack (compose.yaml): "+singleInvocation(env))
	}
	return lines
}

func baseHeader(env *model.Environment, present []string) []string {
	lines := []string{
		composevars.Header[2:],
		"",
		fmt.Sprintf("Compose project %s: environment %s of the model, one file per group.", env.Compose.Project, env.Name),
		"Run from this directory. The whole stack:",
		"  " + invocation(env, present...),
	}
	if env.Compose.SingleFile {
		lines = append(lines, "or, from compose.yaml, which holds it all:", "  "+singleInvocation(env))
	}
	if len(present) > 0 {
		first := present[0]
		lines = append(lines, "One group with the groups it depends on, e.g. "+first+":",
			"  "+invocation(env, sortConcerns(env, append(Needs(env, first), first))...))
	}
	lines = append(lines, "")
	if env.Has("env") {
		lines = append(lines,
			"Plain values and feature flags are read from "+path.Join("../..", composevars.EnvFile(env.Name))+".",
			"Secrets are never written: export them (or pass a second, private --env-file)",
			"before running; Compose refuses to start while one is unset. A secret mounted",
			"as a file is read from the file its <NAME>_FILE variable names.",
		)
	}
	lines = append(lines, "Bind mounts are relative to the model's directory.", "")
	return lines
}

func sortConcerns(env *model.Environment, list []string) []string {
	in := map[string]bool{}
	for _, c := range list {
		in[c] = true
	}
	var out []string
	for _, c := range Groups(env) {
		if in[c] {
			out = append(out, c)
		}
	}
	return out
}

// plain is svc as the Compose file writes it, in plain JSON values
// (target.Object.Value).
func plain(svc *service) (any, error) {
	data, err := json.Marshal(svc)
	if err != nil {
		return nil, err
	}
	var v any
	err = json.Unmarshal(data, &v)
	return v, err
}
