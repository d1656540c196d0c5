package compose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	yaml "go.yaml.in/yaml/v3"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
)

// InputError is bad Compose input: Pos is "file:line:col" (or "file")
// relative to the project directory, Msg says what is wrong and what to
// do.
type InputError struct {
	Pos string
	Msg string
}

func (e *InputError) Error() string {
	if e.Pos == "" {
		return e.Msg
	}
	return e.Pos + ": " + e.Msg
}

// source is what was loaded: the project and where each key of the files
// is written.
type source struct {
	project *types.Project
	// dir is the absolute project directory.
	dir string
	// files are the Compose files read (the -f files, then the included
	// and extended ones), absolute.
	files []string
	nodes map[string]*yaml.Node
	// missing are the variables the interpolation found unset.
	missing map[string]bool
	// raw is the text of each file, for the variable references.
	raw map[string]string
	// env are the variables interpolation read (the process environment,
	// then the env files), and shell the names of those the process
	// environment gave.
	env   map[string]string
	shell map[string]bool
	// confined are the Compose files confine checked: the only ones parse
	// reads.
	confined map[string]bool
}

func loadSource(ctx context.Context, opts Options) (*source, error) {
	dir := opts.ProjectDir
	if dir == "" && len(opts.Files) > 0 {
		dir = filepath.Dir(opts.Files[0])
	}
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	src := &source{dir: abs, nodes: map[string]*yaml.Node{}, missing: map[string]bool{}, raw: map[string]string{}, env: map[string]string{}, shell: map[string]bool{}}
	for _, kv := range opts.Environ {
		if k, _, ok := strings.Cut(kv, "="); ok {
			src.shell[k] = true
		}
	}
	files := opts.Files
	if len(files) == 0 {
		for _, name := range []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"} {
			if _, err := os.Stat(filepath.Join(abs, name)); err == nil {
				files = []string{filepath.Join(abs, name)}
				break
			}
		}
		if len(files) == 0 {
			return nil, &InputError{Msg: "no Compose file: none of compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml is in " + rel(".", abs) + "; name one with -f"}
		}
	}
	// Nothing is read before every file compose-go would read is checked
	// (confine.go).
	if src.confined, err = confine(abs, absAll(files), len(opts.EnvFiles) == 0); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := src.parse(f); err != nil {
			return nil, err
		}
	}
	envFiles := make([]string, len(opts.EnvFiles))
	for i, f := range opts.EnvFiles {
		envFiles[i], _ = filepath.Abs(f)
	}
	po, err := cli.NewProjectOptions(absAll(files),
		cli.WithWorkingDirectory(abs),
		cli.WithEnv(opts.Environ),
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
		cli.WithLoadOptions(func(o *loader.Options) {
			if o.Interpolate != nil && o.Interpolate.LookupValue != nil {
				prev := o.Interpolate.LookupValue
				o.Interpolate.LookupValue = func(k string) (string, bool) {
					v, ok := prev(k)
					if !ok {
						src.missing[k] = true
					}
					return v, ok
				}
			}
			o.Listeners = append(o.Listeners, func(event string, meta map[string]any) {
				if event == "include" {
					if paths, ok := meta["path"].(types.StringList); ok {
						wd, _ := meta["workingdir"].(string)
						for _, p := range paths {
							if !filepath.IsAbs(p) {
								p = filepath.Join(wd, p)
							}
							src.parse(p)
						}
					}
				}
			})
		}),
	)
	if err != nil {
		return nil, src.composeError(err)
	}
	// A required variable (${X:?message}) that is unset is kept as a
	// reference: the load is retried with a placeholder for it.
	var p *types.Project
	for tries := 0; ; tries++ {
		p, err = po.LoadProject(ctx)
		m := requiredVar.FindStringSubmatch(errString(err))
		if m == nil || tries > 100 || po.Environment[m[1]] != "" {
			break
		}
		po.Environment[m[1]] = placeholder(m[1])
		src.missing[m[1]] = true
	}
	for k, v := range po.Environment {
		if !src.missing[k] {
			src.env[k] = v
		}
	}
	if err != nil {
		return nil, src.composeError(err)
	}
	src.project = p
	for _, s := range p.Services {
		if s.Extends != nil && s.Extends.File != "" {
			src.parse(filepath.Join(abs, s.Extends.File))
		}
	}
	return src, nil
}

