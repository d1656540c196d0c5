package compose

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
)

// The schema's name rules (schema/schema.cue), which the import checks so
// that the model it writes loads (image is #Image).
var (
	composeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`)
	envVarName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	envKeyName  = regexp.MustCompile(`^[A-Za-z_][-A-Za-z0-9_.]*$`)
	dockerName  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	alias       = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,252}[a-zA-Z0-9_])?$`)
	portName    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$`)
	image       = regexp.MustCompile(`^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
	// reference is a Compose value that is one variable: $X, ${X},
	// ${X:-default}, ${X-default}, ${X:?message}, ${X?message}.
	reference = regexp.MustCompile(`^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*)|(:?\?)(.*))?\})$`)
)

type converter struct {
	src     *source
	project string
	into    string
	// services maps each Compose service name to the model's.
	services map[string]string
	volumes  map[string]string
	networks map[string]string
	secrets  map[string]*obj
	// secretVars maps a secret's variable to its model name.
	secretVars map[string]string
	// variables are the interpolated plain variables and their value.
	variables map[string]string
	// literalSecrets are the values of secret literals by variable, to
	// tell two apart; never written.
	literalSecrets map[string]string
	// patches are the Compose fields the schema does not name, by Compose
	// service: its compose.patches entry (carry).
	patches map[string]*obj
	// fromEnvironment are the model secrets Compose reads from their
	// variable (composeSource "environment").
	fromEnvironment map[string]bool
	// plain are the environment entries that read a variable as a plain
	// value.
	plain []plainUse
	// hostAllowed is each Compose service's hostAccessAllowed.
	hostAllowed map[string]*obj
	findings    []Finding
	errs        []error
}

// lit is a path written with dots between keys that hold none.
func lit(field string) []string {
	if field == "" {
		return nil
	}
	return strings.Split(field, ".")
}

func (c *converter) report(svc string, field []string, kind Kind, differs bool, format string, args ...any) {
	path := []string{}
	if svc != "" {
		path = append(path, "services", svc)
	}
	path = append(path, field...)
	file, line := c.src.at(path...)
	c.findings = append(c.findings, Finding{Service: svc, Field: strings.Join(field, "."), Path: field, File: file, Line: line, Kind: kind, Differs: differs, Message: fmt.Sprintf(format, args...)})
}

func (c *converter) fail(svc, field, format string, args ...any) {
	c.failAt(svc, strings.Split(field, "."), format, args...)
}

// failAt is fail at a field given by key (a key may hold dots).
func (c *converter) failAt(svc string, field []string, format string, args ...any) {
	path := append([]string{"services", svc}, field...)
	file, line, col := c.src.atCol(path...)
	pos := file
	if line > 0 {
		pos += ":" + strconv.Itoa(line) + ":" + strconv.Itoa(col)
	}
	c.errs = append(c.errs, &InputError{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// names gives each Compose name of a kind the model's: as written when
// ok accepts it, else renamed deterministically (model.KubeName, then a
// numeric suffix on a clash), and reported.
func (c *converter) names(kind string, names []string, ok func(string) bool, rename func(string) string) map[string]string {
	sort.Strings(names)
	out := map[string]string{}
	taken := map[string]bool{}
	for _, n := range names {
		if ok(n) {
			out[n], taken[n] = n, true
		}
	}
	for _, n := range names {
		if _, done := out[n]; done {
			continue
		}
		base := rename(n)
		if base == "" {
			base = kind
		}
		m := base
		for i := 2; taken[m]; i++ {
			m = fmt.Sprintf("%s-%d", base, i)
		}
		out[n], taken[m] = m, true
		var field []string
		svc := ""
		if kind == "service" {
			svc = n
		} else {
			field = []string{kind + "s", n}
		}
		c.report(svc, field, Renamed, true, "%s %q is renamed %q: the model's %s names must be %s; references to it are renamed too, other uses of the old name (DNS names in values) must follow", kind, n, m, kind, map[string]string{"service": "DNS labels (lower case, digits, -)", "volume": "letters, digits, _ . -", "network": "letters, digits, _ . -"}[kind])
	}
	return out
}

func composeRename(n string) string {
	b := []byte(n)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.' || ch == '-') {
			b[i] = '-'
		}
	}
	s := strings.TrimLeft(string(b), "-_.")
	if len(s) > 63 {
		s = s[:63]
	}
	return s
}

// service converts one Compose service.
func (c *converter) service(s types.ServiceConfig) *obj {
	name := s.Name
	out := &obj{}
	rest := s // what is left once every carried field is zeroed
	rest.Name = ""

	c.identity(s, out, &rest)

	replicas := 1
	if s.Scale != nil {
		replicas = *s.Scale
		rest.Scale = nil
	}
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		replicas = *s.Deploy.Replicas
	}
	if replicas != 1 {
		out.set("replicas", replicas)
	}
	if s.Command != nil {
		out.set("command", strList(s.Command))
		c.secretArgs(name, "command", s.Command)
		rest.Command = nil
	}
	if s.Entrypoint != nil {
		out.set("entrypoint", strList(s.Entrypoint))
		c.secretArgs(name, "entrypoint", s.Entrypoint)
		rest.Entrypoint = nil
	}
	if ports := c.ports(name, s); len(ports) > 0 {
		out.set("ports", ports)
	}
	rest.Ports, rest.Expose = nil, nil
	if env := c.environment(name, s); !env.empty() {
		out.set("env", env)
	}
	rest.Environment = nil
	if len(s.EnvFiles) > 0 {
		c.report(name, lit("env_file"), Changed, true, "the variables of its env files are written in env (the model has no env_file)")
		rest.EnvFiles = nil
	}
	if r := c.resources(name, s); !r.empty() {
		out.set("resources", r)
	}
	rest.MemLimit, rest.MemReservation, rest.CPUS = 0, 0, 0
	if s.HealthCheck != nil {
		if h := c.health(name, s.HealthCheck); h != nil {
			out.set("health", h)
		}
		rest.HealthCheck = nil
	}
	mounts, tmpfs := c.mounts(name, s.Volumes)
	mounts = append(mounts, c.fileMounts(name, s)...)
	rest.Configs, rest.Secrets = nil, nil
	if len(mounts) > 0 {
		out.set("mounts", mounts)
	}
	rest.Volumes = nil
	tmpfs = append(tmpfs, s.Tmpfs...)
	rest.Tmpfs = nil
	c.networking(s, out)
	rest.Networks = nil
	c.lifecycle(s, out, &rest)

	c.process(name, s, out, &rest, tmpfs)
	c.parity(s, out, &rest)

	if s.Deploy != nil {
		d := *s.Deploy
		// The rest of deploy (restart_policy, mode, placement, …) is
		// Compose's own: compose.patches carries it (leftover).
		d.Replicas, d.Resources = nil, types.Resources{}
		r := s.Deploy.Resources
		r.Limits, r.Reservations = trimResource(r.Limits), trimResource(r.Reservations)
		c.leftover(name, lit("deploy.resources"), r)
		c.leftover(name, lit("deploy"), d)
		rest.Deploy = nil
	}
	if s.Extends != nil {
		rest.Extends = nil // compose-go has applied it
	}
	c.leftover(name, lit(""), rest)
	if h := c.hostAllowed[name]; !h.empty() {
		out.set("hostAccessAllowed", h)
	}
	for _, u := range c.src.interpolated(name) {
		if why, x := c.secretUse(u); x != "" {
			if c.healthSecrets(name, out, u) {
				continue
			}
			c.failAt(name, u.path, "service %s: %s %s: the model would hold its value, and a secret is never written into the model; read it from an environment entry (environment: %s: ${%s}), which the import keeps as a secret reference", name, strings.Join(u.path, "."), why, x, x)
			continue
		}
		msg := "the interpolated value is written: the model's Compose files interpolate only environment entries (env variable:); make it a model value or param to change it per environment"
		if shell := c.src.fromShell(u.vars); len(shell) > 0 {
			msg += "; " + fromShellNote(shell)
		}
		c.report(name, u.path, Changed, false, "%s", msg)
	}
	return out
}

