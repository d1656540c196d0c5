package dotenv_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/dotenv"
)

var loadDefault = sync.OnceValues(func() (*model.Model, error) {
	return load.Load(load.Options{Dir: "../../.."})
})

func defaultModel(t *testing.T) *model.Model {
	t.Helper()
	m, err := loadDefault()
	if err != nil {
		t.Fatalf("loading the default model: %v", err)
	}
	return m
}

// parse reads a .env file with compose-go's parser, the one docker compose
// uses for --env-file, with nothing from the process environment.
func parse(t *testing.T, data []byte) map[string]string {
	t.Helper()
	vars, err := composedotenv.ParseWithLookup(bytes.NewReader(data), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("compose-go cannot parse the generated .env: %v\n%s", err, data)
	}
	return vars
}

// expected computes from the model what a .env file must hold: every
// interpolated plain value and flag; secrets only as placeholder when
// placeholder is set.
func expected(env *model.Environment, placeholder string) map[string]string {
	want := map[string]string{}
	for _, s := range env.Services {
		for _, e := range s.Env {
			switch {
			case e.Secret != "":
				if placeholder != "" {
					want[env.Secrets[e.Secret].EnvVar] = placeholder
				}
			case e.Flag != "":
				want[env.Flags[e.Flag].EnvVar] = env.Flags[e.Flag].String()
			case e.Variable != "":
				want[e.Variable] = *e.Value
			}
		}
		// A secret mounted as a file: the variable naming its file.
		for _, m := range s.Mounts {
			if m.Secret != "" && placeholder != "" {
				want[env.Secrets[m.Secret].EnvVar+"_FILE"] = placeholder
			}
		}
	}
	return want
}

func TestEnvFilesMatchModel(t *testing.T) {
	checkEnvFiles(t, defaultModel(t), []string{"dev", "local"})
}

// checkEnvFiles generates the env target for envs of m (sorted) and parses
// each .env file and the shared example with compose-go's parser: they hold
// exactly what the model's services interpolate, and a secret only as a
// documented name (a placeholder in the example).
func checkEnvFiles(t *testing.T, m *model.Model, envs []string) {
	t.Helper()
	res, err := generator.Generate(m, envs, []target.Target{dotenv.Target{}})
	if err != nil {
		t.Fatal(err) // also fails when .env.example differs between environments
	}
	for _, name := range envs {
		env := m.Envs[name]
		got := parse(t, res.Files["env/.env."+name])
		if diff := cmp.Diff(expected(env, ""), got); diff != "" {
			t.Errorf(".env.%s (-model +parsed):\n%s", name, diff)
		}
		for _, s := range env.Services {
			for _, e := range s.Env {
				if e.Secret == "" {
					continue
				}
				if v := env.Secrets[e.Secret].EnvVar; !strings.Contains(string(res.Files["env/.env."+name]), "\n# "+v+": ") {
					t.Errorf(".env.%s does not document secret variable %s", name, v)
				}
			}
		}
	}
	got := parse(t, res.Files[dotenv.ExamplePath])
	if diff := cmp.Diff(expected(m.Base, dotenv.Placeholder), got); diff != "" {
		t.Errorf(".env.example (-model +parsed):\n%s", diff)
	}
	if diff := cmp.Diff(envs, res.Owners[dotenv.ExamplePath]); diff != "" {
		t.Errorf(".env.example owners: %s", diff)
	}
}

// TestStacks checks the .env files of every model under testdata/stacks
// as TestEnvFilesMatchModel checks the default model's.
func TestStacks(t *testing.T) {
	stacks.Each(t, "../../..", dotenv.Target{}.Name(), func(t *testing.T, m *model.Model, envs []string) {
		checkEnvFiles(t, m, envs)
	})
}

// TestValuesRoundTrip feeds values that a naive writer would break through
// the target and parses them back with compose-go.
func TestValuesRoundTrip(t *testing.T) {
	values := []string{`plain`, `with space`, `a$b`, `${HOME}`, `quo"te`, `back\slash`, `hash # x`, "two\nlines", `it's`, `007`, `+1`, `-1`, ``, `wow!`, `a\\!b`, "back`tick`", "tab\there", `ünï`}
	env := &model.Environment{Name: "t", Services: map[string]*model.Service{"s": {Name: "s", Env: map[string]model.EnvVar{}}}}
	for i, v := range values {
		v := v
		name := "V" + string(rune('A'+i))
		env.Services["s"].Env[name] = model.EnvVar{Value: &v, Variable: name}
	}
	out, err := dotenv.Target{}.Generate(target.Input{Env: env, Base: env})
	if err != nil {
		t.Fatal(err)
	}
	got := parse(t, out.Files[0].Data)
	if diff := cmp.Diff(expected(env, ""), got); diff != "" {
		t.Errorf("(-model +parsed):\n%s", diff)
	}
}

// TestNoSecretValues checks that a secret variable is never assigned in an
// environment's .env file, and is CHANGE_ME in the example.
func TestNoSecretValues(t *testing.T) {
	m := defaultModel(t)
	out, err := dotenv.Target{}.Generate(target.Input{Env: m.Envs["local"], Base: m.Base})
	if err != nil {
		t.Fatal(err)
	}
	envVars := parse(t, out.Files[0].Data)
	example := parse(t, out.Files[1].Data)
	// Each secret reaches Compose as its variable, or as the variable
	// naming its file when it is mounted as a file.
	used := map[string]bool{}
	for _, svc := range m.Envs["local"].Services {
		for _, e := range svc.Env {
			if e.Secret != "" {
				used[m.Envs["local"].Secrets[e.Secret].EnvVar] = true
			}
		}
		for _, mnt := range svc.Mounts {
			if mnt.Secret != "" {
				used[m.Envs["local"].Secrets[mnt.Secret].EnvVar+"_FILE"] = true
			}
		}
	}
	if len(used) == 0 {
		t.Fatal("the default model uses no secret in Compose")
	}
	for _, s := range m.Envs["local"].Secrets {
		for _, name := range []string{s.EnvVar, s.EnvVar + "_FILE"} {
			if v, ok := envVars[name]; ok {
				t.Errorf(".env.local assigns secret %s = %q", name, v)
			}
			if v := example[name]; used[name] && v != dotenv.Placeholder {
				t.Errorf(".env.example has %s = %q, want %s", name, v, dotenv.Placeholder)
			}
		}
	}
	if !out.Files[1].Shared || out.Files[0].Shared {
		t.Errorf("only .env.example is shared")
	}
}