// requiredVar is compose-go's refusal of an unset ${X:?message}.
var requiredVar = regexp.MustCompile(`required variable ([A-Za-z_][A-Za-z0-9_]*) is missing a value`)

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// placeholder is the value an unset required variable gets for the load;
// the import keeps the variable as a reference and never writes it.
func placeholder(name string) string { return "degen-unset-" + name }

func absAll(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i], _ = filepath.Abs(f)
	}
	return out
}

// yamlLine finds "line N" in a YAML error.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// parse reads one Compose file for its positions; a file that is not YAML
// is an error at its line.
func (s *source) parse(file string) error {
	abs, _ := filepath.Abs(file)
	if _, ok := s.nodes[abs]; ok || !s.confined[abs] {
		return nil
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return &InputError{Pos: rel(s.dir, abs), Msg: "cannot read the Compose file: " + errors.Unwrap(err).Error()}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		pos := rel(s.dir, abs)
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			pos += ":" + m[1] + ":1"
		}
		return &InputError{Pos: pos, Msg: "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ") + "; fix the file (docker compose cannot read it either)"}
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode && root.Kind != 0 {
		return &InputError{Pos: fmt.Sprintf("%s:%d:%d", rel(s.dir, abs), root.Line, root.Column), Msg: "not a Compose file: the top level must be a mapping (services:, networks:, …)"}
	}
	s.files = append(s.files, abs)
	s.nodes[abs] = root
	s.raw[abs] = string(data)
	// include: entries name more files.
	if inc := child(root, "include"); inc != nil {
		for _, n := range inc.Content {
			path := n
			if n.Kind == yaml.MappingNode {
				path = child(n, "path")
			}
			if path == nil {
				continue
			}
			for _, p := range append([]*yaml.Node{path}, path.Content...) {
				if p.Kind == yaml.ScalarNode && p.Value != "" {
					f := p.Value
					if !filepath.IsAbs(f) {
						f = filepath.Join(filepath.Dir(abs), f)
					}
					s.parse(f)
				}
			}
		}
	}
	return nil
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// at returns the file and line of the deepest key of path that a file
// writes: path[0] is "services" or a top-level key.
func (s *source) at(path ...string) (string, int) {
	f, l, _ := s.atCol(path...)
	return f, l
}

// atCol is at with the column.
func (s *source) atCol(path ...string) (string, int, int) {
	bestFile, bestLine, bestCol, bestDepth := "", 0, 0, -1
	for _, f := range s.files {
		n := s.nodes[f]
		for depth, k := range path {
			kn := keyNode(n, k)
			if kn == nil {
				break
			}
			if depth > bestDepth {
				bestFile, bestLine, bestCol, bestDepth = f, kn.Line, kn.Column, depth
			}
			n = child(n, k)
		}
	}
	if bestFile == "" {
		return "", 0, 0
	}
	return rel(s.dir, bestFile), bestLine, bestCol
}

// rawEnv returns the value a file writes for a service's environment
// entry, before interpolation.
func (s *source) rawEnv(service, name string) (string, bool) {
	for _, f := range s.files {
		env := child(child(child(s.nodes[f], "services"), service), "environment")
		if env == nil {
			continue
		}
		switch env.Kind {
		case yaml.MappingNode:
			if v := child(env, name); v != nil {
				return v.Value, true
			}
		case yaml.SequenceNode:
			for _, e := range env.Content {
				if k, v, ok := strings.Cut(e.Value, "="); ok && k == name {
					return v, true
				}
			}
		}
	}
	return "", false
}