// secretUse says how a value outside environment interpolates a secret
// ("interpolates ${API_TOKEN}, whose name says it is a secret"), with the
// variable, or returns "" when it does not: a set variable with a secret's
// name or a value the leak check denies, or any set variable under a key
// with a secret's name.
func (c *converter) secretUse(u use) (why, variable string) {
	key := u.path[len(u.path)-1]
	for _, x := range u.vars {
		if _, set := c.src.env[x]; !set {
			continue
		}
		switch {
		case policy.SecretName(x):
			return fmt.Sprintf("interpolates ${%s}, whose name says it is a secret", x), x
		case policy.LooksSecret(c.src.env[x]):
			return fmt.Sprintf("interpolates ${%s}, whose value looks like a secret (the leak check denies it)", x), x
		case policy.SecretName(key):
			return fmt.Sprintf("interpolates ${%s} into %s, whose name says it is a secret", x, key), x
		}
	}
	return "", ""
}

// healthSecrets keeps the secrets a health check's test interpolates
// references: each secret's value in the command becomes ${X} again and
// health.secrets maps X to the model secret read from ${X}, so neither the
// model nor out/ holds the value (the Compose target interpolates ${X}
// again; Kubernetes gives the container X from the secret). False when u
// is not the test or a value cannot be found in it.
func (c *converter) healthSecrets(svc string, out *obj, u use) bool {
	if strings.Join(u.path, ".") != "healthcheck.test" {
		return false
	}
	h, _ := out.value("health").(*obj)
	cmd, _ := h.value("command").([]any)
	if cmd == nil {
		return false
	}
	secrets := &obj{}
	for _, x := range u.vars {
		v, set := c.src.env[x]
		if !set || v == "" || !policy.SecretName(x) && !policy.LooksSecret(v) {
			continue
		}
		found := false
		for i, e := range cmd {
			if s, ok := e.(string); ok && strings.Contains(s, v) {
				cmd[i], found = strings.ReplaceAll(s, v, "${"+x+"}"), true
			}
		}
		if !found {
			return false
		}
		secrets.set(x, c.secret(x, svc, x))
	}
	if secrets.empty() {
		return false
	}
	h.setAfter("command", "secrets", secrets)
	refs := "${" + strings.Join(secrets.labels(), "}, ${") + "}"
	c.report(svc, u.path, Secret, false, "%s is a secret: the command keeps %s and health.secrets names the model secret each is read from; the value is never written (Compose interpolates it, Kubernetes gives the container the variable and runs the check through the shell)", refs, refs)
	return true
}

// hostAccess accepts host access the Compose file grants a service in its
// hostAccessAllowed, with the reason quoting the file, as
// imageUnpinnedAllowed accepts an unpinned image: the host-* policies
// then leave it alone until the user deletes the key.
func (c *converter) hostAccess(svc, key, reason string) {
	if c.hostAllowed[svc] == nil {
		c.hostAllowed[svc] = &obj{}
	}
	if c.hostAllowed[svc].value(key) == nil {
		c.hostAllowed[svc].set(key, reason)
	}
}

// fromShellNote says that variables' values came from the process
// environment.
func fromShellNote(vars []string) string {
	refs := make([]string, len(vars))
	for i, v := range vars {
		refs[i] = "${" + v + "}"
	}
	return "the value of " + strings.Join(refs, ", ") + " came from the process environment (the shell that ran the import), not from the Compose files or an env file: check it is the value the stack should keep"
}

// secretArgs reports arguments that look like secret literals: they are
// carried, and degen build refuses them (no-secret-literals) until they
// are read from a secret variable.
func (c *converter) secretArgs(svc, field string, args []string) {
	for i, a := range args {
		if policy.SecretLiteral("", a) != "" {
			c.report(svc, []string{field}, Secret, false, "argument %d looks like a secret literal: degen build refuses it (no-secret-literals); pass it through an environment variable that references a secret", i)
		}
	}
}

