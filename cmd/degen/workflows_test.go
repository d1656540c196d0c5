package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// workflow is the part of a GitHub Actions workflow degen's workflows use;
// decoding is strict, so a misspelt key fails.
type workflow struct {
	Name        string            `json:"name"`
	On          map[string]any    `json:"on"`
	Permissions map[string]string `json:"permissions"`
	Concurrency *struct {
		Group            string `json:"group"`
		CancelInProgress bool   `json:"cancel-in-progress"`
	} `json:"concurrency"`
	Jobs map[string]struct {
		RunsOn string `json:"runs-on"`
		Steps  []step `json:"steps"`
	} `json:"jobs"`
}

type step struct {
	Name string            `json:"name"`
	If   string            `json:"if"`
	Uses string            `json:"uses"`
	Run  string            `json:"run"`
	With map[string]any    `json:"with"`
	Env  map[string]string `json:"env"`
}

func readWorkflow(t *testing.T, name string) (workflow, []step) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.UnmarshalStrict(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if w.Name == "" || len(w.On) == 0 || len(w.Jobs) == 0 {
		t.Fatalf("%s: needs name, on and jobs: %+v", name, w)
	}
	var steps []step
	for id, j := range w.Jobs {
		if j.RunsOn == "" || len(j.Steps) == 0 {
			t.Errorf("%s: job %s needs runs-on and steps", name, id)
		}
		for i, s := range j.Steps {
			if (s.Uses == "") == (s.Run == "") {
				t.Errorf("%s: job %s step %d needs exactly one of uses and run", name, id, i+1)
			}
		}
		steps = append(steps, j.Steps...)
	}
	return w, steps
}

// degenArgs finds the degen invocations of a run script and checks that
// degen's own command line accepts them.
func degenArgs(t *testing.T, run string) [][]string {
	t.Helper()
	var calls [][]string
	re := regexp.MustCompile(`(?m)^\s*(?:go run \./cmd/degen|"\$RUNNER_TEMP/degen")\s+([^>|\n]*)`)
	for _, m := range re.FindAllStringSubmatch(run, -1) {
		args := strings.Fields(strings.ReplaceAll(m[1], `"`, ""))
		root := newRootCmd(&globals{}, &bytes.Buffer{}, &bytes.Buffer{})
		cmd, rest, err := root.Find(args)
		if err != nil || cmd == root {
			t.Errorf("degen %v: no such command", args)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("degen %v: %v", args, err)
		}
		calls = append(calls, args)
	}
	return calls
}

func TestCIWorkflow(t *testing.T) {
	w, steps := readWorkflow(t, "ci.yml")
	if _, ok := w.On["pull_request"]; !ok {
		t.Error("ci does not run on pull requests")
	}
	var tests, check, promtool bool
	for _, s := range steps {
		tests = tests || strings.Contains(s.Run, "go test ./...")
		promtool = promtool || strings.Contains(s.Run, "apt-get install -y --no-install-recommends prometheus")
		for _, args := range degenArgs(t, s.Run) {
			check = check || strings.Join(args, " ") == "check --all"
		}
	}
	if !tests || !check || !promtool {
		t.Errorf("ci must run go test ./... (%v), degen check --all (%v) and install promtool (%v)", tests, check, promtool)
	}
}

func TestPRDiffWorkflow(t *testing.T) {
	w, steps := readWorkflow(t, "pr-diff.yml")
	if _, ok := w.On["pull_request"]; !ok || len(w.On) != 1 {
		t.Errorf("pr-diff must run on pull_request only, runs on %v", w.On)
	}
	if w.Permissions["pull-requests"] != "write" {
		t.Error("pr-diff cannot comment without pull-requests: write")
	}
	var history, diffMD, comment bool
	for _, s := range steps {
		if strings.HasPrefix(s.Uses, "actions/checkout@") {
			history = s.With["fetch-depth"] == float64(0)
		}
		for _, args := range degenArgs(t, s.Run) {
			a := strings.Join(args, " ")
			diffMD = diffMD || strings.HasPrefix(a, "diff --base origin/") && strings.HasSuffix(a, "--format markdown")
		}
		if strings.HasPrefix(s.Uses, "actions/github-script@") {
			script, _ := s.With["script"].(string)
			comment = strings.Contains(script, "<!-- degen-diff -->") && strings.Contains(script, "updateComment") && strings.Contains(script, "createComment")
		}
	}
	if !history || !diffMD || !comment {
		t.Errorf("pr-diff must check out with fetch-depth 0 (%v), run degen diff --base in Markdown (%v) and post or update one marked comment (%v)", history, diffMD, comment)
	}
}

// TestActionlint runs actionlint, GitHub Actions' own linter, when it is
// installed (CI installs it: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12).
func TestActionlint(t *testing.T) {
	bin, err := exec.LookPath("actionlint")
	if err != nil {
		t.Skip("actionlint is not installed")
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	out, err := exec.Command(bin, files...).CombinedOutput()
	if err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}
