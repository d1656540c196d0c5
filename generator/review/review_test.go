package review

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/internal/synth"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/targets/kubernetes"
	"github.com/degen-dev/degen/generator/writer"
)

// repo copies the real model into a fresh git repository and commits it.
func repo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "envs", "infra"} {
		copyDir(t, filepath.Join("..", "..", d), filepath.Join(dir, d))
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "model")
	return dir
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := synth.CopyDir(src, dst); err != nil {
		t.Fatal(err)
	}
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// edit replaces old by new in a file of dir, exactly once.
func edit(t *testing.T, dir, file, old, new string) {
	t.Helper()
	p := filepath.Join(dir, file)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), old) != 1 {
		t.Fatalf("%s does not hold %q exactly once", file, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBaseNamesTheChangedField is the "done when": one value changed
// in envs/prod.cue shows as exactly that object and field of the overlay's
// kustomize build (the real Kubernetes target).
func TestBaseNamesTheChangedField(t *testing.T) {
	dir := repo(t)
	edit(t, dir, "envs/prod.cue", `limits: {memory: "8Gi", cpu: "4"}`, `limits: {memory: "6Gi", cpu: "4"}`)
	rep, err := report(Run(Request{Dir: dir, Base: "main", Targets: []target.Target{kubernetes.Target{}}}))
	if err != nil {
		t.Fatal(err)
	}
	want := []diff.Object{{
		Target: "kubernetes", File: "kubernetes/overlays/prod/" + diff.BuiltName,
		ID: "apps/v1 Deployment de-prod/flink-taskmanager", Status: diff.Changed,
		Changes: []diff.Change{{Field: "spec.template.spec.containers[name=flink-taskmanager].resources.limits.memory", Old: `"8Gi"`, New: `"6Gi"`}},
		Envs:    []string{"prod"},
	}}
	if d := cmp.Diff(want, rep.Objects); d != "" {
		t.Errorf("objects (-want +got):\n%s", d)
	}
	// The work tree is untouched: the edit is still there, nothing staged.
	data, _ := os.ReadFile(filepath.Join(dir, "envs/prod.cue"))
	if !strings.Contains(string(data), `memory: "6Gi"`) {
		t.Error("the work tree lost the edit")
	}
}

func TestBaseFromSubdirectory(t *testing.T) {
	top := t.TempDir()
	dir := repo(t)
	if err := os.Rename(dir, filepath.Join(top, "model")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(top, "model", ".git"))
	gitRun(t, top, "init", "-q", "-b", "main")
	gitRun(t, top, "add", ".")
	gitRun(t, top, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "model")
	rep, err := report(Run(Request{Dir: filepath.Join(top, "model"), Base: "HEAD", Targets: []target.Target{kubernetes.Target{}}}))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Empty() {
		t.Errorf("unchanged model differs from HEAD: %+v", rep)
	}
}

func TestBadRef(t *testing.T) {
	dir := repo(t)
	_, err := Run(Request{Dir: dir, Base: "no-such-branch", Targets: []target.Target{kubernetes.Target{}}})
	var re *RefError
	if !errors.As(err, &re) || re.Ref != "no-such-branch" {
		t.Errorf("err = %v, want a *RefError for no-such-branch", err)
	}
}

func TestAgainst(t *testing.T) {
	rep, err := report(Run(Request{Dir: "../..", Envs: []string{"prod"}, Against: "staging", Targets: []target.Target{kubernetes.Target{}}}))
	if err != nil {
		t.Fatal(err)
	}
	var api *diff.Object
	for i, o := range rep.Objects {
		if o.ID == "apps/v1 Deployment graphql-api" {
			api = &rep.Objects[i]
		}
		if o.File != "kubernetes/overlays/prod/"+diff.BuiltName && !strings.HasPrefix(o.File, "gitops/") {
			t.Errorf("object %s in %s: files are not matched across environments", o.ID, o.File)
		}
	}
	if api == nil {
		t.Fatalf("graphql-api not compared: %+v", rep.Objects)
	}
	// The namespace differs only by the environment's name, which promotion
	// expects: the first change is the replica count (staging runs 2; prod
	// autoscales 3-8, so its Deployment leaves replicas to the HPA).
	if api.Changes[0] != (diff.Change{Field: "spec.replicas", Old: "2", NewMissing: true}) {
		t.Errorf("first change = %+v", api.Changes[0])
	}
	for _, c := range api.Changes {
		if c.Field == "metadata.namespace" {
			t.Errorf("namespace listed as a change: %+v", c)
		}
	}
	same, err := report(Run(Request{Dir: "../..", Envs: []string{"prod"}, Against: "prod", Targets: []target.Target{kubernetes.Target{}}}))
	if err != nil || !same.Empty() {
		t.Errorf("prod against prod: %+v, %v", same, err)
	}
	if _, err := Run(Request{Dir: "../..", Envs: []string{"prod", "dev"}, Against: "staging"}); err == nil {
		t.Error("two --env with --against accepted")
	}
}

func TestReadOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	plan := writer.Plan{
		Files:  map[string][]byte{"a/prod.txt": []byte("p\n"), "a/dev.txt": []byte("d\n"), "a/shared.txt": []byte("s\n")},
		Owners: map[string][]string{"a/prod.txt": {"prod"}, "a/dev.txt": {"dev"}, "a/shared.txt": {"dev", "prod"}},
		Scope:  []string{"dev", "prod"},
	}
	if _, err := writer.Write(out, plan); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "a", "foreign.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadOut(out, []string{"prod"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string][]byte{"a/prod.txt": []byte("p\n"), "a/shared.txt": []byte("s\n")}, got); d != "" {
		t.Errorf("prod files (-want +got):\n%s", d)
	}
	os.WriteFile(filepath.Join(out, writer.IndexName), []byte("{not json"), 0o644)
	var ce *writer.CorruptIndexError
	if _, err := ReadOut(out, nil); !errors.As(err, &ce) {
		t.Errorf("corrupt index: err = %v, want *writer.CorruptIndexError", err)
	}
}