// rawBindSource returns the source a file writes, before interpolation and
// compose-go's expansion of ~, for the service's volume mounted at target
// (short syntax source:target[:mode], or long syntax source:).
func (s *source) rawBindSource(service, target string) (string, bool) {
	clean := func(p string) string { return path.Clean(strings.TrimSpace(p)) }
	found, ok := "", false
	for _, f := range s.files {
		vols := child(child(child(s.nodes[f], "services"), service), "volumes")
		if vols == nil || vols.Kind != yaml.SequenceNode {
			continue
		}
		for _, e := range vols.Content {
			src, dst := "", ""
			switch e.Kind {
			case yaml.ScalarNode:
				parts := strings.Split(e.Value, ":")
				if len(parts) < 2 {
					continue
				}
				src, dst = parts[0], parts[1]
			case yaml.MappingNode:
				if n := child(e, "source"); n != nil {
					src = n.Value
				}
				if n := child(e, "target"); n != nil {
					dst = n.Value
				}
			}
			if src != "" && clean(dst) == clean(target) {
				found, ok = src, true // a later file overrides
			}
		}
	}
	return found, ok
}

// interpolation finds a Compose interpolation ($X or ${X…}) that is not
// an escaped $$.
var interpolation = regexp.MustCompile(`(^|[^$])(\$\$)*\$(\{|[A-Za-z_])`)

// variableUse finds one use of a variable in a Compose value: group 1 is
// an escaped $$, group 2 or 3 the name of $NAME or ${NAME…}.
var variableUse = regexp.MustCompile(`\$\$|\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)`)

// variablesIn returns the variables a Compose value interpolates, in order
// and once each (a default's own variables too: ${A:-${B}} uses A and B).
func variablesIn(raw string) []string {
	var out []string
	for _, m := range variableUse.FindAllStringSubmatch(raw, -1) {
		if n := m[1] + m[2]; n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// fromShell returns the variables of names that the process environment
// gave.
func (s *source) fromShell(names []string) []string {
	var out []string
	for _, n := range names {
		if s.shell[n] {
			out = append(out, n)
		}
	}
	return out
}

// use is a value of a service that the files interpolate: its path under
// services.<service> and the variables it reads.
type use struct {
	path []string
	vars []string
}

// interpolated returns the values of a service that the files interpolate,
// environment aside, sorted by path: their values are what the model
// keeps.
func (s *source) interpolated(service string) []use {
	seen := map[string]int{}
	var out []use
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.ScalarNode:
			if !interpolation.MatchString(n.Value) {
				return
			}
			key := strings.Join(path, ".")
			if i, ok := seen[key]; ok {
				for _, v := range variablesIn(n.Value) {
					if !slices.Contains(out[i].vars, v) {
						out[i].vars = append(out[i].vars, v)
					}
				}
				return
			}
			seen[key] = len(out)
			out = append(out, use{append([]string(nil), path...), variablesIn(n.Value)})
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if len(path) == 0 && (k == "environment" || k == "extends") {
					continue
				}
				walk(n.Content[i+1], append(path, k))
			}
		case yaml.SequenceNode:
			for _, e := range n.Content {
				walk(e, path)
			}
		}
	}
	for _, f := range s.files {
		if svc := child(child(s.nodes[f], "services"), service); svc != nil {
			walk(svc, nil)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].path, ".") < strings.Join(out[j].path, ".") })
	return out
}

