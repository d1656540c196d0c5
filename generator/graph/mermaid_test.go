package graph_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/graph"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/review"
	"github.com/degen-dev/degen/generator/targets"
)

// inCI reports whether the tests run in CI (CI set, as CI services and
// .ci/run's callers set it), where a missing parser fails instead of
// skipping.
func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// unavailable skips the test outside CI and fails it in CI.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI is set, so the Mermaid check must run: make test installs it through scripts/test-deps.sh)", msg)
	}
	t.Skipf("%s; skipped because CI is not set (scripts/mermaid-deps.sh installs the parser)", msg)
}

// parseMermaid runs the real Mermaid parser (mermaid.parse of the npm
// package at the versions of testdata/mermaid, under jsdom) over each text
// and returns the parser's error per name, "" for a text it accepts.
func parseMermaid(t *testing.T, texts map[string]string) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node is not installed")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("bash", filepath.Join("..", "..", "scripts", "mermaid-deps.sh"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		unavailable(t, "scripts/mermaid-deps.sh: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	tmp := t.TempDir()
	var files []string
	byFile := map[string]string{}
	i := 0
	for name, text := range texts {
		i++
		f := filepath.Join(tmp, fmt.Sprintf("%d.mmd", i))
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		byFile[f] = name
	}
	run := exec.Command("node", append([]string{"check.mjs"}, files...)...)
	run.Dir = dir
	stderr.Reset()
	run.Stderr = &stderr
	res, err := run.Output()
	if err != nil {
		t.Fatalf("node check.mjs in %s: %v\n%s", dir, err, stderr.String())
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(res))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			File  string `json:"file"`
			OK    bool   `json:"ok"`
			Type  string `json:"type"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("check.mjs printed %q: %v", sc.Text(), err)
		}
		switch {
		case !r.OK:
			got[byFile[r.File]] = cmp(r.Error, "rejected")
		case r.Type != "flowchart-v2":
			got[byFile[r.File]] = "parsed as " + r.Type + ", not a flowchart"
		default:
			got[byFile[r.File]] = ""
		}
	}
	for name := range texts {
		if _, ok := got[name]; !ok {
			t.Fatalf("check.mjs said nothing about %s:\n%s\n%s", name, res, stderr.String())
		}
	}
	return got
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hostileEnv names everything with what Mermaid, HTML, Markdown and a
// terminal would read: quotes, brackets, entity codes, a directive,
// backticks, control and bidi characters, Mermaid keywords.
func hostileEnv() *model.Environment {
	weird := "x\"]; end\nclick A call alert()%%{init: {\"theme\":\"dark\"}}%% #quot; &amp; <b>`|`\x1b[31m\u202e[(\\"
	svc := func(name string, nets ...string) *model.Service {
		return &model.Service{Name: name, Kind: weird, Replicas: 2, Networks: nets}
	}
	a, b, c := svc("end", weird, "class"), svc("graph", weird), svc("subgraph")
	a.DependsOn = map[string]model.Dependency{"graph": {Condition: weird, Required: true}, "subgraph": {Condition: "|" + weird}}
	a.Ports = []model.Port{{ContainerPort: 80, HostPort: 8080, HostIP: "::1", Protocol: weird}, {ContainerPort: 81, NodePort: 30001}}
	a.Ingress = &model.Ingress{Host: weird, Path: "/" + weird, Port: weird}
	a.Env = map[string]model.EnvVar{"S": {Secret: weird}}
	b.Mounts = []model.Mount{{Target: "/d", Volume: weird}, {Target: "/s", Secret: "o"}}
	return &model.Environment{
		Name:     "hostile",
		Services: map[string]*model.Service{"end": a, "graph": b, "subgraph": c},
		Secrets:  map[string]model.Secret{weird: {}, "o": {}, "x": {}},
		Volumes:  map[string]model.Volume{weird: {Size: weird}, "style": {}},
	}
}

// mermaidBlocks are the ```mermaid blocks of a Markdown text.
func mermaidBlocks(md string) []string {
	var out []string
	for _, m := range regexp.MustCompile("(?s)\n(`{3,})mermaid\n(.*?)\n(`{3,})\n").FindAllStringSubmatch(md, -1) {
		out = append(out, m[2]+"\n")
	}
	return out
}

