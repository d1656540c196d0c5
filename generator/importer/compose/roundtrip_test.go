package compose_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"github.com/compose-spec/compose-go/v2/cli"
	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator"
	composeimport "github.com/degen-dev/degen/generator/importer/compose"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/target"
	composetarget "github.com/degen-dev/degen/generator/targets/compose"
	"github.com/degen-dev/degen/generator/targets/dotenv"
)

// corpusCase is one Compose project of testdata/corpus: its files (in -f
// order; none for the default lookup), env file and process environment.
type corpusCase struct {
	files   []string
	envFile string
	environ []string
}

// reimportDiffers are the projects whose generated files import into
// another model than the first, and why.
var reimportDiffers = map[string]string{
	"secrets": "a config file (file:) comes back as the content the Compose target writes inline (content:)",
}

var corpus = map[string]corpusCase{
	"webdb":     {},
	"proxy-api": {},
	"networks":  {},
	"depends":   {},
	"build":     {},
	"envfile":   {environ: []string{"LOG_LEVEL=debug"}},
	"profiles":  {},
	"extends":   {},
	"volumes":   {},
	"secrets":   {},
	"process":   {},
	"multifile": {files: []string{"docker-compose.yml", "docker-compose.override.yml"}},
	"kafka":     {},
	"wordpress": {},
	"parity":    {environ: []string{"API_TOKEN=t0ken"}},
	"unpinned":  {},
	"variables": {},
	"hostpaths": {},
	"tcpudp":    {},
}

// TestCorpusRoundTrip imports each project of the corpus, builds the model
// with degen's compose and env targets, and loads the generated
// compose.yaml with compose-go: service by service and field by field it
// must equal compose-go's load of the original, except at the fields the
// import reports as differing. Importing the generated files again gives
// the same model.
func TestCorpusRoundTrip(t *testing.T) {
	if len(corpus) < 12 {
		t.Fatalf("the corpus has %d projects, want at least 12", len(corpus))
	}
	for _, name := range sortedNames(corpus) {
		tc := corpus[name]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "corpus", name))); err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, f := range tc.files {
				files = append(files, filepath.Join(dir, f))
			}
			var envFiles []string
			if tc.envFile != "" {
				envFiles = []string{filepath.Join(dir, tc.envFile)}
			}
			res, err := composeimport.Import(context.Background(), composeimport.Options{Files: files, EnvFiles: envFiles, ProjectDir: dir, Into: dir, Environ: tc.environ})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			writeFiles(t, dir, res.Files)
			m, built, err := generator.Build(generator.Options{Dir: dir, Envs: []string{"local"}, Targets: []target.Target{composetarget.Target{}, dotenv.Target{}}, Policies: true})
			if err != nil {
				t.Fatalf("build of the imported model: %s\n%s", load.Format(err, dir), res.Files[composeimport.StackFile])
			}
			writeFiles(t, filepath.Join(dir, "out"), built.Files)

			// The user's shell: the original environment plus a value for
			// every secret reference (the original's value when it had one).
			orig := loadCompose(t, dir, files, envFiles, tc.environ)
			shell := append([]string(nil), tc.environ...)
			for _, f := range res.Findings {
				switch f.Kind {
				case composeimport.Secret:
					if f.Field == "secrets" {
						// The developer points <ENVVAR>_FILE at the file.
						for n, sec := range orig.Secrets {
							if strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(n))+"_FILE" == f.EnvVar {
								shell = append(shell, f.EnvVar+"="+sec.File)
							}
						}
						continue
					}
					if !strings.HasPrefix(f.Field, "environment.") {
						continue
					}
					v := orig.Services[f.Service].Environment[strings.TrimPrefix(f.Field, "environment.")]
					shell = append(shell, f.EnvVar+"="+*v)
				case composeimport.Unset:
					if f.Service != "" {
						shell = append(shell, f.EnvVar+"=set-by-the-user")
					}
				}
			}
			orig = loadCompose(t, dir, files, envFiles, shell)
			genDir := filepath.Join(dir, "out", "compose", "local")
			envFile := filepath.Join(dir, "out", "env", ".env.local")
			gen := loadCompose(t, genDir, []string{filepath.Join(genDir, composetarget.SingleFile)}, []string{envFile}, shell)
			checkDotenv(t, envFile)
			compareProjects(t, res.Findings, orig, gen, m.Envs["local"].Secrets != nil)

			// The generated files imported again give the same model.
			// No shell: the secrets are unset, and stay references.
			again, err := composeimport.Import(context.Background(), composeimport.Options{
				Files: []string{filepath.Join(genDir, composetarget.SingleFile)}, EnvFiles: []string{envFile}, Into: dir,
			})
			if err != nil {
				t.Fatalf("importing the generated files: %v", err)
			}
			for _, p := range []string{composeimport.StackFile, composeimport.EnvFile("local"), composeimport.ModuleFile} {
				if why, ok := reimportDiffers[name]; ok && p == composeimport.StackFile {
					t.Logf("%s: not compared: %s", p, why)
					continue
				}
				if diff := cmp.Diff(uncommented(t, res.Files[p]), uncommented(t, again.Files[p])); diff != "" {
					t.Errorf("%s imported from the generated files differs (-first +again):\n%s", p, diff)
				}
			}
		})
	}
}

