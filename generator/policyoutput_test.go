package generator_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/targets"
)

// chartModel is a model whose one component's chart renders a DaemonSet
// asking for every kind of host access the host-* rules judge, and a
// CronJob whose pod asks for one more capability.
var chartModel = map[string]string{
	"cue.mod/module.cue": `module: "example.com/app@v0"
language: version: "v0.17.0"
deps: "degen.dev/schema@v1": v: "v1.0.0"
`,
	"envs/app.cue": `package envs

import "degen.dev/schema"

#Base: schema.#Environment & {
	project: name: "app"
	kubernetes: podSecurity: "privileged"
	artefacts: ["kubernetes"]
	components: agent: {chart: "charts/agent", values: {}}
}
environments: [N=string]: #Base & {name: N}
environments: prod: namespace: "app"
`,
	"charts/agent/Chart.yaml": "apiVersion: v2\nname: agent\nversion: 0.1.0\n",
	"charts/agent/templates/ds.yaml": `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node}
spec:
  selector: {matchLabels: {app: node}}
  template:
    metadata: {labels: {app: node}}
    spec:
      hostNetwork: true
      hostPID: true
      initContainers:
        - name: setup
          image: busybox:1.37.0
          securityContext: {privileged: true}
      containers:
        - name: probe
          image: busybox:1.37.0
          securityContext: {capabilities: {add: [CAP_SYS_ADMIN, NET_BIND_SERVICE]}}
          volumeMounts: [{name: sock, mountPath: /s}, {name: logs, mountPath: /l}]
      volumes:
        - {name: sock, hostPath: {path: /var/run/docker.sock}}
        - {name: logs, hostPath: {path: /var/log/app}}
`,
	"charts/agent/templates/cron.yaml": `apiVersion: batch/v1
kind: CronJob
metadata: {name: sweep}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: sweep
              image: busybox:1.37.0
              securityContext: {capabilities: {add: [NET_ADMIN]}}
`,
}

// TestHostRulesJudgeChartPods: the host-* rules, over the output, find in
// the pods a Helm component's chart renders each kind of host access, at
// the component's chart, with the component as the subject; the baseline
// capability and the harmless host path pass; the component's
// hostAccessAllowed accepts each.
func TestHostRulesJudgeChartPods(t *testing.T) {
	dir := t.TempDir()
	write := func(files map[string]string) {
		for name, data := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(chartModel)
	build := func() []policy.Violation {
		t.Helper()
		_, _, err := generator.Build(generator.Options{Dir: dir, Targets: targets.All(), Policies: true})
		var denied *policy.DeniedError
		if err == nil {
			return nil
		}
		if !errors.As(err, &denied) {
			t.Fatalf("build: %v", err)
		}
		return denied.Report.Denied()
	}
	want := []string{
		"host-capabilities: component agent renders CronJob/sweep, whose container sweep adds capability NET_ADMIN",
		"host-capabilities: component agent renders DaemonSet/node, whose container probe adds capability CAP_SYS_ADMIN",
		"host-namespaces: component agent renders DaemonSet/node, whose pod shares the node's network namespace (hostNetwork: true)",
		"host-namespaces: component agent renders DaemonSet/node, whose pod shares the node's pid namespace (hostPID: true)",
		"host-privileged: component agent renders DaemonSet/node, whose container setup is privileged",
		"host-sensitive-mount: component agent renders DaemonSet/node, whose pod mounts host path /var/run/docker.sock (volume sock), a container runtime's API socket",
	}
	got := build()
	if len(got) != len(want) {
		t.Errorf("%d denials, want %d: %v", len(got), len(want), got)
	}
	for i, v := range got {
		if i < len(want) && !strings.HasPrefix(v.Rule+": "+v.Message, want[i]) {
			t.Errorf("denial %d: %s: %s\nwant %s…", i, v.Rule, v.Message, want[i])
		}
		if v.Path != "components.agent.chart" || !strings.HasPrefix(v.Position, "./envs/app.cue:9:") || v.ID() != "policy/"+v.Rule+"/agent" {
			t.Errorf("denial %d at %s %s, ID %s; want components.agent.chart at ./envs/app.cue:9, ID policy/%s/agent", i, v.Path, v.Position, v.ID(), v.Rule)
		}
	}

	write(map[string]string{"envs/allowed.cue": `package envs

environments: prod: components: agent: hostAccessAllowed: {
	privileged:             "r"
	"host.network":         "r"
	"host.pid":             "r"
	SYS_ADMIN:              "r"
	NET_ADMIN:              "r"
	"/var/run/docker.sock": "r"
}
`})
	if got := build(); len(got) != 0 {
		t.Errorf("acknowledged on the component, still denied: %v", got)
	}
}
