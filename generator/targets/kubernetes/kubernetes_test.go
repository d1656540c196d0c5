package kubernetes

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/gitops"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// repoRoot is the degen repository, which holds the default model.
const repoRoot = "../../.."

func loadModel(t *testing.T, dir string) *model.Model {
	t.Helper()
	m, err := load.Load(load.Options{Dir: dir})
	if err != nil {
		t.Fatalf("loading the model: %s", load.Format(err, dir))
	}
	return m
}

// modelRun is a model generated and built once for the tests that only
// read it: the default model (theDefault) or a stack of testdata/stacks.
type modelRun struct {
	model *model.Model
	// out and built are by environment: the target's output and kustomize's
	// build of the overlay.
	out   map[string]target.Output
	built map[string]map[string]map[string]any
	// entry are the gitops target's files of each environment that gets
	// gitops: the entry points that deploy its overlay.
	entry map[string][]target.File
}

var (
	defaultOnce sync.Once
	defaultRes  *modelRun
	defaultErr  string
)

// theDefault loads, generates and builds the default model once. Tests
// that change the model load their own.
func theDefault(t *testing.T) *modelRun {
	t.Helper()
	defaultOnce.Do(func() {
		m, err := load.Load(load.Options{Dir: repoRoot})
		if err != nil {
			defaultErr = load.Format(err, repoRoot)
			return
		}
		defaultRes, err = newRun(t, m)
		if err != nil {
			defaultErr = load.Format(err, repoRoot)
		}
	})
	if defaultRes == nil {
		t.Fatalf("generating the default model: %s", defaultErr)
	}
	return defaultRes
}

// newRun generates every Kubernetes environment of m, with the gitops
// target's entry points where the environment gets gitops, and builds each
// overlay with krusty.
func newRun(t *testing.T, m *model.Model) (*modelRun, error) {
	t.Helper()
	r := &modelRun{model: m, out: map[string]target.Output{}, built: map[string]map[string]map[string]any{}, entry: map[string][]target.File{}}
	for _, env := range kubeEnvs(m) {
		out, err := Target{}.Generate(target.Input{Env: m.Envs[env], Base: m.Base})
		if err != nil {
			return nil, err
		}
		// The entry points that deploy the overlay are the gitops
		// target's; the Flux and strict-decoding tests read them here.
		if m.Envs[env].Has(gitops.Name) {
			entry, err := gitops.Target{}.Generate(target.Input{Env: m.Envs[env]})
			if err != nil {
				return nil, err
			}
			r.entry[env] = entry.Files
		}
		r.out[env] = out
		r.built[env] = krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/"+env)
	}
	return r, nil
}

// kubeEnvs are the environments of m that get the kubernetes artefact.
func kubeEnvs(m *model.Model) []string {
	var names []string
	for _, n := range m.EnvNames() {
		if m.Envs[n].Has(Name) {
			names = append(names, n)
		}
	}
	return names
}

func generate(t *testing.T, m *model.Model, env string) target.Output {
	t.Helper()
	out, err := Target{}.Generate(target.Input{Env: m.Envs[env], Base: m.Base})
	if err != nil {
		t.Fatalf("generating %s: %s", env, load.Format(err, m.Root))
	}
	return out
}