// unsetUses returns the variables the files interpolate without a default
// and that are unset, with the first file and line of each, sorted.
func (s *source) unsetUses() []Finding {
	var out []Finding
	for _, name := range sortedSet(s.missing) {
		re := regexp.MustCompile(`\$(\{` + regexp.QuoteMeta(name) + `(\}|:?\?)|` + regexp.QuoteMeta(name) + `\b)`)
		for _, f := range s.files {
			if loc := re.FindStringIndex(s.raw[f]); loc != nil {
				line := 1 + strings.Count(s.raw[f][:loc[0]], "\n")
				out = append(out, Finding{File: rel(s.dir, f), Line: line, Kind: Unset, Field: "${" + name + "}", EnvVar: name,
					Message: "variable " + name + " is unset: compose-go interpolates it as empty here; set it, or give it a default (${" + name + ":-value})"})
				break
			}
		}
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// composeError is compose-go's rejection at the file and line of the key
// it names, relative to the project directory.
func (s *source) composeError(err error) error {
	msg := err.Error()
	// The value of a secret-named variable, or one the leak check denies,
	// is never printed: compose-go quotes a value it cannot read.
	for _, k := range model.SortedKeys(s.env) {
		if v := s.env[k]; len(v) >= 4 && (policy.SecretName(k) || policy.LooksSecret(v)) {
			msg = strings.ReplaceAll(msg, v, "${"+k+"}")
		}
	}
	for _, f := range s.files {
		msg = strings.ReplaceAll(msg, f, rel(s.dir, f))
	}
	msg = strings.ReplaceAll(msg, s.dir+string(filepath.Separator), "")
	file, line, col := "", 0, 0
	if m := composePath.FindStringSubmatch(msg); m != nil {
		path := strings.Split(m[1], ".")
		if p := property.FindStringSubmatch(msg); p != nil {
			path = append(path, p[1])
		}
		file, line, col = s.atCol(path...)
	}
	if m := quotedService.FindStringSubmatch(msg); file == "" && m != nil {
		file, line, col = s.atCol("services", m[1])
	}
	if m := yamlLine.FindAllStringSubmatch(msg, -1); file == "" && strings.Contains(msg, "yaml:") && m != nil && len(s.files) > 0 {
		// A YAML error of compose-go's own parse: the first "line N"
		// after the last "line 1:" prefix is the offending one.
		file, col = rel(s.dir, s.files[0]), 1
		line, _ = strconv.Atoi(m[len(m)-1][1])
		for _, f := range s.files {
			if strings.Contains(msg, rel(s.dir, f)) {
				file = rel(s.dir, f)
			}
		}
		if len(m) > 1 && m[0][1] == "1" {
			line, _ = strconv.Atoi(m[1][1])
		}
	}
	if file == "" {
		file, line, col = s.valueIn(msg)
	}
	if file == "" && len(s.files) > 0 {
		file = rel(s.dir, s.files[0])
	}
	pos := file
	if line > 0 {
		pos += ":" + strconv.Itoa(line) + ":" + strconv.Itoa(col)
	}
	return &InputError{Pos: pos, Msg: "compose-go refuses the Compose files: " + msg + "; fix them (docker compose refuses them too)"}
}

// quotedService is a service compose-go names in a message.
var quotedService = regexp.MustCompile(`service "([^"]+)"`)

// property is the key compose-go's schema validation names.
var property = regexp.MustCompile(`additional propert(?:y|ies) '([^']+)'`)

// valueIn finds the longest scalar of the files that msg quotes: compose-go
// names the value it cannot read ("Invalid containerPort: x") but not where.
func (s *source) valueIn(msg string) (string, int, int) {
	bestFile, bestLine, bestCol, bestLen := "", 0, 0, 1
	var walk func(f string, n *yaml.Node)
	walk = func(f string, n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && len(n.Value) > bestLen && strings.Contains(msg, n.Value) {
			bestFile, bestLine, bestCol, bestLen = f, n.Line, n.Column, len(n.Value)
		}
		for _, c := range n.Content {
			walk(f, c)
		}
	}
	for _, f := range s.files {
		walk(f, s.nodes[f])
	}
	if bestFile == "" {
		return "", 0, 0
	}
	return rel(s.dir, bestFile), bestLine, bestCol
}

// composePath finds the first dotted Compose path in a compose-go message
// ("services.web.ports", "networks.front").
var composePath = regexp.MustCompile(`\b((?:services|networks|volumes|secrets|configs)(?:\.[A-Za-z0-9_.-]+?)?(?:\.[A-Za-z0-9_-]+)*)\b`)

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}