func trimResource(r *types.Resource) *types.Resource {
	if r == nil {
		return nil
	}
	x := *r
	x.NanoCPUs, x.MemoryBytes = 0, 0
	if x.Pids == 0 && x.Devices == nil && x.GenericResources == nil {
		return nil
	}
	return &x
}

// lifecycle carries depends_on and the restart policy.
func (c *converter) lifecycle(s types.ServiceConfig, out *obj, rest *types.ServiceConfig) {
	name := s.Name
	if len(s.DependsOn) > 0 {
		deps := &obj{}
		for _, d := range model.SortedKeys(s.DependsOn) {
			dep := s.DependsOn[d]
			cond := map[string]string{"service_started": "started", "service_healthy": "healthy", "service_completed_successfully": "completed"}[dep.Condition]
			if cond == "" {
				cond = "started"
			}
			o := deps.get(c.services[d]).set("condition", cond)
			if dep.Restart {
				o.set("restart", true)
			}
			if !dep.Required {
				o.set("required", false)
			}
		}
		out.set("dependsOn", deps)
		rest.DependsOn = nil
	}
	restart := s.Restart
	if restart == "" {
		restart = "no"
		c.report(name, lit("restart"), Explicit, true, "Compose's default restart policy \"no\" is written out (the model's default is unless-stopped)")
	}
	if r, n, ok := strings.Cut(restart, ":"); ok && r == "on-failure" {
		if retries, err := strconv.Atoi(n); err == nil && retries >= 1 {
			out.set("restart", r)
			out.set("restartRetries", retries)
		} else {
			out.set("restart", r)
			c.report(name, lit("restart"), Explicit, true, "restart %q is read as on-failure without a bound", restart)
		}
	} else {
		out.set("restart", restart)
	}
	rest.Restart = ""
}

// identity carries what names the container and its image: image,
// build, container_name and hostname.
func (c *converter) identity(s types.ServiceConfig, out *obj, rest *types.ServiceConfig) {
	name := s.Name
	img := s.Image
	accept := ""
	if img == "" && s.Build != nil {
		// docker compose tags what it builds <project>-<service>.
		img = c.project + "-" + c.serviceName(name)
		c.report(name, lit("image"), Explicit, true, "the model names every image: Compose tags what it builds %s, which the model writes out", img)
	}
	switch {
	case img == "":
		c.fail(name, "image", "service %s has neither image nor build: give it an image", name)
	case !image.MatchString(img):
		c.fail(name, "image", "service %s: image %q is no image reference (docker pulls only lower-case repository names): fix it in the Compose file", name, img)
	case !pinned(img):
		// Carried as written: whether it may be deployed is the
		// images-pinned policy's call, by stage.
		what := "a locally built image"
		if s.Build == nil {
			what = "pulled as the registry's latest"
		}
		c.report(name, lit("image"), Unpinned, false, "image %s is not pinned (%s): it is carried as written and accepted in imageUnpinnedAllowed, so degen build warns at every stage (policy images-pinned-accepted) until it has a release tag or a digest; delete imageUnpinnedAllowed to make staging and production refuse it (policy images-pinned)", img, what)
		accept = "the Compose file runs it unpinned (" + what + ")"
	}
	out.set("image", img)
	if accept != "" {
		out.set("imageUnpinnedAllowed", accept)
	}
	rest.Image = ""

	if s.Build != nil {
		out.set("build", c.build(name, s.Build))
		rest.Build = nil
	}
	if s.ContainerName != "" {
		if dockerName.MatchString(s.ContainerName) {
			out.set("containerName", s.ContainerName)
			rest.ContainerName = ""
		}
	}
	switch {
	case s.Hostname == "" && s.NetworkMode != "":
		// The compose patch removes the hostname (networking).
	case s.Hostname == "":
		c.report(name, lit("hostname"), Changed, true, "the model gives every service a hostname, its name %s (Compose gave the container its id)", c.serviceName(name))
	case s.Hostname != c.serviceName(name) && model.IsDNSLabel(s.Hostname):
		out.set("hostname", s.Hostname)
		for _, n := range model.SortedKeys(s.Networks) {
			c.report(name, []string{"networks", n, "aliases"}, Changed, true, "hostname %s is also an alias on network %s, so other services resolve it (the model's hostname is the service's DNS name)", s.Hostname, n)
		}
	case s.Hostname != c.serviceName(name):
		// Not a DNS label, which the model's hostname is: the container
		// keeps it through compose.patches.
		c.carry(name, lit("hostname"), s.Hostname)
	}
	rest.Hostname = ""
}