// TestMermaidParses runs the real Mermaid parser over degen graph's output
// for every environment of the default model, a hostile stack, a collapsed
// one and marked ones, and over the Mermaid blocks of degen diff's
// Markdown; a broken text must be refused (so the check can fail).
func TestMermaidParses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node (-short)")
	}
	root := filepath.Join("..", "..")
	m, err := load.Load(load.Options{Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, name := range m.EnvNames() {
		texts["graph of "+name] = graph.Of(m.Envs[name]).Mermaid()
	}
	envs := m.EnvNames()
	for i := 1; i < len(envs); i++ {
		texts["changes "+envs[i-1]+" → "+envs[i]] = graph.Changes(m.Envs[envs[i-1]], m.Envs[envs[i]]).Mermaid()
	}
	h := hostileEnv()
	texts["hostile"] = graph.Of(h).Mermaid()
	texts["hostile marked"] = graph.Changes(h, hostileEnv()).Mermaid()
	h2 := hostileEnv()
	h2.Services["end"].Image = "x"
	delete(h2.Services, "graph")
	texts["hostile changed"] = graph.Changes(h, h2).Mermaid()
	big, bigger := map[string]*model.Service{}, map[string]*model.Service{}
	for i := range graph.CollapseAbove * 3 {
		n := fmt.Sprintf("s-%d", i)
		big[n] = &model.Service{Name: n, Networks: []string{fmt.Sprintf("n%d", i%5)}, DependsOn: map[string]model.Dependency{"s-0": {Required: true}}}
		bigger[n] = &model.Service{Name: n, Image: "v2", Networks: []string{fmt.Sprintf("n%d", i%7)}}
	}
	texts["collapsed"] = graph.Changes(&model.Environment{Name: "big", Services: big}, &model.Environment{Name: "big", Services: bigger}).Mermaid()

	// The Markdown of degen diff: a promotion on the default model, as
	// review fills it, and a report whose graph is the hostile one.
	res, err := review.Run(review.Request{Dir: root, Envs: []string{"prod"}, Against: "staging", Targets: targets.All(), Graphs: true})
	if err != nil {
		t.Fatal(err)
	}
	md := diff.Markdown(res.Report, diff.MarkdownLimit)
	blocks := mermaidBlocks(md)
	if len(blocks) != 1 {
		t.Fatalf("the Markdown of diff --env prod --against staging holds %d Mermaid blocks, want 1:\n%s", len(blocks), md)
	}
	texts["diff markdown prod against staging"] = blocks[0]
	rep := &diff.Report{
		Objects: []diff.Object{{Target: "compose", File: "compose/hostile/compose.yaml", ID: "service end", Status: diff.Changed, Envs: []string{"hostile"}}},
		Changed: 1, Envs: []diff.Env{{Name: "hostile"}},
		Graphs: []diff.EnvGraph{{Env: "hostile", Mermaid: texts["hostile changed"], Note: "marked against `main`"}},
	}
	hb := mermaidBlocks(diff.Markdown(rep, diff.MarkdownLimit))
	if len(hb) != 1 || hb[0] != texts["hostile changed"] {
		t.Fatalf("the Markdown's block is not the graph:\n%q", hb)
	}
	texts["diff markdown hostile"] = hb[0]
	texts["control: broken"] = "flowchart LR\n  a[\"x\"]] --> b\n"

	got := parseMermaid(t, texts)
	if got["control: broken"] == "" {
		t.Errorf("the parser accepts a broken flowchart: the check cannot fail")
	}
	delete(got, "control: broken")
	for name, e := range got {
		if e != "" {
			t.Errorf("Mermaid refuses %s: %s\n%s", name, e, texts[name])
		}
	}
}