func sortedNames[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func writeFiles(t *testing.T, root string, files map[string][]byte) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadCompose loads a project as docker compose does, every profile on.
func loadCompose(t *testing.T, dir string, files, envFiles, environ []string) *types.Project {
	t.Helper()
	if len(files) == 0 {
		files = []string{filepath.Join(dir, "docker-compose.yml")}
	}
	po, err := cli.NewProjectOptions(files, cli.WithWorkingDirectory(dir), cli.WithEnv(environ), cli.WithEnvFiles(envFiles...), cli.WithDotEnv, cli.WithProfiles([]string{"*"}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := po.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose-go rejects %v: %v", files, err)
	}
	return p
}

// checkDotenv parses the generated .env with compose-go's own parser.
func checkDotenv(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := composedotenv.ParseWithLookup(bytes.NewReader(data), func(string) (string, bool) { return "", false }); err != nil {
		t.Errorf("compose-go cannot parse %s: %v", path, err)
	}
}

// compareProjects compares two loads service by service, field by field,
// as JSON, after removing the fields the findings say differ.
func compareProjects(t *testing.T, findings []composeimport.Finding, orig, gen *types.Project, _ bool) {
	t.Helper()
	renamed := map[string]string{}
	skip := map[string][][]string{}
	for _, f := range findings {
		if f.Kind == composeimport.Renamed && f.Service != "" {
			renamed[f.Service] = "" // the generated name is checked by the import's tests
		}
		if f.Differs {
			skip[f.Service] = append(skip[f.Service], f.Path)
		}
	}
	var want []string
	for _, n := range orig.ServiceNames() {
		if _, ok := renamed[n]; !ok {
			want = append(want, n)
		}
	}
	if diff := cmp.Diff(want, gen.ServiceNames()); diff != "" && len(renamed) == 0 {
		t.Errorf("services (-original +generated):\n%s", diff)
	}
	for _, n := range want {
		a, b := asJSON(t, orig.Services[n]), asJSON(t, gen.Services[n])
		// A reported difference is one: the report is no padding.
		for _, path := range skip[n] {
			if cmp.Equal(pick(prune(asJSON(t, orig.Services[n])), path), pick(prune(asJSON(t, gen.Services[n])), path)) {
				t.Errorf("service %s: the report says %s differs, but compose-go loads the same", n, strings.Join(path, "."))
			}
		}
		for _, path := range skip[n] {
			drop(a, path)
			drop(b, path)
		}
		if diff := cmp.Diff(prune(a), prune(b)); diff != "" {
			t.Errorf("service %s differs beyond the report (-original +generated):\n%s", n, diff)
		}
	}
	for _, top := range []string{"networks", "volumes"} {
		a, b := asJSON(t, topLevel(orig, top)), asJSON(t, topLevel(gen, top))
		for _, path := range skip[""] {
			if len(path) > 0 && path[0] == top {
				drop(a, path[1:])
				drop(b, path[1:])
			}
		}
		if diff := cmp.Diff(prune(a), prune(b)); diff != "" {
			t.Errorf("top-level %s differ beyond the report (-original +generated):\n%s", top, diff)
		}
	}
}

func topLevel(p *types.Project, key string) any {
	if key == "networks" {
		return p.Networks
	}
	return p.Volumes
}

func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pick returns the values at path, descending into every list element.
func pick(v any, path []string) any {
	if len(path) == 0 {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		return pick(x[path[0]], path[1:])
	case []any:
		var out []any
		for _, e := range x {
			out = append(out, pick(e, path))
		}
		return out
	}
	return nil
}

// drop deletes path from m, descending into every element of a list and
// into every value when a key is "*".
func drop(v any, path []string) {
	if len(path) == 0 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			delete(x, path[0])
			return
		}
		drop(x[path[0]], path[1:])
	case []any:
		for _, e := range x {
			drop(e, path)
		}
	}
}

// prune removes the zero values of a compose-go load (nil, "", false, 0,
// empty lists and maps), which mean the default whether compose-go
// filled them in or left them out.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if p := prune(e); p == nil {
				delete(x, k)
			} else {
				x[k] = p
			}
		}
		if len(x) == 0 {
			return nil
		}
		return x
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i, e := range x {
			x[i] = prune(e)
		}
		return x
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	}
	return v
}

// uncommented is a CUE file without its comments, formatted.
func uncommented(t *testing.T, src []byte) string {
	t.Helper()
	f, err := parser.ParseFile("f.cue", src)
	if err != nil {
		t.Fatal(err)
	}
	// Simplify: a struct of one field that a comment kept open is the
	// same struct without it.
	out, err := format.Node(f, format.Simplify())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
