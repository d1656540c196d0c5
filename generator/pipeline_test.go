package generator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets"
)

// TestPipelineMatchesSequential: Build runs loading, targets and policies in
// three goroutines; the result must be the one of the same steps run one
// after the other (load, policy.Run, Generate, leak scan), for every
// environment selection.
func TestPipelineMatchesSequential(t *testing.T) {
	getenv := func(k string) string { return "" }
	for _, envs := range [][]string{nil, {"prod"}, {"local", "prod"}} {
		t.Run(fmt.Sprint(envs), func(t *testing.T) {
			_, got, err := generator.Build(generator.Options{Dir: "..", Envs: envs, Targets: targets.All(), Policies: true, Getenv: getenv})
			if err != nil {
				t.Fatal(err)
			}
			m, err := load.Load(load.Options{Dir: "..", Envs: envs})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := policy.Run(m, load.Policies{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := generator.Generate(m, envs, targets.All())
			if err != nil {
				t.Fatal(err)
			}
			rep.Add(policy.NewScanner(m, getenv).Scan(want.Files, want.Owners)...)
			want.Policy = rep
			if len(want.Files) == 0 || len(rep.Violations) == 0 {
				t.Fatalf("%d files and %d violations: the comparison would prove little", len(want.Files), len(rep.Violations))
			}
			want.Warnings, rep.Violations = generator.AcknowledgePolicies(m, want.Warnings, rep.Violations)
			if d := cmp.Diff(want.Paths(), got.Paths()); d != "" {
				t.Errorf("paths differ (-sequential +pipeline):\n%s", d)
			}
			for p, data := range want.Files {
				if string(got.Files[p]) != string(data) {
					t.Errorf("%s differs between the pipeline and the sequential run", p)
				}
			}
			if d := cmp.Diff(want.Owners, got.Owners); d != "" {
				t.Errorf("owners differ:\n%s", d)
			}
			if d := cmp.Diff(want.Warnings, got.Warnings); d != "" {
				t.Errorf("warnings differ:\n%s", d)
			}
			if d := cmp.Diff(fmt.Sprint(want.Policy.Violations), fmt.Sprint(got.Policy.Violations)); d != "" {
				t.Errorf("violations differ:\n%s", d)
			}
		})
	}
}

// TestWithoutBaseTargets: a target that declares target.WithoutBase is run
// before the base is resolved, with a nil Base; its output must be the
// same as with the base.
func TestWithoutBaseTargets(t *testing.T) {
	m, err := load.Load(load.Options{Dir: ".."})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tg := range targets.All() {
		if _, ok := tg.(target.WithoutBase); !ok {
			continue
		}
		for _, name := range m.EnvNames() {
			env := m.Envs[name]
			if !env.Has(tg.Name()) {
				continue
			}
			n++
			with, err := tg.Generate(target.Input{Env: env, Base: m.Base})
			if err != nil {
				t.Fatal(err)
			}
			without, err := generateWithoutBase(tg, env)
			if err != nil {
				t.Fatalf("%s for %s without the base: %v", tg.Name(), name, err)
			}
			if d := cmp.Diff(with, without); d != "" {
				t.Errorf("%s for %s depends on the base but declares WithoutBase:\n%s", tg.Name(), name, d)
			}
		}
	}
	if n < 4 {
		t.Fatalf("only %d (target, environment) pairs declare WithoutBase", n)
	}
}

func generateWithoutBase(tg target.Target, env *model.Environment) (out target.Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return tg.Generate(target.Input{Env: env})
}

type panicking struct{}

func (panicking) Name() string { return "compose" }
func (panicking) Generate(target.Input) (target.Output, error) {
	var m map[string]int
	m["boom"]++ // a nil map: the kind of bug a target could have
	return target.Output{}, nil
}

// TestTargetPanicIsAnError: targets run in a goroutine of the build; a
// panic there must come back as an error naming the target and the
// environment, not end the process.
func TestTargetPanicIsAnError(t *testing.T) {
	_, _, err := generator.Build(generator.Options{Dir: "..", Envs: []string{"local"}, Targets: []target.Target{panicking{}}})
	if err == nil {
		t.Fatal("the build succeeded")
	}
	for _, want := range []string{"generating compose for local", "internal error, please report it", "assignment to entry in nil map"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%.300s", want, err)
		}
	}
}