// writeFS puts files under /out of an in-memory file system.
func writeFS(t *testing.T, files []target.File) filesys.FileSystem {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	for _, f := range files {
		p := "/out/" + f.Path
		if err := fs.MkdirAll(path.Dir(p)); err != nil {
			t.Fatal(err)
		}
		if err := fs.WriteFile(p, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	return fs
}

// krustyBuild runs kustomize's library on an overlay and returns its
// objects by identity.
func krustyBuild(t *testing.T, fs filesys.FileSystem, dir string) map[string]map[string]any {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	got := map[string]map[string]any{}
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		// Round-trip through JSON so numbers compare as the model's do.
		got[idOf(t, m)] = roundTrip(t, m)
	}
	return got
}

func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func idOf(t *testing.T, m map[string]any) string {
	t.Helper()
	md, _ := m["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	return object{obj: m}.id() + "@" + ns
}

// expected are the objects the model resolves for env, as the cluster
// would hold them: every namespaced object in the environment's namespace.
func expected(t *testing.T, env *model.Environment) map[string]map[string]any {
	t.Helper()
	objs, _, err := resolve(env, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{}
	for _, o := range objs {
		m := roundTrip(t, o.obj)
		if o.kind() != "Namespace" {
			m["metadata"].(map[string]any)["namespace"] = env.Namespace
		}
		want[idOf(t, m)] = m
	}
	return want
}

// TestOverlaysBuildToModel is the overlay invariant: kustomize's build of
// every overlay is exactly the objects the model resolves for that
// environment.
func TestOverlaysBuildToModel(t *testing.T) { checkOverlaysBuildToModel(t, theDefault(t)) }

// checkOverlaysBuildToModel compares the kustomize build of each overlay of r with the objects the model resolves.
func checkOverlaysBuildToModel(t *testing.T, r *modelRun) {
	t.Helper()
	m := r.model
	envs := kubeEnvs(m)
	if len(envs) == 0 {
		t.Fatal("no environment gets the kubernetes artefact")
	}
	for _, env := range envs {
		t.Run(env, func(t *testing.T) {
			got := r.built[env]
			want := expected(t, m.Envs[env])
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("kustomize build of the %s overlay differs from the model (-model +kustomize):\n%s", env, diff)
			}
		})
	}
}

// TestOverlaysAreThin checks that overlays hold differences only: a base
// object the environment leaves alone has no patch, and the base is the
// same bytes for every environment.
func TestOverlaysAreThin(t *testing.T) {
	r := theDefault(t)
	checkBaseShared(t, r)
	for _, env := range kubeEnvs(r.model) {
		for _, f := range r.out[env].Files {
			if strings.Contains(f.Path, "/patches/") && strings.Contains(f.Path, "zookeeper") {
				t.Errorf("%s: %s patches an object no environment changes", env, f.Path)
			}
		}
	}
}

// checkBaseShared checks that every base file of r is marked Shared and
// that the base is the same bytes for every environment.
func checkBaseShared(t *testing.T, r *modelRun) {
	t.Helper()
	var firstBase map[string][]byte
	for _, env := range kubeEnvs(r.model) {
		base := map[string][]byte{}
		for _, f := range r.out[env].Files {
			if strings.HasPrefix(f.Path, baseDir+"/") {
				if !f.Shared {
					t.Errorf("%s: base file %s is not marked Shared", env, f.Path)
				}
				base[f.Path] = f.Data
			}
		}
		if firstBase == nil {
			firstBase = base
		} else if diff := cmp.Diff(firstBase, base); diff != "" {
			t.Errorf("%s: base differs between environments:\n%s", env, diff)
		}
	}
}

// TestKubectlKustomize builds every overlay with kubectl's kustomize and
// compares with krusty's objects.
func TestKubectlKustomize(t *testing.T) { checkKubectlKustomize(t, theDefault(t)) }

// checkKubectlKustomize builds each overlay of r with kubectl kustomize and
// compares with krusty's objects.
func checkKubectlKustomize(t *testing.T, r *modelRun) {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not on PATH: install it (apt-get install -y kubectl from the Kubernetes apt repository) to build the overlays with kubectl kustomize too")
	}
	for _, env := range kubeEnvs(r.model) {
		out := r.out[env]
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, f := range out.Files {
				p := filepath.Join(dir, filepath.FromSlash(f.Path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(kubectl, "kustomize", filepath.Join(dir, "kubernetes", "overlays", env))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			if err != nil {
				t.Fatalf("kubectl kustomize: %v\n%s", err, stderr.String())
			}
			got := map[string]map[string]any{}
			for _, doc := range strings.Split(string(stdout), "\n---\n") {
				var obj map[string]any
				if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
					t.Fatalf("kubectl kustomize output: %v", err)
				}
				got[idOf(t, obj)] = obj
			}
			if diff := cmp.Diff(r.built[env], got); diff != "" {
				t.Errorf("kubectl kustomize differs from krusty (-krusty +kubectl):\n%s", diff)
			}
		})
	}
}

// TestGolden compares every generated file with testdata/golden; run with
// -update to rewrite them.
func TestGolden(t *testing.T) {
	r := theDefault(t)
	files := map[string][]byte{}
	for _, env := range kubeEnvs(r.model) {
		for _, f := range r.out[env].Files {
			files[f.Path] = f.Data
		}
	}
	golden := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for p, data := range files {
			fp := filepath.Join(golden, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fp, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string][]byte{}
	err := filepath.WalkDir(golden, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(golden, p)
		want[filepath.ToSlash(rel)] = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		return nil
	})
	if err != nil {
		t.Fatalf("reading golden files (run go test -update to create them): %v", err)
	}
	for _, p := range sortedKeys(files, want) {
		if !bytes.Equal(files[p], want[p]) {
			t.Errorf("%s differs from its golden file (-golden +generated):\n%s", p, cmp.Diff(string(want[p]), string(files[p])))
		}
	}
}

func sortedKeys(ms ...map[string][]byte) []string {
	seen := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestDeterministic generates each environment repeatedly: every run must
// give the same files in the same order, byte for byte.
func TestDeterministic(t *testing.T) { checkDeterministic(t, theDefault(t)) }

// checkDeterministic generates each environment of r again, three times, and compares with the first run.
func checkDeterministic(t *testing.T, r *modelRun) {
	t.Helper()
	m := r.model
	for _, env := range kubeEnvs(m) {
		first := r.out[env]
		for i := 0; i < 3; i++ {
			again := generate(t, m, env)
			if len(again.Files) != len(first.Files) {
				t.Fatalf("%s: run %d gives %d files, the first %d", env, i+2, len(again.Files), len(first.Files))
			}
			for j, f := range again.Files {
				if g := first.Files[j]; f.Path != g.Path || !bytes.Equal(f.Data, g.Data) || f.Shared != g.Shared {
					t.Fatalf("%s: run %d: file %d is %s, the first run's %s, or its content differs", env, i+2, j, f.Path, g.Path)
				}
			}
			if diff := cmp.Diff(first.Warnings, again.Warnings); diff != "" {
				t.Fatalf("%s: run %d warns differently:\n%s", env, i+2, diff)
			}
		}
		for _, f := range first.Files {
			if bytes.Contains(f.Data, []byte(m.Root)) {
				t.Errorf("%s: %s contains the absolute path of the model", env, f.Path)
			}
		}
	}
}

// TestOneValueOneLine changes one prod value and expects exactly one line
// of one overlay file to change.
func TestOneValueOneLine(t *testing.T) {
	m := theDefault(t).model
	before := files(generate(t, m, "prod"))
	res := &m.Envs["prod"].Services["graphql-api"].Resources
	cpu := res.Limits.CPU
	res.Limits.CPU = "1500m"
	t.Cleanup(func() { res.Limits.CPU = cpu })
	after := files(generate(t, m, "prod"))
	var changed []string
	for _, p := range sortedKeys(before, after) {
		if !bytes.Equal(before[p], after[p]) {
			changed = append(changed, p)
		}
	}
	if len(changed) != 1 || !strings.HasPrefix(changed[0], overlaysDir+"/prod/") {
		t.Fatalf("changing one prod value changed %v, want exactly one prod overlay file", changed)
	}
	a := strings.Split(string(before[changed[0]]), "\n")
	b := strings.Split(string(after[changed[0]]), "\n")
	if len(a) != len(b) {
		t.Fatalf("%s: line count changed from %d to %d", changed[0], len(a), len(b))
	}
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%s: %d lines changed, want 1:\n%s", changed[0], n, cmp.Diff(a, b))
	}
}

func files(out target.Output) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range out.Files {
		m[f.Path] = f.Data
	}
	return m
}
