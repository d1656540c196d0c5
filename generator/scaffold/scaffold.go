// Package scaffold makes the files of a new degen repository, in memory:
// a model that builds at once, its CUE module file (depending on the schema
// the binary serves), a .gitignore for degen's cache and a CI workflow that
// runs `degen check`. The CLI (`degen init`) writes them; nothing here
// touches the file system.
package scaffold

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue/format"
	"cuelang.org/go/mod/modfile"
	"sigs.k8s.io/yaml"

	degen "github.com/degen-dev/degen"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/schema"
)

// Examples returns the names of the models init can start from, the
// default first.
func Examples() []string { return []string{"minimal", "default"} }

// Options say what to make.
type Options struct {
	// Example is "minimal" (one service, local on Compose, prod on
	// Kubernetes) or "default" (the seed's data pipeline).
	Example string
	// Name is the project's name; ProjectName turns a directory name into
	// one. The default example keeps its own.
	Name string
	// Module is the CUE module path, without a major version; empty means
	// example.com/<Name>.
	Module string
	// DegenVersion is what the CI workflow installs (go install
	// …/cmd/degen@DegenVersion): the exact version, or VCS revision, of the
	// binary that writes it; never "latest". Empty means the binary knows
	// neither: the workflow's install step then fails, saying to pin one.
	DegenVersion string
	// DegenNote, when set, is written as a comment of the workflow: what
	// the pin is, and what to do about it (a development build).
	DegenNote string
}

// DegenModule is the package the CI workflow installs.
const DegenModule = "github.com/degen-dev/degen/cmd/degen"

// File is one file to write, relative to the new repository's root.
type File struct {
	Path string
	Data []byte
}

// ErrUnknownExample is returned for an example init does not have.
type ErrUnknownExample struct{ Name string }

func (e ErrUnknownExample) Error() string {
	return fmt.Sprintf("unknown example %q: use one of %v", e.Name, Examples())
}

// ProjectName turns a directory name into a DNS label: lower case, every
// other character a hyphen, at most 63 characters; "app" if nothing is left.
func ProjectName(dir string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(dir) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	for strings.Contains(name, "--") {
		name = strings.ReplaceAll(name, "--", "-")
	}
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	if name == "" {
		return "app"
	}
	return name
}

// Files returns the files of a new repository, sorted by path.
func Files(opts Options) ([]File, error) {
	if opts.Example == "" {
		opts.Example = Examples()[0]
	}
	if !model.IsDNSLabel(opts.Name) {
		return nil, fmt.Errorf("project name %q is not a DNS label (lower-case letters, digits and '-', at most 63): pass --name", opts.Name)
	}
	if opts.Module == "" {
		opts.Module = "example.com/" + opts.Name
	}
	var files []File
	switch opts.Example {
	case "minimal":
		src, err := format.Source([]byte(minimal(opts.Name)))
		if err != nil {
			return nil, fmt.Errorf("internal error: the minimal example: %w", err)
		}
		files = append(files, File{Path: "envs/stack.cue", Data: src})
	case "default":
		err := fs.WalkDir(degen.DefaultModel(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(degen.DefaultModel(), p)
			if err != nil {
				return err
			}
			files = append(files, File{Path: p, Data: data})
			return nil
		})
		if err != nil {
			return nil, err
		}
	default:
		return nil, ErrUnknownExample{opts.Example}
	}
	mod, err := moduleFile(opts.Module)
	if err != nil {
		return nil, err
	}
	ci, err := workflow(opts.DegenVersion, opts.DegenNote)
	if err != nil {
		return nil, err
	}
	files = append(files,
		File{Path: "cue.mod/module.cue", Data: mod},
		File{Path: ".gitignore", Data: []byte("# degen's scratch directory (staging tree, lock)\n.degen/\n")},
		File{Path: ".github/workflows/degen.yml", Data: ci},
	)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// minimal is the smallest useful model: one service, local on Compose and
// prod on Kubernetes. README.md shows the same model.
func minimal(name string) string {
	return `package envs

import "degen.dev/schema"

#Base: schema.#Environment & {
	project: name: ` + strconv.Quote(name) + `
	services: web: {
		image: "nginx:1.27.3"
		ports: [{name: "http", containerPort: 80, hostPort: 8080}]
		resources: {requests: {cpu: "100m", memory: "64Mi"}, limits: {cpu: "500m", memory: "128Mi"}}
		liveness: {type: "http", path: "/", port: "http"}
	}
}

environments: [N=string]: #Base & {name: N}
environments: {
	local: {stage: "local", artefacts: ["compose", "env"]}
	prod: artefacts: ["kubernetes"]
}
`
}

// moduleFile is cue.mod/module.cue: the module, the language version and
// the dependency on the schema this binary serves.
func moduleFile(module string) ([]byte, error) {
	f := &modfile.File{
		Module:   module + "@v0",
		Language: &modfile.Language{Version: "v0.17.0"},
		Deps:     map[string]*modfile.Dep{schema.Module: {Version: schema.Version}},
	}
	data, err := modfile.Format(f)
	if err != nil {
		return nil, fmt.Errorf("module path %q: %w (pass --module)", module, err)
	}
	if _, err := modfile.Parse(data, "cue.mod/module.cue"); err != nil {
		return nil, fmt.Errorf("module path %q: %w (pass --module)", module, err)
	}
	return data, nil
}

// workflow is a GitHub Actions workflow that fails a pull request whose
// out/ does not match its model. It may read the repository and nothing
// else (permissions: contents: read), leaves no token in .git/config
// (persist-credentials: false), and installs the degen that wrote it,
// pinned: version is a module version or a VCS revision, "" for none.
func workflow(version, note string) ([]byte, error) {
	install := map[string]any{"name": "Install degen " + version, "run": "go install " + DegenModule + "@" + version}
	if version == "" {
		install = map[string]any{"name": "Install degen (no version pinned)",
			"run": "echo 'degen init was run by a development build that names no version: pin one here (go install " + DegenModule + "@vX.Y.Z)' >&2\nexit 1\n"}
	}
	wf := map[string]any{
		"name": "degen",
		"on": map[string]any{
			"pull_request": map[string]any{},
			"push":         map[string]any{"branches": []string{"main"}},
		},
		"permissions": map[string]any{"contents": "read"},
		"jobs": map[string]any{
			"check": map[string]any{
				"runs-on": "ubuntu-latest",
				"steps": []any{
					map[string]any{"uses": "actions/checkout@v4", "with": map[string]any{"persist-credentials": false}},
					map[string]any{"uses": "actions/setup-go@v5", "with": map[string]any{"go-version": "stable", "cache": false}},
					install,
					map[string]any{"name": "out/ matches the model", "run": "degen check"},
				},
			},
		},
	}
	data, err := yaml.Marshal(wf)
	if err != nil {
		return nil, err
	}
	head := "# Written by degen init. degen check exits 3 when out/ is stale: run degen build\n# and commit out/. The install step pins the degen that wrote this file: change\n# the pin when you upgrade degen.\n"
	for _, l := range strings.Split(note, "\n") {
		if l != "" {
			head += "# " + l + "\n"
		}
	}
	return append([]byte(head), data...), nil
}
