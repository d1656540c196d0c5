// Package compose imports Docker Compose files into a degen model: it loads
// them with compose-go, the loader of `docker compose` (interpolation,
// extends, include, the merge of several files, profiles), and returns the
// model's files in memory with a report of everything the model does not
// say as the Compose files do. The CLI writes the files.
package compose

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue/ast"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/degen-dev/degen/generator/model"
)

// Options say what to import.
type Options struct {
	// Files are the Compose files, merged in order; none means the
	// project directory's compose.yaml (or compose.yml,
	// docker-compose.yml, docker-compose.yaml).
	Files []string
	// EnvFiles are read for interpolation; none means the project
	// directory's .env, if any.
	EnvFiles []string
	// ProjectDir is the Compose project directory; default the directory
	// of the first file.
	ProjectDir string
	// Into is the root of the model written (absolute or relative to the
	// working directory): relative paths of the model start there.
	Into string
	// Env names the environment the model defines; default "local".
	Env string
	// Environ is the process environment ("K=V"), which interpolation
	// reads before the env files.
	Environ []string
}

// Result is the model and the report.
type Result struct {
	// Files are the model's files by path relative to Into.
	Files map[string][]byte
	// Findings are what the model does not say as the Compose files do,
	// sorted.
	Findings []Finding
	// Project is the Compose project name.
	Project string
}

// modulePath is the CUE module of an imported model, as degen init names
// one.
func modulePath(project string) string { return "example.com/" + project + "@v0" }

// StackFile and EnvFile are the model files the import writes.
const StackFile = "envs/stack.cue"

// EnvFile is the file of the environment the import defines.
func EnvFile(env string) string { return "envs/" + env + ".cue" }

// ModuleFile is the module file.
const ModuleFile = "cue.mod/module.cue"

