package compose

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/degen-dev/degen/generator/model"
)

// The schema's Compose parity rules (schema/schema.cue, issue 24).
var (
	sysctlName    = regexp.MustCompile(`^[a-z0-9_]+([./][a-z0-9_-]+)*$`)
	platform      = regexp.MustCompile(`^[a-z0-9]+(/[a-z0-9_.-]+){0,2}$`)
	pullPolicy    = regexp.MustCompile(`^(always|never|missing|if_not_present|build|refresh|daily|weekly|every_([0-9]+[smhdw])+)$`)
	networkModeRe = regexp.MustCompile(`^(host|none|container:[a-zA-Z0-9][a-zA-Z0-9_.-]*)$`)
	ipAddress     = regexp.MustCompile(`^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)$`)
)

// networking carries the networks the service joins and its aliases: the
// union of its aliases on every network, and its Compose name when the
// import renamed it, so that values naming it still resolve. A network of
// the service with more than aliases (ipv4_address, priority, …) makes
// the service's networks a compose patch, each network with the aliases
// the Compose target writes.
func (c *converter) networking(s types.ServiceConfig, out *obj) {
	name := s.Name
	if s.NetworkMode != "" {
		return // no network of its own: networkMode (parity)
	}
	own := c.serviceName(name)
	hostAlias := ""
	if s.Hostname != "" && s.Hostname != own && model.IsDNSLabel(s.Hostname) {
		hostAlias = s.Hostname
	}
	var aliases []string
	add := func(a string) {
		if a != own && a != hostAlias && !slices.Contains(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	if own != name {
		if alias.MatchString(name) {
			add(name)
			c.report(name, lit("aliases"), Explicit, false, "its Compose name %s is kept as an alias, so the values that name it still resolve (Compose)", name)
		}
	}
	var nets []string
	extra := map[string]map[string]any{}
	for _, n := range model.SortedKeys(s.Networks) {
		nets = append(nets, c.networks[n])
		cfg := s.Networks[n]
		if cfg == nil {
			continue
		}
		for _, a := range cfg.Aliases {
			if alias.MatchString(a) {
				add(a)
			} else {
				c.report(name, []string{"networks", n, "aliases"}, Dropped, true, "alias %q is not a host name: not carried", a)
			}
		}
		rest := *cfg
		rest.Aliases = nil
		if m := jsonMap(rest); len(m) > 0 {
			extra[n] = m
		}
	}
	sort.Strings(nets)
	out.set("networks", strList(nets))
	sort.Strings(aliases)
	for _, n := range model.SortedKeys(s.Networks) {
		var had []string
		if cfg := s.Networks[n]; cfg != nil {
			had = cfg.Aliases
		}
		for _, a := range aliases {
			if !slices.Contains(had, a) && a != name {
				c.report(name, []string{"networks", n, "aliases"}, Changed, true, "alias %s is also one on network %s: the model's aliases are the service's on every network it joins", a, n)
				break
			}
		}
	}
	if len(aliases) > 0 {
		out.set("aliases", strList(aliases))
	}
	if len(extra) == 0 {
		return
	}
	var all []any
	if hostAlias != "" {
		all = append(all, hostAlias)
	}
	all = append(all, strList(aliases)...)
	for _, n := range model.SortedKeys(s.Networks) {
		m := extra[n]
		if m == nil {
			m = map[string]any{}
		}
		if len(all) > 0 {
			m["aliases"] = all
		}
		c.carry(name, []string{"networks", c.networks[n]}, m)
	}
}

// parity carries the container fields of the schema's Compose parity
// block (shmSize, securityOpt, sysctls, pidsLimit, platform, pullPolicy)
// and zeroes them in rest; a value the schema refuses stays in rest,
// which goes to compose.patches.
func (c *converter) parity(s types.ServiceConfig, out *obj, rest *types.ServiceConfig) {
	name := s.Name
	if s.ShmSize > 0 {
		mem, exact := memory(int64(s.ShmSize))
		out.set("shmSize", mem)
		if !exact {
			c.report(name, lit("shm_size"), Changed, true, "%d bytes is rounded up to %s: the model writes binary units", int64(s.ShmSize), mem)
		}
		rest.ShmSize = 0
	}
	if len(s.SecurityOpt) > 0 && !slices.Contains(s.SecurityOpt, "") {
		out.set("securityOpt", strList(s.SecurityOpt))
		rest.SecurityOpt = nil
	}
	if len(s.Sysctls) > 0 {
		ok := true
		for k := range s.Sysctls {
			ok = ok && sysctlName.MatchString(k)
		}
		if ok {
			o := &obj{}
			for _, k := range model.SortedKeys(s.Sysctls) {
				o.set(k, s.Sysctls[k])
			}
			out.set("sysctls", o)
			rest.Sysctls = nil
		}
	}
	if s.PidsLimit >= -1 && s.PidsLimit != 0 {
		out.set("pidsLimit", int(s.PidsLimit))
		rest.PidsLimit = 0
	}
	if platform.MatchString(s.Platform) {
		out.set("platform", s.Platform)
		rest.Platform = ""
	}
	if mode := c.networkMode(s.NetworkMode); mode != "" {
		out.set("networkMode", mode)
		rest.NetworkMode = ""
	}
	if pullPolicy.MatchString(s.PullPolicy) {
		out.set("pullPolicy", s.PullPolicy)
		rest.PullPolicy = ""
	}
}

// environmentSecret is the mount of a Compose secret read from a variable
// (secrets: x: environment: VAR): a model secret read from VAR whose
// composeSource is "environment", so that Compose still reads it there.
func (c *converter) environmentSecret(svc string, sf types.ServiceSecretConfig, envVar string) *obj {
	sec := c.secret(envVar, svc, envVar)
	if !c.fromEnvironment[sec] {
		c.fromEnvironment[sec] = true
		c.secrets[sec].set("composeSource", "environment")
	}
	c.findings = append(c.findings, Finding{Service: svc, Field: "secrets", Path: []string{"secrets"}, Kind: Secret, EnvVar: envVar,
		Differs: sf.Source != sec,
		Message: fmt.Sprintf("secret %s is model secret %s, which Compose reads from ${%s} as the original does; set it before docker compose up", sf.Source, sec, envVar)})
	c.locate(&c.findings[len(c.findings)-1])
	return (&obj{}).set("target", secretTarget(sf)).set("secret", sec)
}

// secretTarget is where a service's secret is mounted: its target, under
// /run/secrets/ unless absolute, or /run/secrets/<source>.
func secretTarget(sf types.ServiceSecretConfig) string {
	switch {
	case sf.Target == "":
		return "/run/secrets/" + sf.Source
	case !strings.HasPrefix(sf.Target, "/"):
		return "/run/secrets/" + sf.Target
	}
	return sf.Target
}

// named carries whether a network or volume exists already (external)
// and the name Docker knows it by when the Compose target would name it
// otherwise: <project>_<key>, or the key of an external one.
func (c *converter) named(o *obj, kind, key, name string, external bool) {
	want := c.project + "_" + key
	if external {
		o.set("external", true)
		want = key
	}
	switch {
	case name == "" || name == want:
	case dockerName.MatchString(name):
		o.set("dockerName", name)
	default:
		c.report("", []string{kind, key, "name"}, Dropped, true, "name %q is not one Docker accepts: not carried", name)
	}
}

func stringMap(m map[string]string) *obj {
	o := &obj{}
	for _, k := range model.SortedKeys(m) {
		o.set(k, m[k])
	}
	return o
}

// networkMode is the model's networkMode of a Compose network_mode, a
// renamed service named by its model name; "" when there is none or the
// schema cannot hold it (compose.patches carries it then).
func (c *converter) networkMode(mode string) string {
	if svc, ok := strings.CutPrefix(mode, "service:"); ok {
		if n, ok := c.services[svc]; ok {
			return "service:" + n
		}
		return ""
	}
	if networkModeRe.MatchString(mode) {
		return mode
	}
	return ""
}