// process carries the container fields of the schema's Compose parity.
func (c *converter) process(name string, s types.ServiceConfig, out *obj, rest *types.ServiceConfig, tmpfs []string) {
	if s.User != "" {
		out.set("user", s.User)
		if runsAsRoot(s.User) {
			// Staging and production run every container as non-root
			// unless the service gives the reason: the Compose file is it.
			out.get("security").set("relaxedAllowed", (&obj{}).set("runAsNonRoot", "the Compose file runs it as root (user: "+s.User+")"))
		}
	}
	if s.WorkingDir != "" {
		out.set("workingDir", s.WorkingDir)
	}
	if s.StopSignal != "" {
		out.set("stopSignal", s.StopSignal)
	}
	if s.StopGracePeriod != nil {
		out.set("stopGracePeriod", duration(time.Duration(*s.StopGracePeriod)))
	}
	if s.Init != nil {
		out.set("init", *s.Init)
	}
	if s.StdinOpen {
		out.set("stdinOpen", true)
	}
	if s.Tty {
		out.set("tty", true)
	}
	if len(tmpfs) > 0 {
		out.set("tmpfs", strList(tmpfs))
	}
	if len(s.ExtraHosts) > 0 {
		h := &obj{}
		for _, host := range model.SortedKeys(s.ExtraHosts) {
			h.set(host, strList(s.ExtraHosts[host]))
		}
		out.set("extraHosts", h)
	}
	if len(s.Ulimits) > 0 {
		u := &obj{}
		for _, n := range model.SortedKeys(s.Ulimits) {
			l := s.Ulimits[n]
			if l.Single != 0 {
				u.set(n, l.Single)
			} else {
				u.set(n, (&obj{}).set("soft", l.Soft).set("hard", l.Hard))
			}
		}
		out.set("ulimits", u)
	}
	if len(s.CapAdd) > 0 {
		out.set("capAdd", strList(s.CapAdd))
	}
	if len(s.CapDrop) > 0 {
		out.set("capDrop", strList(s.CapDrop))
	}
	if s.ReadOnly {
		out.set("readOnly", true)
	}
	if s.Privileged {
		out.set("privileged", true)
		c.hostAccess(name, "privileged", "the Compose file runs it privileged (privileged: true)")
	}
	for _, cp := range s.CapAdd {
		c.hostAccess(name, strings.TrimPrefix(cp, "CAP_"), "the Compose file adds capability "+cp+" (cap_add)")
	}
	if len(s.Labels) > 0 {
		l := &obj{}
		for _, k := range model.SortedKeys(s.Labels) {
			l.set(k, s.Labels[k])
		}
		out.set("labels", l)
	}
	if lg := s.Logging; lg != nil {
		l := &obj{}
		if lg.Driver != "" {
			l.set("driver", lg.Driver)
		}
		if len(lg.Options) > 0 {
			o := &obj{}
			for _, k := range model.SortedKeys(lg.Options) {
				o.set(k, lg.Options[k])
			}
			l.set("options", o)
		}
		out.set("logging", l)
	}
	if len(s.Profiles) > 0 {
		out.set("profiles", strList(s.Profiles))
	}
	rest.User, rest.WorkingDir, rest.StopSignal, rest.StopGracePeriod, rest.Init = "", "", "", nil, nil
	rest.StdinOpen, rest.Tty, rest.ExtraHosts, rest.Ulimits, rest.CapAdd, rest.CapDrop = false, false, nil, nil, nil, nil
	rest.ReadOnly, rest.Privileged, rest.Labels, rest.Logging, rest.Profiles = false, false, nil, nil, nil
}

func (c *converter) serviceName(n string) string { return c.services[n] }

// pinned is the judgement of policy images-pinned
// (schema/policies/images_pinned.cue): a digest, or a tag on the last path
// element other than latest.
func pinned(img string) bool {
	if strings.Contains(img, "@sha256:") {
		return true
	}
	last := img[strings.LastIndex(img, "/")+1:]
	return strings.Contains(last, ":") && !strings.HasSuffix(last, ":latest")
}

func (c *converter) build(name string, b *types.BuildConfig) *obj {
	out := &obj{}
	out.set("context", c.path(b.Context))
	if b.Dockerfile != "" {
		out.set("dockerfile", b.Dockerfile)
	}
	if len(b.Args) > 0 {
		args := &obj{}
		for _, k := range model.SortedKeys(b.Args) {
			if v := b.Args[k]; v != nil && policy.SecretLiteral(k, *v) != "" {
				c.report(name, []string{"build", "args", k}, Secret, true, "build argument %s looks like a secret: its value is not written (degen writes no secret under out/); give it to the build as a build secret", k)
			} else if v != nil && envVarName.MatchString(k) {
				args.set(k, *v)
			} else {
				c.report(name, []string{"build", "args", k}, Dropped, true, "build argument %s without a value (or with a name the model cannot hold) is not carried", k)
			}
		}
		if !args.empty() {
			out.set("args", args)
		}
	}
	if b.Target != "" {
		out.set("target", b.Target)
	}
	rest := *b
	rest.Context, rest.Dockerfile, rest.Args, rest.Target = "", "", nil, ""
	c.leftover(name, lit("build"), rest)
	return out
}