// Import loads the Compose files and converts them. An error is an
// *InputError naming the file and line at fault, and nothing is returned
// to write.
func Import(ctx context.Context, opts Options) (*Result, error) {
	if opts.Env == "" {
		opts.Env = "local"
	}
	if !model.IsDNSLabel(opts.Env) {
		return nil, &InputError{Msg: fmt.Sprintf("--env %q is not a DNS label (lower case letters, digits and -): name the environment e.g. local", opts.Env)}
	}
	if !ast.IsValidIdent(model.EnvTag(opts.Env)) {
		return nil, &InputError{Msg: fmt.Sprintf("--env %q starts with a digit: its file's build tag @if(%s) would be no CUE identifier; start the name with a letter, e.g. env-%s", opts.Env, model.EnvTag(opts.Env), opts.Env)}
	}
	src, err := loadSource(ctx, opts)
	if err != nil {
		return nil, err
	}
	into := opts.Into
	if into == "" {
		into = "."
	}
	if into, err = filepath.Abs(into); err != nil {
		return nil, err
	}
	p := src.project
	c := &converter{src: src, into: into, secrets: map[string]*obj{}, secretVars: map[string]string{}, variables: map[string]string{}, literalSecrets: map[string]string{}, patches: map[string]*obj{}, fromEnvironment: map[string]bool{}, hostAllowed: map[string]*obj{}}
	project := model.KubeName(p.Name)
	if project == "" {
		project = "stack"
	}
	c.project = project
	if project != p.Name {
		c.report("", lit("name"), Renamed, true, "project %q is named %q: the model's names are DNS labels", p.Name, project)
	}
	c.services = c.names("service", p.ServiceNames(), model.IsDNSLabel, model.KubeName)
	c.volumes = c.names("volume", model.SortedKeys(p.Volumes), composeName.MatchString, composeRename)
	c.networks = c.names("network", model.SortedKeys(p.Networks), composeName.MatchString, composeRename)

	base := &obj{}
	base.set("project", (&obj{}).set("name", project))
	base.set("compose", (&obj{}).set("project", project).set("singleFile", true))
	if nets := c.topNetworks(p); !nets.empty() {
		base.set("networks", nets)
	}
	if vols := c.topVolumes(p); !vols.empty() {
		base.set("volumes", vols, "Compose volumes have no size: size is the Kubernetes claim's; adjust it.")
	}
	services := &obj{}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		svc := c.service(s)
		services.set(c.services[name], svc)
	}
	c.oneShots(p, services)
	// Disabled services (profiles) are in p.DisabledServices only when
	// their profile is not enabled; every profile is, so none are.
	c.secretsReadPlainly()
	c.topLevelRest(p)
	kept := map[string]bool{}
	for _, f := range c.findings {
		if f.Kind == Unset {
			kept[f.EnvVar] = true
		}
	}
	for _, f := range src.unsetUses() {
		if !kept[f.EnvVar] {
			c.findings = append(c.findings, f)
		}
	}
	sortFindings(c.findings)
	// The report beside each service.
	for i := range services.fields {
		f := &services.fields[i]
		var lines []string
		for _, fd := range c.findings {
			if fd.Service != "" && c.services[fd.Service] == f.label {
				lines = append(lines, fd.comment())
			}
		}
		if len(lines) > 0 {
			f.doc = append([]string{"degen import compose:"}, lines...)
		}
	}
	if len(c.secrets) > 0 {
		sec := &obj{}
		for _, n := range model.SortedKeys(c.secrets) {
			sec.set(n, c.secrets[n])
		}
		base.set("secrets", sec, "Secrets are references: each is read from its envVar (Compose) or the secret store key (Kubernetes); no value is in the model.")
	}
	base.set("services", services)
	if len(c.patches) > 0 {
		base.get("compose").set("patches", c.patchesObj(), "The Compose fields the schema does not name, as the Compose files say them: merged into the services the Compose target writes (Compose only).")
	}
	// What an environment plausibly says otherwise (a bigger volume, a
	// pinned image, its own resources and values) is a
	// default the environment's file may override.
	for _, p := range overridablePaths() {
		base.overridable(p...)
	}
	if errs := c.errs; len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	var top []*Finding
	for i := range c.findings {
		if c.findings[i].Service == "" {
			top = append(top, &c.findings[i])
		}
	}
	var topDoc []string
	for _, f := range top {
		topDoc = append(topDoc, f.comment())
	}
	stack := &obj{}
	stack.set("environments", (&obj{}).set("[Name=string]", unify{expr("#Base"), (&obj{}).set("name", expr("Name"))}), "environments holds one resolved stack per environment: #Base unified with that environment's delta.")
	baseDoc := []string{"#Base is the stack as the Compose files of project " + p.Name + " say it."}
	if len(topDoc) > 0 {
		baseDoc = append(baseDoc, "degen import compose:")
		baseDoc = append(baseDoc, topDoc...)
	}
	stack.set("#Base", unify{expr("schema.#Environment"), base}, baseDoc...)
	stackData, err := cueFile([]string{"Imported from Compose by degen import compose; edit it freely: it is the model now."}, stack, true, "")
	if err != nil {
		return nil, err
	}
	envObj := &obj{}
	stage := stageOf(opts.Env)
	// Artefacts are the environment's choice: Compose and its .env file
	// here; a prod file adds artefacts: ["kubernetes"] of its own.
	envObj.get("environments").get(opts.Env).set("stage", stage).set("artefacts", strList([]string{"compose", "env"}))
	envData, err := cueFile([]string{"Environment " + opts.Env + ": the stack of stack.cue as the Compose files run it."}, envObj, false, opts.Env)
	if err != nil {
		return nil, err
	}
	mod, err := moduleFile(modulePath(project))
	if err != nil {
		return nil, err
	}
	return &Result{
		Files:    map[string][]byte{ModuleFile: mod, StackFile: stackData, EnvFile(opts.Env): envData},
		Findings: c.findings,
		Project:  project,
	}, nil
}

// overridablePaths are the values of #Base an environment plausibly
// overrides, written *v | _.
func overridablePaths() [][]string {
	return [][]string{
		{"volumes", "*", "size"},
		{"services", "*", "image"},
		{"services", "*", "env", "*", "value"},
		{"services", "*", "resources", "*", "*"},
	}
}

// stageOf is the stage an environment's name says (schema #Stage):
// "dev" is a development environment, "prod" a production one; any other
// name is a developer's machine, where Compose runs.
func stageOf(env string) string {
	switch env {
	case "dev", "development":
		return "development"
	case "stage", "staging":
		return "staging"
	case "prod", "production":
		return "production"
	}
	return "local"
}

// comment is the finding as a CUE comment beside its service.
func (f Finding) comment() string {
	s := string(f.Kind) + " " + f.Field + ": " + f.Message
	if f.File != "" {
		s += " (" + f.File
		if f.Line > 0 {
			s += fmt.Sprintf(":%d", f.Line)
		}
		s += ")"
	}
	return strings.ReplaceAll(s, "\n", " ")
}

