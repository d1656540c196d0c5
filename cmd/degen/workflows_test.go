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
	makeTest := false
	for _, s := range steps {
		makeTest = makeTest || strings.Contains(s.Run, "make test")
	}
	if !makeTest {
		t.Fatal("ci must run the README's test command, make test")
	}
	// make test is what CI runs: it must install promtool, run every Go
	// test and the out/ gate.
	recipe := makeRecipe(t, "../../Makefile", "test")
	var tests, check, deps bool
	for _, line := range recipe {
		tests = tests || strings.Contains(line, "test -count=1") && strings.HasSuffix(line, " ./...")
		check = check || strings.Contains(line, "./cmd/degen check --all")
		deps = deps || strings.Contains(line, "scripts/test-deps.sh")
	}
	if !tests || !check || !deps {
		t.Errorf("make test must run go test ./... (%v), degen check --all (%v) and scripts/test-deps.sh (%v): %q", tests, check, deps, recipe)
	}
	script, err := os.ReadFile("../../scripts/test-deps.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "apt-get install -y -qq --no-install-recommends prometheus") {
		t.Error("scripts/test-deps.sh does not install Debian's prometheus package (promtool)")
	}
}

// makeRecipe returns the recipe lines of a Makefile target.
func makeRecipe(t *testing.T, file, target string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, target+":"):
			in = true
		case in && strings.HasPrefix(l, "\t"):
			lines = append(lines, strings.TrimSpace(l))
		case in && l != "":
			return lines
		}
	}
	return lines
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
