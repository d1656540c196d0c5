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

	"github.com/degen-dev/degen/generator/scaffold"
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
	Jobs map[string]job `json:"jobs"`
}

type job struct {
	RunsOn      string            `json:"runs-on"`
	If          string            `json:"if"`
	Needs       string            `json:"needs"`
	Permissions map[string]string `json:"permissions"`
	Outputs     map[string]string `json:"outputs"`
	Steps       []step            `json:"steps"`
}

type step struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	If               string            `json:"if"`
	Uses             string            `json:"uses"`
	Run              string            `json:"run"`
	WorkingDirectory string            `json:"working-directory"`
	With             map[string]any    `json:"with"`
	Env              map[string]string `json:"env"`
}

func readWorkflow(t *testing.T, name string) (workflow, []step) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	return parseWorkflow(t, name, data)
}

func parseWorkflow(t *testing.T, name string, data []byte) (workflow, []step) {
	t.Helper()
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

// TestPRDiffWorkflows checks the pull request's review: pr-diff (on
// pull_request, read-only, job summary) and pr-diff-comment (on
// workflow_run: the default branch's file) both build degen from the base
// commit and run it on the head's model; only pr-diff-comment's comment
// job may write, and it reads nothing of the pull request but the diff.
func TestPRDiffWorkflows(t *testing.T) {
	w, _ := readWorkflow(t, "pr-diff.yml")
	if _, ok := w.On["pull_request"]; !ok || len(w.On) != 1 {
		t.Errorf("pr-diff must run on pull_request only, runs on %v", w.On)
	}
	checkReview(t, "pr-diff.yml", w, "pull_request.base.sha", "pull_request.head.sha")
	for id, j := range w.Jobs {
		if len(j.Permissions) > 0 {
			t.Errorf("pr-diff.yml: job %s asks for %v: a pull request's workflow is the pull request's to edit, it gets a read-only token", id, j.Permissions)
		}
	}

	c, steps := readWorkflow(t, "pr-diff-comment.yml")
	if _, ok := c.On["workflow_run"]; !ok || len(c.On) != 1 {
		t.Errorf("pr-diff-comment must run on workflow_run only (the default branch's file), runs on %v", c.On)
	}
	checkReview(t, "pr-diff-comment.yml", c, "steps.pr.outputs.base", "steps.pr.outputs.head")
	var diffMD, comment bool
	for _, s := range steps {
		for _, args := range degenArgs(t, s.Run) {
			a := strings.Join(args, " ")
			diffMD = diffMD || strings.HasPrefix(a, "diff --base ") && strings.Contains(a, "--parts") && strings.HasSuffix(a, "--format markdown")
		}
		if strings.HasPrefix(s.Uses, "actions/github-script@") {
			script, _ := s.With["script"].(string)
			comment = comment || strings.Contains(script, "<!-- degen-diff -->") && strings.Contains(script, "updateComment") && strings.Contains(script, "createComment")
		}
	}
	if !diffMD || !comment {
		t.Errorf("pr-diff-comment must run degen diff --base --parts in Markdown (%v) and post or update one marked comment (%v)", diffMD, comment)
	}
	writers := 0
	for id, j := range c.Jobs {
		if j.Permissions["pull-requests"] != "write" {
			continue
		}
		writers++
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") || s.Run != "" {
				t.Errorf("pr-diff-comment.yml: job %s may write to the pull request: it must neither check out nor run anything (step %q)", id, s.Name+s.Uses)
			}
		}
	}
	if writers != 1 {
		t.Errorf("pr-diff-comment.yml: %d jobs may write to pull requests, want the comment job alone", writers)
	}
}

// checkReview checks a review workflow's diff: the base commit (baseRef) is
// checked out in base/ and the head (headRef) in head/; every Go build runs
// in base/, and in head/ only the degen built there runs.
func checkReview(t *testing.T, name string, w workflow, baseRef, headRef string) {
	t.Helper()
	paths := map[string]string{}
	built, diffed := false, false
	for id, j := range w.Jobs {
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				path, _ := s.With["path"].(string)
				ref, _ := s.With["ref"].(string)
				paths[path] = ref
			}
			if s.Run == "" {
				continue
			}
			if regexp.MustCompile(`\b(go (build|run|install|generate|test)|make)\b`).MatchString(s.Run) {
				built = true
				if s.WorkingDirectory != "base" || strings.Contains(s.Run, "cd ") {
					t.Errorf("%s: job %s builds in %q: only the base commit (base/) is built", name, id, s.WorkingDirectory)
				}
				continue
			}
			if s.WorkingDirectory == "head" {
				for _, line := range strings.Split(strings.TrimSpace(s.Run), "\n") {
					line = strings.TrimSpace(line)
					if strings.HasPrefix(line, `"$RUNNER_TEMP/degen" `) {
						diffed = true
					}
				}
			}
		}
	}
	if !strings.Contains(paths["base"], baseRef) || !strings.Contains(paths["head"], headRef) {
		t.Errorf("%s: checks out %v; want the base (%s) in base/ and the head (%s) in head/", name, paths, baseRef, headRef)
	}
	if !built || !diffed {
		t.Errorf("%s: must build degen in base/ (%v) and run it in head/ (%v)", name, built, diffed)
	}
}