func (c *converter) topNetworks(p *types.Project) *obj {
	out := &obj{}
	for _, n := range model.SortedKeys(p.Networks) {
		nw := p.Networks[n]
		o := &obj{}
		o.set("description", "")
		switch nw.Driver {
		case "":
			if !nw.External {
				c.report("", []string{"networks", n, "driver"}, Explicit, true, "Compose's default driver bridge is written out")
			}
		case "bridge":
		case "overlay":
			o.set("driver", "overlay")
		default:
			c.report("", []string{"networks", n, "driver"}, Dropped, true, "driver %s is not one of the model's (bridge, overlay)", nw.Driver)
		}
		rest := nw
		rest.Driver, rest.Name = "", ""
		c.named(o, "networks", c.networks[n], nw.Name, bool(nw.External))
		rest.External = false
		if nw.Internal {
			o.set("internal", true)
			rest.Internal = false
		}
		if len(nw.DriverOpts) > 0 {
			o.set("driverOpts", stringMap(nw.DriverOpts))
			rest.DriverOpts = nil
		}
		if nw.EnableIPv6 != nil {
			o.set("enableIPv6", *nw.EnableIPv6)
			rest.EnableIPv6 = nil
		}
		if len(nw.Labels) > 0 {
			o.set("labels", stringMap(nw.Labels))
			rest.Labels = nil
		}
		if ipam := jsonMap(nw.Ipam); len(ipam) > 0 {
			o.set("ipam", patchValue(ipam))
		}
		rest.Ipam = types.IPAMConfig{}
		c.leftover("", []string{"networks", n}, rest)
		out.set(c.networks[n], o)
	}
	return out
}

func (c *converter) topVolumes(p *types.Project) *obj {
	out := &obj{}
	for _, n := range model.SortedKeys(p.Volumes) {
		v := p.Volumes[n]
		o := (&obj{}).set("size", "1Gi")
		rest := v
		rest.Driver, rest.Name, rest.External = "", "", false
		if v.Driver != "" && v.Driver != "local" {
			o.set("driver", v.Driver)
		}
		if len(v.DriverOpts) > 0 {
			o.set("driverOpts", stringMap(v.DriverOpts))
			rest.DriverOpts = nil
		}
		if len(v.Labels) > 0 {
			o.set("labels", stringMap(v.Labels))
			rest.Labels = nil
		}
		c.named(o, "volumes", c.volumes[n], v.Name, bool(v.External))
		c.leftover("", []string{"volumes", n}, rest)
		out.set(c.volumes[n], o)
	}
	return out
}

// topLevelRest reports the top-level entries the model has no place for.
func (c *converter) topLevelRest(p *types.Project) {
	for _, n := range model.SortedKeys(p.Secrets) {
		if p.Secrets[n].File == "" && !envVarName.MatchString(p.Secrets[n].Environment) {
			c.report("", []string{"secrets", n}, Dropped, true, "a secret that is not a file (environment, external) is not carried")
		}
	}
	for _, n := range model.SortedKeys(p.Configs) {
		if p.Configs[n].File == "" && p.Configs[n].Content == "" {
			c.report("", []string{"configs", n}, Dropped, true, "a config that is not a file (content, environment, external) is not carried")
		}
	}
	for _, n := range model.SortedKeys(p.Extensions) {
		c.report("", []string{n}, Dropped, true, "extension %s is not carried", n)
	}
	for _, n := range model.SortedKeys(p.Models) {
		c.report("", []string{"models", n}, Dropped, true, "models are not carried")
	}
}

// oneShots makes a Job (kind "job") of each service another waits for with
// service_completed_successfully and that Compose does not restart once it
// has succeeded (restart "no" or on-failure): a migration or an init step.
// Compose runs it as before; Kubernetes runs it to completion before its
// dependents (the Kubernetes target orders them).
func (c *converter) oneShots(p *types.Project, services *obj) {
	waiters := map[string][]string{}
	for _, n := range p.ServiceNames() {
		for d, dep := range p.Services[n].DependsOn {
			if dep.Condition == types.ServiceConditionCompletedSuccessfully {
				waiters[d] = append(waiters[d], c.services[n])
			}
		}
	}
	for _, d := range model.SortedKeys(waiters) {
		s, ok := p.Services[d]
		if !ok {
			continue
		}
		if r, _, _ := strings.Cut(s.Restart, ":"); r != "" && r != types.RestartPolicyNo && r != types.RestartPolicyOnFailure {
			continue
		}
		for i := range services.fields {
			if f := &services.fields[i]; f.label == c.services[d] {
				f.value.(*obj).setAfter("image", "kind", "job")
			}
		}
		w := waiters[d]
		sort.Strings(w)
		c.report(d, lit("restart"), Changed, false, "a one-shot service (%s wait for it to complete) becomes a Job on Kubernetes (kind: \"job\"), run before them; Compose runs it as before", strings.Join(w, ", "))
	}
}
