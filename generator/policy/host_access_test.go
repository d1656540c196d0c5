package policy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/policy"
)

// hostBase is a model on the schema with one environment per stage, each
// getting Compose and Kubernetes unless a test's file says otherwise.
const hostBase = `package envs

import "degen.dev/schema"

#Base: schema.#Environment & {
	project: name: "hosts"
	artefacts: *["compose", "kubernetes"] | _
	kubernetes: podSecurity: "privileged"
	services: [string]: {
		image: "nginx:1.27.3"
		resources: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "100m", memory: "64Mi"}}
	}
}
environments: [N=string]: #Base & {name: N}
environments: {
	local: stage:   "local"
	dev: stage:     "development"
	staging: stage: "staging"
	prod: stage:    "production"
}
`

// hostServices asks for every kind of host access the host-* rules judge,
// with one line per finding (a marker comment names the rule), and for the
// access they must let through.
const hostServices = `package envs

environments: [string]: services: {
	priv: privileged: true // host-privileged
	ns: host: {
		network: true // host-namespaces network
		pid:     true // host-namespaces pid
	}
	caps: capAdd: [
		"SYS_ADMIN",       // host-capabilities SYS_ADMIN
		"CAP_NET_ADMIN",   // host-capabilities NET_ADMIN
		"SYS_PTRACE",      // host-capabilities SYS_PTRACE
		"SYS_MODULE",      // host-capabilities SYS_MODULE
		"DAC_READ_SEARCH", // host-capabilities DAC_READ_SEARCH
		"ALL",             // host-capabilities ALL
		"NET_BIND_SERVICE",
		"CHOWN",
	]
	binds: mounts: [
		{target: "/m0", hostPath: "/var/run/docker.sock"},  // host-sensitive-mount docker.sock
		{target: "/m1", hostPath: "/run/docker.sock"},      // host-sensitive-mount run docker.sock
		{target: "/m2", hostPath: "/"},                     // host-sensitive-mount root
		{target: "/m3", hostPath: "/proc"},                 // host-sensitive-mount proc
		{target: "/m4", hostPath: "/sys/fs/cgroup/"},       // host-sensitive-mount sys
		{target: "/m5", hostPath: "/etc"},                  // host-sensitive-mount etc
		{target: "/m6", hostPath: "/root/.ssh"},            // host-sensitive-mount root home
		{target: "/m7", hostPath: "/var/lib/docker"},       // host-sensitive-mount docker state
		{target: "/m8", hostPath: "/dev"},                  // host-sensitive-mount dev
		{target: "/m9", hostPath: "/var"},                  // host-sensitive-mount var
		{target: "/m10", hostPath: "//run//"},              // host-sensitive-mount run
		{target: "/m11", hostPath: "/home/u/.docker/run/docker.sock"}, // host-sensitive-mount rootless socket
		{target: "/m12", hostPath: "../../elsewhere", composeOnly: true}, // host-sensitive-mount outside
		{target: "/m13", hostPath: "/srv/data"},
		{target: "/m14", hostPath: "/var/log"},
		{target: "/m15", hostPath: "/procfs"},
		{target: "/m16", hostPath: "/etcetera"},
		{target: "/m17", hostPath: "./src", composeOnly: true},
		{target: "/m18", hostPath: "/tmp"},
		{target: "/m19", volume: "data"},
	]
}
environments: [string]: volumes: data: size: "1Gi"
`

// hostRun runs the policies over hostBase and src (envs/hosts.cue).
func hostRun(t *testing.T, src string) *policy.Report {
	t.Helper()
	return runPolicies(t, tinyModel(t, map[string]string{"envs/envs.cue": hostBase, "envs/hosts.cue": src}))
}

// hostViolations are the violations of the host-* rules in env.
func hostViolations(rep *policy.Report, env string) []policy.Violation {
	var out []policy.Violation
	for _, v := range rep.Violations {
		if v.Env == env && strings.HasPrefix(v.Rule, "host-") {
			out = append(out, v)
		}
	}
	return out
}