func TestUntarRefusesEscapes(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	if err := untar(t.TempDir(), b.Bytes()); err == nil {
		t.Error("an entry outside the tree was accepted")
	}
}

// TestAgainstDropsEnvironmentNames is the promotion of the default model:
// prod against staging lists no Prometheus target, host name or ConfigMap
// line that differs only by the namespace, and still lists what promotion
// removes (trade-generator is off in prod).
func TestAgainstDropsEnvironmentNames(t *testing.T) {
	rep, err := report(Run(Request{Dir: "../..", Envs: []string{"prod"}, Against: "staging", Targets: targets.All()}))
	if err != nil {
		t.Fatal(err)
	}
	removedJob := false
	for _, o := range rep.Objects {
		if o.ID == "job trade-generator" && o.Status == diff.Removed {
			removedJob = true
			continue
		}
		for _, c := range o.Changes {
			lines := []string{c.Old, c.New}
			if c.Diff != "" {
				lines = strings.Split(c.Diff, "\n")
			}
			for _, l := range lines {
				if strings.Contains(l, ".svc") && !strings.Contains(l, "trade-generator") && !strings.HasPrefix(l, " ") {
					t.Errorf("%s %s: %s lists a host that differs only by the namespace: %q", o.File, o.ID, c.Field, l)
				}
			}
		}
		// Alert rules follow each environment's thresholds and routing;
		// the scrape configuration differs only by the namespace.
		if o.Target == "prometheus" && o.Status == diff.Changed && !strings.Contains(o.File, "/alerts/") {
			t.Errorf("Prometheus job %s listed as changed: %+v", o.ID, o.Changes)
		}
	}
	if !removedJob {
		t.Error("the trade-generator job prod drops is not listed")
	}
}

// TestMarkdownImageBumpOnce: an image bump in the base reaches every
// Kubernetes environment and is listed once, with them all.
func TestMarkdownImageBumpOnce(t *testing.T) {
	dir := repo(t)
	edit(t, dir, "envs/stack.cue", `grafana:        "grafana/grafana:10.2.3"`, `grafana:        "grafana/grafana:10.2.4"`)
	rep, err := report(Run(Request{Dir: dir, Base: "main", Targets: []target.Target{kubernetes.Target{}}}))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changed != 3 {
		t.Fatalf("want the grafana Deployment of dev, prod and staging changed, got %+v", rep.Objects)
	}
	md := diff.Markdown(rep, diff.MarkdownLimit)
	changes, _, _ := strings.Cut(md, "#### Rollout impact")
	if n := strings.Count(changes, "10.2.4"); n != 1 {
		t.Errorf("the bump is listed %d times:\n%s", n, md)
	}
	if !strings.Contains(md, "<code>apps/v1 Deployment {namespace}/grafana</code> in dev, prod, staging\n") {
		t.Errorf("the entry does not name the environments:\n%s", md)
	}
	for _, env := range []string{"dev", "prod", "staging"} {
		if !strings.Contains(md, "| "+env+" | kubernetes | 0 | 1 | 0 |") {
			t.Errorf("summary table lacks %s:\n%s", env, md)
		}
	}
}

// report is the report of a Run.
func report(res *Result, err error) (*diff.Report, error) {
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

// TestBaseModelOnly: replicas of an autoscaled Deployment change no file,
// and the report says the model changed, with the field, while the build's
// warnings say why.
func TestBaseModelOnly(t *testing.T) {
	dir := repo(t)
	edit(t, dir, "envs/prod.cue", "replicas: 3\n\t\t\tresources: {\n\t\t\t\trequests: {memory: \"512Mi\"", "replicas: 5\n\t\t\tresources: {\n\t\t\t\trequests: {memory: \"512Mi\"")
	res, err := Run(Request{Dir: dir, Envs: []string{"prod"}, Base: "main", Targets: []target.Target{kubernetes.Target{}}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Report.Empty() {
		t.Fatalf("objects changed: %+v", res.Report.Objects)
	}
	want := []diff.ModelChanges{{Env: "prod", Changes: []diff.Change{{Field: "services.graphql-api.replicas", Old: "3", New: "5"}}}}
	if d := cmp.Diff(want, res.Report.ModelOnly); d != "" {
		t.Errorf("model changes (-want +got):\n%s", d)
	}
	var codes []string
	for _, w := range res.Warnings {
		codes = append(codes, w.ID())
	}
	if !slices.Contains(codes, "kubernetes/replicas-no-effect/graphql-api") {
		t.Errorf("warnings = %v, want kubernetes/replicas-no-effect/graphql-api", codes)
	}
}