// path makes an absolute path of the project relative to the model root
// (where the model's relative paths start); URLs stay.
func (c *converter) path(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	if r, err := filepath.Rel(c.into, p); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

func (c *converter) ports(name string, s types.ServiceConfig) []any {
	var out []any
	used := map[string]bool{}
	targets := map[uint32]bool{}
	pname := func(want string, target uint32, proto string) string {
		if want != "" && portName.MatchString(want) && !used[want] {
			used[want] = true
			return want
		}
		base := fmt.Sprintf("p%d", target)
		if proto == "udp" {
			base += "-udp"
		}
		n := base
		for i := 2; used[n]; i++ {
			n = fmt.Sprintf("%s-%d", base, i)
		}
		used[n] = true
		return n
	}
	named := false
	for _, p := range s.Ports {
		targets[p.Target] = true
		port := &obj{}
		if p.Name == "" {
			named = true
		}
		port.set("name", pname(p.Name, p.Target, p.Protocol))
		port.set("containerPort", int(p.Target))
		if p.Published != "" {
			if n, err := strconv.Atoi(p.Published); err == nil {
				port.set("hostPort", n)
			} else {
				c.report(name, lit("ports"), Dropped, true, "published port range %s is not carried: the model publishes one host port per port", p.Published)
			}
		} else {
			c.report(name, lit("ports"), Changed, true, "port %d published on a random host port becomes an exposed port (expose)", p.Target)
		}
		if p.Protocol == "udp" {
			port.set("protocol", "UDP")
		}
		switch p.AppProtocol {
		case "", "tcp":
		case "http", "ws", "grpc":
			port.set("appProtocol", p.AppProtocol)
		default:
			c.report(name, lit("ports.app_protocol"), Dropped, true, "app_protocol %q is not one of the model's (tcp, http, ws, grpc)", p.AppProtocol)
		}
		switch {
		case p.HostIP == "" || p.HostIP == "0.0.0.0":
		case ipAddress.MatchString(p.HostIP):
			port.set("hostIP", p.HostIP)
		default:
			c.report(name, lit("ports.host_ip"), Dropped, true, "host_ip %s is not an address: the port is published on every address", p.HostIP)
		}
		if p.Mode == "host" {
			port.set("mode", p.Mode)
		}
		out = append(out, port)
	}
	if named {
		c.report(name, lit("ports.name"), Explicit, true, "the model names every port (p<port>); Compose writes the name")
		c.report(name, lit("ports.app_protocol"), Explicit, true, "the model gives every port an application protocol (tcp unless it says); Compose writes it")
	}
	for _, e := range s.Expose {
		num, proto, _ := strings.Cut(e, "/")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 65535 {
			c.report(name, lit("expose"), Dropped, true, "exposed port %s is not carried: the model exposes single ports", e)
			continue
		}
		if targets[uint32(n)] {
			c.report(name, lit("expose"), Changed, true, "port %d is both published and exposed: the model exposes it once, published", n)
			continue
		}
		targets[uint32(n)] = true
		port := &obj{}
		port.set("name", pname("", uint32(n), proto))
		port.set("containerPort", n)
		if proto == "udp" {
			port.set("protocol", "UDP")
		}
		out = append(out, port)
	}
	return out
}

// environment converts the service's variables: plain values, variables
// the Compose file interpolates, and secret references for what looks
// like a secret or is unset (degen never writes a secret's value).
func (c *converter) environment(name string, s types.ServiceConfig) *obj {
	out := &obj{}
	for _, k := range model.SortedKeys(s.Environment) {
		v := s.Environment[k]
		if !envKeyName.MatchString(k) {
			c.report(name, []string{"environment", k}, Dropped, true, "variable name %q is not a name the model's env holds (letters, digits, _ . -)", k)
			continue
		}
		raw, hasRaw := c.src.rawEnv(name, k)
		ref, hasDefault, required := "", false, false
		if m := reference.FindStringSubmatch(raw); hasRaw && m != nil {
			ref = m[1] + m[2]
			hasDefault = strings.Contains(m[3], "-")
			required = m[5] != ""
		}
		// unset is a value that is exactly one variable nobody set and
		// that has no default: compose-go interpolated it as empty.
		unset := v != nil && ref != "" && c.src.missing[ref] && !hasDefault
		// vars are the variables the value was interpolated from: those
		// the file writes, or k itself when the entry names only a
		// variable (- K, K:) that the process environment or an env file
		// set.
		var vars []string
		if hasRaw && raw != "" {
			vars = variablesIn(raw)
		} else if ev, set := c.src.env[k]; set && v != nil && *v == ev {
			vars = []string{k}
		}
		secretVar := ""
		for _, x := range vars {
			if policy.SecretName(x) && secretVar == "" {
				secretVar = x
			}
		}
		switch {
		case v == nil:
			// - K or K: with K set nowhere: Compose passes nothing, and
			// the container gets K only from the shell (or env file) of
			// docker compose up. It stays so: optional, no secret.
			out.get(k).set("variable", k)
			c.report(name, []string{"environment", k}, Unset, false, "variable %s is set nowhere: passed through as Compose does (the container gets it only when docker compose runs with it set); Kubernetes has no shell to pass it, so give it a value or a secret in the environment's file there", k)
			c.findings[len(c.findings)-1].EnvVar = k
		case unset && (required || policy.SecretName(ref) || policy.SecretName(k)):
			// The original requires it (${X:?}), or it is a secret: a
			// reference the user sets.
			sec := c.secret(ref, name, k)
			out.get(k).set("secret", sec)
			c.report(name, []string{"environment", k}, Unset, false, "variable %s is unset: kept as the reference ${%s} (model secret %s); set it before docker compose up", ref, ref, sec)
			c.findings[len(c.findings)-1].EnvVar = ref
		case unset && c.variable(ref, *v):
			out.get(k).set("value", *v).set("variable", ref)
			c.plainUse(name, k, ref, out.get(k))
			c.report(name, []string{"environment", k}, Unset, false, "variable %s is unset: interpolated as empty, as docker compose does, and written so (value \"\", read from .env.<env> as ${%s}); give it its value in the model", ref, ref)
			c.findings[len(c.findings)-1].EnvVar = ref
		case len(vars) > 0 && *v != "" && (secretVar != "" || policy.SecretName(k)):
			// A value interpolated for a secret's name, or into one, is a
			// secret: kept as a reference, never written.
			envVar, why := ref, ""
			if secretVar == "" {
				secretVar = vars[0]
				why = fmt.Sprintf("${%s} is interpolated into %s, whose name says it is a secret", secretVar, k)
			} else {
				why = fmt.Sprintf("${%s} names a secret", secretVar)
			}
			if c.src.shell[secretVar] {
				why += " (its value came from the process environment)"
			}
			switch {
			case ref == "" && len(vars) == 1 && (!hasRaw || raw == ""):
				envVar = k // - K or K: passes K through
			case ref == "":
				envVar = c.literalSecretVar(name, k, *v)
				why += " in a longer value, which is the secret as a whole"
			}
			sec := c.secret(envVar, name, k)
			out.get(k).set("secret", sec)
			c.findings = append(c.findings, Finding{Service: name, Field: "environment." + k, Path: []string{"environment", k}, Kind: Secret, EnvVar: envVar,
				Message: fmt.Sprintf("%s: its value is not written; model secret %s reads ${%s}, set it before docker compose up", why, sec, envVar)})
			c.locate(&c.findings[len(c.findings)-1])
		case policy.SecretLiteral(k, *v) != "":
			envVar := k
			if ref != "" {
				envVar = ref
			} else {
				envVar = c.literalSecretVar(name, k, *v)
			}
			sec := c.secret(envVar, name, k)
			out.get(k).set("secret", sec)
			c.findings = append(c.findings, Finding{Service: name, Field: "environment." + k, Path: []string{"environment", k}, Kind: Secret, EnvVar: envVar,
				Message: fmt.Sprintf("looks like a secret: its value is not written; model secret %s reads ${%s}, set it before docker compose up", sec, envVar)})
			c.locate(&c.findings[len(c.findings)-1])
		case ref != "" && envVarName.MatchString(ref) && c.variable(ref, *v):
			out.get(k).set("value", *v).set("variable", ref)
			c.plainUse(name, k, ref, out.get(k))
			c.noteShell(name, k, vars)
		default:
			out.get(k).set("value", *v)
			c.noteShell(name, k, vars)
		}
	}
	return out
}

// plainUse records an environment entry that reads variable as a plain
// value (env is its model entry), for secretsReadPlainly.
func (c *converter) plainUse(svc, key, variable string, env *obj) {
	c.plain = append(c.plain, plainUse{svc, key, variable, env})
}

type plainUse struct {
	svc, key, variable string
	env                *obj
}

// secretsReadPlainly makes every plain use of a variable that another
// service reads as a secret a reference to that secret: one variable is one
// thing, and a secret's value is never written.
func (c *converter) secretsReadPlainly() {
	for _, u := range c.plain {
		sec, ok := c.secretVars[u.variable]
		if !ok {
			continue
		}
		field := "environment." + u.key
		var readers []string
		for _, f := range c.findings {
			if (f.Kind == Secret || f.Kind == Unset) && f.EnvVar == u.variable && (f.Service != u.svc || f.Field != field) {
				readers = append(readers, f.Service+" ("+f.Field+")")
			}
		}
		slices.Sort(readers)
		*u.env = obj{}
		u.env.set("secret", sec)
		// This entry's unset finding, if any, is said again below.
		c.findings = slices.DeleteFunc(c.findings, func(f Finding) bool {
			return f.Service == u.svc && f.Kind == Unset && f.Field == field
		})
		c.findings = append(c.findings, Finding{Service: u.svc, Field: field, Path: []string{"environment", u.key}, Kind: Secret, EnvVar: u.variable,
			Message: fmt.Sprintf("${%s} is read as a secret by %s: this entry is the same reference (model secret %s), its value is not written; set ${%s} before docker compose up", u.variable, strings.Join(slices.Compact(readers), ", "), sec, u.variable)})
		c.locate(&c.findings[len(c.findings)-1])
	}
}

// noteShell reports an environment entry whose value came, in part, from
// the process environment: the model keeps the value the shell had.
func (c *converter) noteShell(svc, k string, vars []string) {
	if shell := c.src.fromShell(vars); len(shell) > 0 {
		c.report(svc, []string{"environment", k}, Shell, false, "%s; it is written into the model", fromShellNote(shell))
	}
}

func (c *converter) locate(f *Finding) {
	path := append([]string{"services", f.Service}, f.Path...)
	f.File, f.Line = c.src.at(path...)
}

// variable records a plain interpolated variable; a second, different
// value for one name cannot be (the .env file holds one).
func (c *converter) variable(name, value string) bool {
	if prev, ok := c.variables[name]; ok && prev != value {
		return false
	}
	c.variables[name] = value
	return true
}

// literalSecretVar is the variable a secret literal of service svc, env k,
// is read from: k, unless another service's k holds another value, which
// then gets <SERVICE>_<k>, so that one variable never stands for two
// values. The values are compared in memory and never written.
func (c *converter) literalSecretVar(svc, k, v string) string {
	envVar := k
	if prev, ok := c.literalSecrets[envVar]; ok && prev != v {
		envVar = strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(c.services[svc])) + "_" + k
	}
	c.literalSecrets[envVar] = v
	return envVar
}

