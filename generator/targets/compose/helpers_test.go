package compose_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/compose"
	"github.com/degen-dev/degen/generator/targets/dotenv"
)

// repoRoot is the degen repository, holding the default model.
const repoRoot = "../../.."

var loadDefault = sync.OnceValues(func() (*model.Model, error) {
	return load.Load(load.Options{Dir: repoRoot})
})

// defaultModel loads the real default model once per test binary.
func defaultModel(t *testing.T) *model.Model {
	t.Helper()
	m, err := loadDefault()
	if err != nil {
		t.Fatalf("loading the default model: %v", err)
	}
	return m
}

func targets() []target.Target { return []target.Target{compose.Target{}, dotenv.Target{}} }

// generate runs the compose and env targets for one environment of m.
func generate(t *testing.T, m *model.Model, env string) *generator.Result {
	t.Helper()
	res, err := generator.Generate(m, []string{env}, targets())
	if err != nil {
		t.Fatalf("generating %s: %v", env, err)
	}
	return res
}

// writeOut writes the generated files under root/out, as degen build would,
// and returns root.
func writeOut(t *testing.T, res *generator.Result) string {
	t.Helper()
	root := t.TempDir()
	for p, data := range res.Files {
		full := filepath.Join(root, "out", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// secretValue is the dummy value a test gives a secret variable; it must
// never appear in generated output.
func secretValue(name string) string { return "dummy-" + strings.ToLower(name) + "-5e3f1a" }

// composeEnv is what a user's shell gives docker compose: the generated
// .env.<env>, parsed by compose-go's own parser, plus every secret.
func composeEnv(t *testing.T, root string, env *model.Environment) map[string]string {
	t.Helper()
	envFile := filepath.Join(root, "out", filepath.FromSlash(composevars.EnvFile(env.Name)))
	data, err := os.ReadFile(envFile)
	if !env.Has("env") {
		// Without the env artefact there is no env file, and no variable
		// for one to carry.
		if err == nil {
			t.Errorf("%s exists, but %s gets no env artefact", envFile, env.Name)
		}
		if vs, verr := composevars.Variables(env); verr != nil || len(vs) > 0 {
			t.Fatalf("%s gets no env file but has variables %v (%v)", env.Name, vs, verr)
		}
		data = nil
	} else if err != nil {
		t.Fatal(err)
	}
	vars, err := composedotenv.ParseWithLookup(bytes.NewReader(data), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("compose-go cannot parse %s: %v", envFile, err)
	}
	for _, s := range env.Secrets {
		if _, ok := vars[s.EnvVar]; ok {
			t.Errorf("%s sets secret variable %s", envFile, s.EnvVar)
		}
		vars[s.EnvVar] = secretValue(s.EnvVar)
	}
	// A secret mounted as a file is read from the file its _FILE variable
	// names, outside out/.
	for _, name := range env.ServiceNames() {
		for _, m := range env.Services[name].Mounts {
			if m.Secret == "" {
				continue
			}
			v := composevars.SecretFile(env, m.Secret).Name
			p := filepath.Join(root, "secrets", m.Secret)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(secretValue(v)), 0o600); err != nil {
				t.Fatal(err)
			}
			vars[v] = p
		}
	}
	return vars
}

// loadProject loads files (names inside the env's compose directory) with
// compose-go, interpolation and validation on.
func loadProject(t *testing.T, root, env string, files []string, vars map[string]string) (*types.Project, error) {
	t.Helper()
	dir := filepath.Join(root, "out", filepath.FromSlash(composevars.Dir(env)))
	details := types.ConfigDetails{WorkingDir: dir, Environment: vars}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: filepath.Join(dir, f), Content: data})
	}
	return loader.LoadWithContext(context.Background(), details)
}

// composeFiles returns the generated Compose file names of env: base.yml
// first, then the groups in the order the model gives (compose.Groups).
func composeFiles(res *generator.Result, env *model.Environment) []string {
	prefix := composevars.Dir(env.Name) + "/"
	var concerns []string
	for p := range res.Files {
		if strings.HasPrefix(p, prefix) {
			if name := strings.TrimPrefix(p, prefix); name != "base.yml" && name != compose.SingleFile {
				concerns = append(concerns, strings.TrimSuffix(name, ".yml"))
			}
		}
	}
	order := map[string]int{}
	for i, c := range compose.Groups(env) {
		order[c] = i
	}
	sort.Slice(concerns, func(i, j int) bool { return order[concerns[i]] < order[concerns[j]] })
	files := []string{"base.yml"}
	for _, c := range concerns {
		files = append(files, c+".yml")
	}
	return files
}

// buildTiny builds the tiny model with the given local.cue and writes its
// files out: the model, the result, the root written to and the variables
// docker compose would see.
func buildTiny(t *testing.T, local string) (*model.Model, *generator.Result, string, map[string]string) {
	t.Helper()
	root := tinyModel(t, local)
	m, res, err := generator.Build(generator.Options{Dir: root, Targets: targets()})
	if err != nil {
		t.Fatal(load.Format(err, root))
	}
	out := writeOut(t, res)
	return m, res, out, composeEnv(t, out, m.Envs["local"])
}
