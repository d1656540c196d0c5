package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets"
)

// hello is a target that lives only in this test: a type implementing
// target.Target, added to the list of targets the way targets.All() lists
// the shipped ones. Nothing else in degen knows it: no schema enum, no
// table.
type hello struct{}

var _ target.Target = hello{}

func (hello) Name() string { return "hello" }

func (hello) Generate(in target.Input) (target.Output, error) {
	return target.Output{Files: []target.File{{
		Path: "hello/" + in.Env.Name + ".txt",
		Data: []byte("hello from " + in.Env.Name + ", " + in.Env.Namespace + "\n"),
	}}}, nil
}

// TestNewTargetIsOneRegistryLine: a model that lists a new artefact builds
// through generator.Build once its target is in the list of targets, and its
// files are in the result; without the target the build names the artefact
// no target generates.
func TestNewTargetIsOneRegistryLine(t *testing.T) {
	dir := t.TempDir()
	copyModel(t, dir)
	local := filepath.Join(dir, "envs", "local.cue")
	src, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	const line = `artefacts: ["compose", "env", "terraform", "prometheus", "flags"]`
	if !strings.Contains(string(src), line) {
		t.Fatalf("envs/local.cue no longer holds %s", line)
	}
	edited := strings.Replace(string(src), line, `artefacts: ["compose", "env", "terraform", "prometheus", "flags", "hello"]`, 1)
	if err := os.WriteFile(local, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	registry := append(targets.All(), hello{}) // the one registry line
	m, res, err := generator.Build(generator.Options{Dir: dir, Envs: []string{"local", "prod"}, Targets: registry, Policies: true})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	want := "hello from local, " + m.Envs["local"].Namespace + "\n"
	if got := string(res.Files["hello/local.txt"]); got != want {
		t.Fatalf("hello/local.txt = %q, want %q (files: %v)", got, want, res.Paths())
	}
	if got := res.Owners["hello/local.txt"]; len(got) != 1 || got[0] != "local" {
		t.Errorf("owners of hello/local.txt = %v, want [local]", got)
	}
	if _, ok := res.Files["hello/prod.txt"]; ok {
		t.Error("prod does not list hello but got its file")
	}
	if _, ok := res.Files["compose/local/base.yml"]; !ok {
		t.Error("the shipped targets did not run beside the new one")
	}

	_, _, err = generator.Build(generator.Options{Dir: dir, Envs: []string{"local"}, Targets: targets.All()})
	msg := load.Format(err, dir)
	if err == nil || !strings.Contains(msg, `./envs/local.cue:`) || !strings.Contains(msg, `lists artefact "hello", which no target generates`) {
		t.Fatalf("without the target: err = %v, want the unknown artefact at envs/local.cue", msg)
	}
}