// secret returns the model secret read from envVar, adding it.
func (c *converter) secret(envVar, svc, key string) string {
	if n, ok := c.secretVars[envVar]; ok {
		return n
	}
	base := model.KubeName(envVar)
	if base == "" {
		base = "secret"
	}
	n := base
	for i := 2; c.secrets[n] != nil; i++ {
		n = fmt.Sprintf("%s-%d", base, i)
	}
	c.secretVars[envVar] = n
	c.secrets[n] = (&obj{}).set("envVar", envVar).
		set("description", fmt.Sprintf("%s of service %s (imported from Compose)", key, svc)).
		set("key", n)
	return n
}

func (c *converter) resources(name string, s types.ServiceConfig) *obj {
	out := &obj{}
	var lim, res *types.Resource
	if s.Deploy != nil {
		lim, res = s.Deploy.Resources.Limits, s.Deploy.Resources.Reservations
	}
	if s.CPUS != 0 || s.MemLimit != 0 {
		c.report(name, lit("cpus"), Changed, true, "cpus and mem_limit become deploy.resources.limits")
		if lim == nil {
			lim = &types.Resource{}
		}
		if lim.NanoCPUs == 0 {
			lim.NanoCPUs = types.NanoCPUs(s.CPUS)
		}
		if lim.MemoryBytes == 0 {
			lim.MemoryBytes = s.MemLimit
		}
	}
	if s.MemReservation != 0 {
		c.report(name, lit("mem_reservation"), Changed, true, "mem_reservation becomes deploy.resources.reservations")
		if res == nil {
			res = &types.Resource{}
		}
		res.MemoryBytes = s.MemReservation
	}
	for _, r := range []struct {
		label, field string
		r            *types.Resource
	}{{"limits", "deploy.resources.limits", lim}, {"requests", "deploy.resources.reservations", res}} {
		if r.r == nil || r.r.NanoCPUs == 0 && r.r.MemoryBytes == 0 {
			continue
		}
		q := &obj{}
		if r.r.NanoCPUs != 0 {
			m := int(float64(r.r.NanoCPUs)*1000 + 0.5)
			if m%1000 == 0 {
				q.set("cpu", strconv.Itoa(m/1000))
			} else {
				q.set("cpu", strconv.Itoa(m)+"m")
			}
		}
		if b := int64(r.r.MemoryBytes); b != 0 {
			mem, exact := memory(b)
			q.set("memory", mem)
			if !exact {
				c.report(name, lit(r.field+".memory"), Changed, true, "%d bytes is rounded up to %s: the model writes binary units", b, mem)
			}
		}
		out.set(r.label, q)
	}
	return out
}