// findings are the host-* violations of env as "file:line rule", sorted.
func findings(rep *policy.Report, env string) []string {
	var got []string
	for _, v := range hostViolations(rep, env) {
		line, _, _ := strings.Cut(strings.TrimPrefix(v.Position, "./envs/hosts.cue:"), ":")
		got = append(got, fmt.Sprintf("./envs/hosts.cue:%s %s", line, v.Rule))
	}
	slices.Sort(got)
	return got
}

// marked are the findings src expects: "file:line rule" for every line
// holding marker, the rule being the word after it.
func marked(src, marker string) []string {
	var want []string
	for i, l := range strings.Split(src, "\n") {
		if _, rest, ok := strings.Cut(l, marker); ok {
			rule, _, _ := strings.Cut(rest, " ")
			want = append(want, fmt.Sprintf("./envs/hosts.cue:%d %s", i+1, rule))
		}
	}
	return want
}

// TestHostAccessPerStage checks every host-* rule in every stage: each
// finding at the line of its marker, a warning in local and development, a
// deny in staging and production, and nothing for the access the rules let
// through (default capabilities, ordinary and relative paths, a prefix of a
// name that is not a directory above it).
func TestHostAccessPerStage(t *testing.T) {
	rep := hostRun(t, hostServices)
	want := marked(hostServices, "// ")
	slices.Sort(want)
	for env, sev := range map[string]policy.Severity{"local": policy.Warn, "dev": policy.Warn, "staging": policy.Deny, "prod": policy.Deny} {
		t.Run(env, func(t *testing.T) {
			for _, v := range hostViolations(rep, env) {
				if v.Severity != sev {
					t.Errorf("%s: severity %s, want %s", v, v.Severity, sev)
				}
			}
			if got := findings(rep, env); !slices.Equal(got, want) {
				t.Errorf("%s: host-* findings\n got %s\nwant %s", env, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}

// TestHostAccessMessages checks what a finding says: the service, the field
// and what to do, and the acknowledgement ID of a warning.
func TestHostAccessMessages(t *testing.T) {
	rep := hostRun(t, hostServices)
	at := func(marker string) string {
		return fmt.Sprintf("./envs/hosts.cue:%d:", lineOf(t, hostServices, marker))
	}
	for _, w := range []struct{ env, prefix, message string }{
		{"prod", at("// host-privileged") + "20: error: [deny] prod/host-privileged: ",
			`service priv is privileged (privileged: true): it gets every capability and every device of the host, and can take the host over; drop privileged and add only the capabilities it needs (capAdd), or acknowledge it on the service: hostAccessAllowed: privileged: "<reason>"`},
		{"dev", at("// host-namespaces pid") + "12: warning: [warn] dev/host-namespaces: ",
			`service ns shares the node's pid namespace (host.pid: true, hostPID on Kubernetes): it sees every process of the node, their environment and command lines, and can signal or trace them; drop it, or acknowledge it on the service: hostAccessAllowed: "host.pid": "<reason>" [policy/host-namespaces/ns]`},
		{"staging", at("// host-capabilities NET_ADMIN") + "3: error: [deny] staging/host-capabilities: ",
			`service caps adds capability CAP_NET_ADMIN (capAdd[1]), outside the runtime's default set: it gives reconfiguring the network: interfaces, routes, firewall rules; add only what the service needs, or acknowledge it on the service: hostAccessAllowed: NET_ADMIN: "<reason>"`},
		{"local", at("// host-sensitive-mount docker.sock"),
			`service binds mounts host path /var/run/docker.sock (mounts[0].hostPath), a container runtime's API socket, which lets whoever can write to it run containers as root on the host (a read-only mount does not stop it): mount only what the service needs, or acknowledge it on the service: hostAccessAllowed: "/var/run/docker.sock": "<reason>" [policy/host-sensitive-mount/binds]`},
		{"prod", at("// host-sensitive-mount var"),
			`service binds mounts host path /var (mounts[9].hostPath), a directory holding Docker's state, every container's file system and volumes (/var/lib/docker)`},
		{"prod", at("// host-sensitive-mount outside"),
			`service binds mounts host path ../../elsewhere (mounts[12].hostPath), a path outside the model's directory`},
	} {
		found := false
		for _, v := range hostViolations(rep, w.env) {
			s := v.Diagnostic().Text()
			if strings.HasPrefix(s, w.prefix) && strings.Contains(s, w.message) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no violation %s…%s…; got\n%s", w.env, w.prefix, w.message, strings.Join(printed(hostViolations(rep, w.env)), "\n"))
		}
	}
}

// TestHostAccessAcknowledged checks hostAccessAllowed: what a service
// acknowledges passes in every stage, a key that allows nothing the service
// asks for is reported at its line by the rule that owns it, and a field
// reaches a rule only where a target carries it (host namespaces only
// Kubernetes, a composeOnly mount only Compose, nothing without a runtime).
func TestHostAccessAcknowledged(t *testing.T) {
	acked := `package envs

environments: local: artefacts: ["compose"]
environments: dev: artefacts: ["env"]
environments: [string]: services: {
	agent: {
		privileged: true
		host: {network: true, pid: true}
		capAdd: ["CAP_SYS_ADMIN", "NET_ADMIN"]
		mounts: [
			{target: "/a", hostPath: "/var/run/docker.sock"},
			{target: "/b", hostPath: "/proc/"},
		]
		hostAccessAllowed: {
			privileged:             "a test of the acknowledgement"
			"host.network":         "a test of the acknowledgement"
			"host.pid":             "a test of the acknowledgement"
			SYS_ADMIN:              "a test of the acknowledgement"
			CAP_NET_ADMIN:          "a test of the acknowledgement"
			"/var/run/docker.sock": "a test of the acknowledgement"
			"/proc":                "a test of the acknowledgement"
		}
	}
	stale: {
		capAdd: ["CHOWN"]
		mounts: [{target: "/a", hostPath: "/srv/data"}]
		hostAccessAllowed: {
			privileged:     "stale" // stale host-privileged
			"host.network": "stale" // stale host-namespaces
			"host.ipc":     "stale" // stale host-namespaces ipc
			CHOWN:          "harmless" // added, in the default set: no finding
			SYS_ADMIN:      "stale" // stale host-capabilities
			"/srv/data":    "harmless" // mounted, no host access: no finding
			"/etc":         "stale" // stale host-sensitive-mount etc
		}
	}
	ns: host: network: true                                           // namespaces
	dev: mounts: [{target: "/a", hostPath: "/etc", composeOnly: true}] // composeOnly
	runtime: privileged: true                                         // privileged
}
`
	rep := hostRun(t, acked)
	stale := marked(acked, "// stale ")
	at := func(marker, rule string) string {
		return fmt.Sprintf("./envs/hosts.cue:%d %s", lineOf(t, acked, marker), rule)
	}
	namespaces, privileged, composeOnly := at("// namespaces", "host-namespaces"), at("// privileged", "host-privileged"), at("// composeOnly", "host-sensitive-mount")
	for env, want := range map[string][]string{
		// local gets Compose only: no host namespaces, the composeOnly
		// mount of /etc is judged.
		"local": append([]string{privileged, composeOnly}, stale...),
		// dev gets no runtime: only the stale keys.
		"dev": stale,
		// staging and prod get Kubernetes too: the composeOnly mount is
		// not carried there.
		"staging": append([]string{namespaces, privileged, composeOnly}, stale...),
		"prod":    append([]string{namespaces, privileged, composeOnly}, stale...),
	} {
		for _, v := range hostViolations(rep, env) {
			if strings.Contains(v.Message, "service agent") {
				t.Errorf("%s: an acknowledged access is reported: %s", env, v)
			}
		}
		want = slices.Clone(want)
		slices.Sort(want)
		if got := findings(rep, env); !slices.Equal(got, want) {
			t.Errorf("%s: host-* findings\n got %s\nwant %s", env, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
	}
}