// TestWorkflowsLeastPrivilege checks every workflow of the repository and
// the one degen init writes: permissions contents: read at the top (a job
// asks for more only as pr-diff-comment's comment job does), every
// checkout leaves no token in .git/config, and nothing is installed
// @latest.
func TestWorkflowsLeastPrivilege(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	if len(files) < 3 {
		t.Fatalf("workflows: %v", files)
	}
	all := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all[filepath.Base(f)] = data
	}
	for _, b := range []buildInfo{{version: "v1.4.2"}, {version: "(devel)"}} {
		all["init "+b.version] = initWorkflow(t, b)
	}
	allowed := map[string]bool{"contents:read": true, "pull-requests:read": true}
	for name, data := range all {
		if bytes.Contains(data, []byte("@latest")) {
			t.Errorf("%s installs something @latest", name)
		}
		if bytes.Contains(data, []byte("pull_request_target")) {
			t.Errorf("%s runs on pull_request_target", name)
		}
		w, steps := parseWorkflow(t, name, data)
		if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
			t.Errorf("%s: top-level permissions %v, want exactly contents: read", name, w.Permissions)
		}
		for id, j := range w.Jobs {
			for p, level := range j.Permissions {
				if !allowed[p+":"+level] && !(name == "pr-diff-comment.yml" && id == "comment" && p+":"+level == "pull-requests:write") {
					t.Errorf("%s: job %s asks for %s: %s", name, id, p, level)
				}
			}
		}
		checkouts := 0
		for _, s := range steps {
			if strings.HasPrefix(s.Uses, "actions/checkout@") {
				checkouts++
				if s.With["persist-credentials"] != false {
					t.Errorf("%s: a checkout (%q) keeps the token in .git/config: set persist-credentials: false", name, s.Name)
				}
			}
		}
		if checkouts == 0 && name != "pr-diff-comment.yml" {
			t.Errorf("%s checks nothing out", name)
		}
	}
}

// initWorkflow is the workflow degen init writes when its build info is b.
func initWorkflow(t *testing.T, b buildInfo) []byte {
	t.Helper()
	pin, note := b.pin()
	files, err := scaffold.Files(scaffold.Options{Example: "minimal", Name: "shop", DegenVersion: pin, DegenNote: note})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == ".github/workflows/degen.yml" {
			return f.Data
		}
	}
	t.Fatal("degen init writes no workflow")
	return nil
}

// installed returns what the workflow's install step installs ("" for a
// step that fails for want of a version).
func installed(t *testing.T, name string, data []byte) string {
	t.Helper()
	_, steps := parseWorkflow(t, name, data)
	re := regexp.MustCompile(`go install ` + regexp.QuoteMeta(scaffold.DegenModule) + `@(\S+)`)
	for _, s := range steps {
		if !strings.Contains(s.Name, "Install degen") {
			continue
		}
		if strings.Contains(s.Run, "exit 1") {
			return "" // pins nothing, and fails
		}
		if m := re.FindStringSubmatch(s.Run); m != nil {
			return m[1]
		}
		t.Errorf("%s: an install step that pins nothing must fail: %q", name, s.Run)
	}
	t.Fatalf("%s installs no degen", name)
	return ""
}

// TestInitWorkflowPinsItsDegen checks that the workflow degen init writes
// installs the degen that wrote it, as degen version names it: the module
// version; for a development build the VCS revision, with a comment
// saying so; for a build that knows neither, a step that fails saying to
// pin one. Then the same for this test binary, through degen init itself.
func TestInitWorkflowPinsItsDegen(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		b    buildInfo
		want string
		note string
	}{
		{buildInfo{version: "v1.4.2", rev: rev}, "v1.4.2", ""},
		{buildInfo{version: "v0.0.0-20261207135322-0123456789ab", rev: rev}, "v0.0.0-20261207135322-0123456789ab", ""},
		{buildInfo{version: "(devel)", rev: rev}, rev, "# degen init was run by a development build"},
		{buildInfo{version: "v0.0.0-20261207135322-0123456789ab+dirty", rev: rev, dirty: true}, rev, "uncommitted changes"},
		{buildInfo{version: "(devel)"}, "", "the install step fails until you pin one"},
	} {
		data := initWorkflow(t, tc.b)
		got := installed(t, tc.b.version, data)
		if got != tc.want {
			t.Errorf("built as %s: the workflow installs @%s, want @%s", tc.b.line(), got, tc.want)
		}
		if got != "" && !strings.Contains(tc.b.line(), got) && !strings.Contains(tc.b.line(), got[:min(12, len(got))]) {
			t.Errorf("degen version says %q, the workflow installs @%s", tc.b.line(), got)
		}
		if tc.note != "" && !bytes.Contains(data, []byte(tc.note)) || tc.note == "" && bytes.Contains(data, []byte("development build")) {
			t.Errorf("built as %s: want the note %q in\n%s", tc.b.line(), tc.note, data)
		}
	}

	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"init", filepath.Join(dir, "shop")}, &out, &errb); code != 0 {
		t.Fatalf("degen init: exit %d\n%s%s", code, out.String(), errb.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "shop", ".github", "workflows", "degen.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var version bytes.Buffer
	if code := run([]string{"version"}, &version, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	want, _ := readBuildInfo().pin()
	if got := installed(t, "degen.yml", data); got != want || got != "" && !strings.Contains(version.String(), got) && !strings.Contains(version.String(), got[:min(12, len(got))]) {
		t.Errorf("degen version says %q, degen init's workflow installs @%s (want @%s)", strings.TrimSpace(version.String()), got, want)
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