// memory writes bytes in the largest binary unit that holds them exactly,
// rounding up to Ki.
func memory(b int64) (string, bool) {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"Ti", 1 << 40}, {"Gi", 1 << 30}, {"Mi", 1 << 20}, {"Ki", 1 << 10}} {
		if b%u.size == 0 {
			return strconv.FormatInt(b/u.size, 10) + u.suffix, true
		}
	}
	return strconv.FormatInt((b+1023)/1024, 10) + "Ki", false
}

// Docker's health check defaults, written out when the file leaves them.
const (
	dockerInterval = 30 * time.Second
	dockerTimeout  = 30 * time.Second
	dockerRetries  = 3
)

func (c *converter) health(name string, h *types.HealthCheckConfig) *obj {
	out := &obj{}
	test := []string(h.Test)
	switch {
	case h.Disable || len(test) > 0 && test[0] == "NONE":
		out.set("type", "none")
		return out
	case len(test) == 0 && h.Interval == nil && h.Timeout == nil && h.Retries == nil && h.StartPeriod == nil && h.StartInterval == nil:
		return nil // healthcheck: {}, the image's as it is
	case len(test) == 0:
		c.report(name, lit("healthcheck"), Dropped, true, "a health check without test (the image's, retimed) is not carried")
		return nil
	case test[0] == "CMD" && len(test) > 1, test[0] == "CMD-SHELL" && len(test) == 2:
		out.set("type", "exec")
		out.set("form", test[0])
		out.set("command", strList(test[1:]))
	default:
		c.report(name, lit("healthcheck.test"), Dropped, true, "test %q is neither CMD, CMD-SHELL nor NONE", test)
		return nil
	}
	d := func(field, label string, v *types.Duration, def time.Duration) {
		if v != nil {
			out.set(label, duration(time.Duration(*v)))
			return
		}
		if def != 0 {
			out.set(label, duration(def))
			c.report(name, []string{"healthcheck", field}, Explicit, true, "Docker's default %s %s is written out", field, duration(def))
		}
	}
	d("interval", "interval", h.Interval, dockerInterval)
	d("timeout", "timeout", h.Timeout, dockerTimeout)
	if h.Retries != nil {
		out.set("retries", int(*h.Retries))
	} else {
		out.set("retries", dockerRetries)
		c.report(name, lit("healthcheck.retries"), Explicit, true, "Docker's default retries %d is written out", dockerRetries)
	}
	d("start_period", "startPeriod", h.StartPeriod, 0)
	d("start_interval", "startInterval", h.StartInterval, 0)
	return out
}

// duration writes d as the model does: "1m30s", "500ms".
func duration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		suffix string
		size   time.Duration
	}{{"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if n := d / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.suffix)
			d -= n * u.size
		}
	}
	return b.String()
}

func (c *converter) mounts(name string, vols []types.ServiceVolumeConfig) ([]any, []string) {
	var out []any
	var tmpfs []string
	for i, v := range vols {
		field := lit("volumes")
		m := &obj{}
		m.set("target", v.Target)
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Source == "" {
				m.set("anonymous", true)
			} else {
				m.set("volume", c.volumes[v.Source])
			}
		case types.VolumeTypeBind:
			p := c.bindSource(name, v)
			m.set("hostPath", p)
			switch {
			case !filepath.IsAbs(p):
				// Kubernetes needs an absolute hostPath: a project-relative
				// bind (source code, a config file) is Compose only.
				m.set("composeOnly", true)
			case model.DockerSocket(p):
				m.set("composeOnly", true)
				c.report(name, field, Host, false, "the Docker socket %s is mounted in Compose only (composeOnly): Kubernetes nodes run no Docker daemon, so on Kubernetes the service has none (degen build warns)", p)
			case dockerUser(vols):
				// A host path beside the Docker socket is shared with the
				// containers the service starts through it (appwrite's
				// executor mounts /tmp for its runtimes).
				m.set("composeOnly", true)
				c.report(name, field, Host, false, "the host's %s is mounted in Compose only (composeOnly): the service also mounts the Docker socket, and shares the path with the containers it starts through it, which Kubernetes does not run", p)
			case model.HostClock(p):
				m.set("composeOnly", true)
				c.report(name, field, Host, false, "%s, the host's time zone, is mounted in Compose only (composeOnly): on Kubernetes give the service the time zone in env TZ (e.g. TZ: value: \"Europe/Berlin\")", p)
			}
			if filepath.IsAbs(p) {
				c.hostAccess(name, p, fmt.Sprintf("the Compose file mounts the host's %s at %s", p, v.Target))
			}
		case types.VolumeTypeTmpfs:
			t := v.Target
			if v.Tmpfs != nil && v.Tmpfs.Size != 0 {
				t += fmt.Sprintf(":size=%d", int64(v.Tmpfs.Size))
			}
			tmpfs = append(tmpfs, t)
			c.report(name, field, Changed, true, "tmpfs mount %s becomes a tmpfs entry", v.Target)
			continue
		default:
			c.report(name, field, Dropped, true, "mount of %s of type %s is not carried", v.Target, v.Type)
			continue
		}
		if v.ReadOnly {
			m.set("readOnly", true)
		}
		rest := v
		rest.Type, rest.Source, rest.Target, rest.ReadOnly = "", "", "", false
		if b := v.Bind; b != nil && b.SELinux != "" {
			m.set("selinux", b.SELinux)
			bb := *b
			bb.SELinux = ""
			rest.Bind = &bb
		}
		if b := rest.Bind; b != nil && b.Propagation != "" && v.Type == types.VolumeTypeBind {
			m.set("propagation", b.Propagation)
			bb := *b
			bb.Propagation = ""
			rest.Bind = &bb
		}
		if rest.Bind != nil && rest.Bind.Propagation == "" && rest.Bind.SELinux == "" && rest.Bind.Recursive == "" {
			rest.Bind = nil // create_host_path: Compose's default for the file's syntax
		}
		if rest.Volume != nil && !rest.Volume.NoCopy && rest.Volume.Subpath == "" {
			rest.Volume = nil
		}
		c.leftover(name, []string{"volumes", strconv.Itoa(i)}, rest)
		out = append(out, m)
	}
	return out, tmpfs
}

// dockerUser reports whether a service's mounts include the Docker socket.
func dockerUser(vols []types.ServiceVolumeConfig) bool {
	for _, v := range vols {
		if v.Type == types.VolumeTypeBind && filepath.IsAbs(v.Source) && model.DockerSocket(filepath.ToSlash(v.Source)) {
			return true
		}
	}
	return false
}

// bindSource is the model's hostPath of a bind mount. A path the file
// writes relative to the project (./data, ../shared) is relative to the
// model root, so it moves with the repository; an absolute one
// (/var/run/docker.sock) stays as written, the host's file wherever the
// repository is; ~ stays ~, which docker compose expands with the home of
// whoever runs it (never the importer's). The last two are reported.
func (c *converter) bindSource(svc string, v types.ServiceVolumeConfig) string {
	raw, ok := c.src.rawBindSource(svc, v.Target)
	interpolated := !ok || strings.Contains(raw, "$")
	if ok && interpolated {
		// ${CONFIG}/web with CONFIG=~/.app in .env: the source as
		// interpolated, before compose-go expands ~.
		s, err := template.Substitute(raw, func(k string) (string, bool) { v, set := c.src.env[k]; return v, set })
		if err != nil || strings.Contains(s, "$") {
			s = raw
		}
		raw = s
	}
	home := ok && (raw == "~" || strings.HasPrefix(raw, "~/"))
	switch {
	case home && !strings.Contains(raw, "$"):
		c.report(svc, lit("volumes"), Host, false, "bind source %s stays %s: docker compose expands ~ with the home directory of whoever runs it (the mount is Compose only: Kubernetes has no such home)", raw, raw)
		return raw
	case filepath.IsAbs(v.Source) && (!interpolated && filepath.IsAbs(raw) || interpolated && !within(c.src.dir, v.Source)):
		// Written absolute, or interpolated (${HOME}/.aws) to a path
		// outside the project; ${PWD}/data is the project's.
		c.report(svc, lit("volumes"), Host, false, "bind source %s stays absolute: it names the host's file wherever the repository is (on Kubernetes, the node's)", filepath.ToSlash(v.Source))
		return filepath.ToSlash(v.Source)
	}
	return c.path(v.Source)
}

// within reports whether p is dir or under it.
func within(dir, p string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// fileMounts carries the service's file configs and secrets as config
// mounts of the repository file and secret mounts (docs/TARGETS.md: the
// Compose target writes the config's content inline and reads the secret
// from ${<ENVVAR>_FILE}).
func (c *converter) fileMounts(name string, s types.ServiceConfig) []any {
	var out []any
	for _, cf := range s.Configs {
		top, ok := c.src.project.Configs[cf.Source]
		if !ok || top.File == "" && top.Content == "" {
			c.report(name, []string{"configs"}, Dropped, true, "config %s is neither a file nor content: not carried", cf.Source)
			continue
		}
		target := cf.Target
		if target == "" {
			target = "/" + cf.Source
		}
		m := &obj{}
		m.set("target", target)
		m.set("config", cf.Source)
		if top.File != "" {
			m.set("file", c.path(top.File))
			c.report(name, []string{"configs"}, Changed, false, "config %s is written with its file's content inline (content:), read from %s at build time", cf.Source, c.path(top.File))
		} else {
			m.set("content", top.Content)
		}
		out = append(out, m)
	}
	for _, sf := range s.Secrets {
		top, ok := c.src.project.Secrets[sf.Source]
		if ok && top.File == "" && envVarName.MatchString(top.Environment) {
			out = append(out, c.environmentSecret(name, sf, top.Environment))
			continue
		}
		if !ok || top.File == "" {
			c.report(name, []string{"secrets"}, Dropped, true, "secret %s is not a file: not carried", sf.Source)
			continue
		}
		target := secretTarget(sf)
		envVar := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(sf.Source))
		sec := c.secret(envVar, name, envVar)
		m := &obj{}
		m.set("target", target)
		m.set("secret", sec)
		out = append(out, m)
		c.findings = append(c.findings, Finding{Service: name, Field: "secrets", Path: []string{"secrets"}, Kind: Secret, EnvVar: envVar + "_FILE", Differs: true,
			Message: fmt.Sprintf("secret file %s is a model secret %s: Compose reads the file ${%s_FILE} names; set it to %s before docker compose up", sf.Source, sec, envVar, c.path(top.File))})
		c.locate(&c.findings[len(c.findings)-1])
	}
	return out
}

// leftover carries every field of v (a compose-go value whose modelled
// fields are zeroed) that is still set, at prefix, in the service's
// compose.patches (carry); what no patch can reach (a top-level network
// or volume, an element of a list) is reported dropped.
func (c *converter) leftover(svc string, prefix []string, v any) {
	m := jsonMap(v)
	patchable := svc != ""
	for _, k := range prefix {
		if _, err := strconv.Atoi(k); err == nil {
			patchable = false
		}
	}
	for _, k := range model.SortedKeys(m) {
		field := append(append([]string(nil), prefix...), k)
		if patchable {
			c.carry(svc, field, m[k])
			continue
		}
		c.report(svc, field, Dropped, true, "not carried: the schema has no %s", k)
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// runsAsRoot says whether a Compose user (user, uid, user:group) is root.
func runsAsRoot(user string) bool {
	u, _, _ := strings.Cut(user, ":")
	return u == "0" || u == "root"
}
