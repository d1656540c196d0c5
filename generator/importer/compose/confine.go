package compose

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v4"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/load"
)

// MaxComposeFile is the largest Compose file, env file or label file the
// import reads (4 MiB); a config file may be at most load.MaxFileSize
// (1 MiB), as the model's own.
const MaxComposeFile = 4 << 20

// maxDepth bounds the nesting of include, extends and YAML merge keys the
// confinement walk follows.
const maxDepth = 32

// The Compose files given to import are untrusted (in CI they are what a
// pull request wrote): before compose-go reads anything, confine walks the
// raw YAML of the -f files and of every file they include or extend, and
// checks every file compose-go would read (include paths and their env
// files and .env, extends files, services' env_file and label_file, the
// project's .env) and every config file the model will read, resolved as
// compose-go resolves it: each must be inside the project directory, reached
// without a symbolic link leaving it, never under .git/ or .degen/, and
// within its size. Bind mount sources, build contexts, Dockerfiles and
// secret files are not read by the import and are not checked.
//
// dir is the absolute project directory, files the absolute -f files and
// dotEnv whether compose-go reads the project's .env (no --env-file).
//
// It returns the Compose files checked (absolute), the only ones the import
// may read for positions.
func confine(dir string, files []string, dotEnv bool) (map[string]bool, error) {
	repo, err := repofs.Open(dir, MaxComposeFile)
	if err != nil {
		return nil, &InputError{Pos: rel(".", dir), Msg: "cannot open the project directory: " + err.Error()}
	}
	defer repo.Close()
	c := &confiner{repo: repo, dir: dir, parsed: map[string]bool{}, files: map[string]bool{}}
	for _, f := range files {
		if _, err := c.inside(f); err != nil {
			return nil, &InputError{Pos: rel(".", f), Msg: "the Compose file is outside the project directory " + rel(".", dir) + ": the import reads only files inside it; give --project-directory a directory that holds every -f file"}
		}
		st, err := c.readable(f, nil, "Compose file", f, false)
		if err != nil {
			return nil, err
		}
		if st == nil {
			// Missing: parse says so, at the file.
			c.files[f] = true
			continue
		}
		if st.IsDir() {
			return nil, c.at(f, nil, "the Compose file is a directory: name a file")
		}
		if err := c.file(f, where{loaderWD: dir, wd: dir}, 0); err != nil {
			return nil, err
		}
	}
	if dotEnv {
		env := filepath.Join(dir, ".env")
		if _, err := c.readable(env, nil, "env file", env, false); err != nil {
			return nil, err
		}
	}
	return c.files, nil
}

type confiner struct {
	repo *repofs.Repo
	dir  string
	// parsed are the files walked, by path and directory they resolve
	// against; files the Compose files checked.
	parsed, files map[string]bool
	// visits counts the YAML nodes values looked at: aliases and merge
	// keys could make the walk exponential.
	visits int
}

// maxVisits bounds the YAML nodes the walk looks at.
const maxVisits = 1 << 20

// where is where compose-go resolves the paths of one Compose file:
// loaderWD for include, extends and the files its services read, wd (as
// compose-go keeps it, possibly relative) for the env files of includes.
type where struct {
	loaderWD, wd string
	// extendsBase is a file read for extends: compose-go takes only its
	// services (no include).
	extendsBase bool
	// included is a file read for include: compose-go resolves the
	// project_directory of its includes against the process's working
	// directory.
	included bool
}

// file parses one Compose file (already checked) and checks what it names.
func (c *confiner) file(abs string, ctx where, depth int) error {
	key := abs + "\x00" + ctx.loaderWD
	if c.parsed[key] {
		return nil
	}
	c.parsed[key] = true
	c.files[abs] = true
	if depth > maxDepth {
		return &InputError{Pos: rel(c.dir, abs), Msg: fmt.Sprintf("include and extends nest deeper than %d files: flatten them", maxDepth)}
	}
	r, err := c.repo.Open(c.relSlash(abs))
	if err != nil {
		return c.refused(abs, nil, "Compose file", err)
	}
	defer r.Close()
	dec := yaml.NewDecoder(io.LimitReader(r, MaxComposeFile))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			// A file that is not YAML is compose-go's to refuse, at its line.
			return nil
		}
		if n := binary(&doc); n != nil {
			return c.at(abs, n, "a !!binary value is refused: compose-go decodes it, so it could name any file; write the text itself")
		}
		root := deref(&doc, 0)
		if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = deref(root.Content[0], 0)
		}
		if root == nil || root.Kind != yaml.MappingNode {
			continue
		}
		if err := c.doc(abs, root, ctx, depth); err != nil {
			return err
		}
		if c.visits > maxVisits {
			return c.at(abs, nil, fmt.Sprintf("its YAML aliases and merge keys expand to more than %d nodes: write the file out", maxVisits))
		}
	}
}

func (c *confiner) doc(abs string, root *yaml.Node, ctx where, depth int) error {
	if !ctx.extendsBase {
		for _, inc := range c.values(root, "include", 0) {
			for _, item := range c.items(inc) {
				if err := c.include(abs, item, ctx, depth); err != nil {
					return err
				}
			}
		}
	}
	base := ctx.loaderWD
	for _, kind := range []string{"services", "jobs"} {
		for _, svcs := range c.values(root, kind, 0) {
			for _, svc := range c.values(svcs, "", 0) {
				if err := c.service(abs, svc, base, depth); err != nil {
					return err
				}
			}
		}
	}
	if ctx.extendsBase {
		return nil
	}
	for _, cfgs := range c.values(root, "configs", 0) {
		for _, cfg := range c.values(cfgs, "", 0) {
			for _, f := range c.values(cfg, "file", 0) {
				p, err := c.path(abs, f, "config file", base)
				if err != nil {
					return err
				}
				st, err := c.readable(abs, f, "config file", p, false)
				if err != nil {
					return err
				}
				if st != nil && st.Size() > load.MaxFileSize {
					return c.at(abs, f, fmt.Sprintf("config file %s is larger than %d bytes, the most a model's config file holds (a ConfigMap's limit): make it smaller", f.Value, load.MaxFileSize))
				}
			}
		}
	}
	return nil
}

// include checks one include: entry (a path, or path/env_file/
// project_directory) and walks the files it includes.
func (c *confiner) include(abs string, item *yaml.Node, ctx where, depth int) error {
	var paths, envFiles, projectDirs []*yaml.Node
	switch item.Kind {
	case yaml.ScalarNode:
		paths = []*yaml.Node{item}
	case yaml.MappingNode:
		for _, p := range c.values(item, "path", 0) {
			paths = append(paths, c.items(p)...)
		}
		for _, e := range c.values(item, "env_file", 0) {
			envFiles = append(envFiles, c.items(e)...)
		}
		projectDirs = c.values(item, "project_directory", 0)
	}
	var projectDir string
	for _, pd := range projectDirs {
		if ctx.included {
			return c.at(abs, pd, "project_directory of an include in an included file is resolved by compose-go against the process's working directory, not this file: the import refuses it; include the file from the top-level Compose file instead")
		}
		p, err := c.path(abs, pd, "include project_directory", ctx.wd)
		if err != nil {
			return err
		}
		st, err := c.repo.Stat(c.relSlash(p))
		if err != nil {
			return c.refused(abs, pd, "include project_directory", err)
		}
		if !st.IsDir() {
			return c.at(abs, pd, "include project_directory "+pd.Value+" is not a directory of the project: name an existing one")
		}
		projectDir = p
	}
	for i, n := range paths {
		if isRemote(n.Value) {
			return c.at(abs, n, "include "+n.Value+" is a remote resource: the import fetches nothing; download the file into the project directory and include the local copy")
		}
		p, err := c.path(abs, n, "include", ctx.loaderWD)
		if err != nil {
			return err
		}
		if _, err := c.readable(abs, n, "include", p, true); err != nil {
			return err
		}
		if i == 0 && projectDir == "" {
			projectDir = filepath.Dir(p)
		}
	}
	if projectDir == "" {
		return nil
	}
	wd, err := filepath.Rel(ctx.loaderWD, projectDir)
	if err != nil {
		wd = projectDir
	}
	if len(envFiles) == 0 {
		if _, err := c.readable(abs, item, "the included project's .env", filepath.Join(projectDir, ".env"), false); err != nil {
			return err
		}
	}
	for _, e := range envFiles {
		if e.Value == "/dev/null" {
			continue
		}
		p, err := c.path(abs, e, "include env_file", ctx.wd)
		if err != nil {
			return err
		}
		if _, err := c.readable(abs, e, "include env_file", p, true); err != nil {
			return err
		}
	}
	for _, n := range paths {
		p, _ := filepath.Abs(joinTo(ctx.loaderWD, n.Value))
		if err := c.file(p, where{loaderWD: projectDir, wd: wd, included: true}, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// service checks the files a service (or job) reads: env_file, label_file
// (its pre_start hooks' too) and its extends file.
func (c *confiner) service(abs string, svc *yaml.Node, base string, depth int) error {
	specs := []*yaml.Node{svc}
	for _, hooks := range []string{"pre_start", "post_start", "pre_stop"} {
		for _, h := range c.values(svc, hooks, 0) {
			specs = append(specs, c.items(h)...)
		}
	}
	for _, spec := range specs {
		for _, field := range []string{"env_file", "label_file"} {
			for _, v := range c.values(spec, field, 0) {
				for _, e := range c.items(v) {
					if e.Kind == yaml.MappingNode {
						ps := c.values(e, "path", 0)
						if len(ps) == 0 {
							continue
						}
						e = ps[0]
					}
					p, err := c.path(abs, e, field, base)
					if err != nil {
						return err
					}
					if _, err := c.readable(abs, e, field, p, false); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, ext := range c.values(svc, "extends", 0) {
		for _, f := range c.values(ext, "file", 0) {
			if isRemote(f.Value) {
				return c.at(abs, f, "extends file "+f.Value+" is a remote resource: the import fetches nothing; download the file into the project directory and extend the local copy")
			}
			p, err := c.path(abs, f, "extends file", base)
			if err != nil {
				return err
			}
			if _, err := c.readable(abs, f, "extends file", p, true); err != nil {
				return err
			}
			if err := c.file(p, where{loaderWD: filepath.Dir(p), wd: filepath.Dir(p), extendsBase: true}, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// path is the absolute path compose-go makes of the path n (of file abs)
// names, resolved against base; a path compose-go could make anything
// (interpolated, ~) or that leaves the project directory is refused.
func (c *confiner) path(abs string, n *yaml.Node, what, base string) (string, error) {
	v := n.Value
	if n.Kind != yaml.ScalarNode || v == "" {
		return "", c.at(abs, n, what+" is not a path: write the file's path relative to the project directory")
	}
	if strings.Contains(v, "$") {
		return "", c.at(abs, n, fmt.Sprintf("%s %s is interpolated: the import reads only files named literally (a variable could name any file on the machine); write the path without $", what, v))
	}
	if strings.HasPrefix(v, "~") {
		return "", c.at(abs, n, fmt.Sprintf("%s %s is in the home directory, outside the project directory: the import reads only files inside it; move the file into the project directory", what, v))
	}
	p, err := filepath.Abs(joinTo(base, v))
	if err != nil {
		return "", c.at(abs, n, what+" "+v+": "+err.Error())
	}
	if _, err := c.inside(p); err != nil {
		return "", c.at(abs, n, fmt.Sprintf("%s %s is outside the project directory: the import reads only files inside it (the Compose files are untrusted input); move the file into the project directory", what, v))
	}
	return p, nil
}

// readable checks that the file p (named by node n of file abs, or by no
// file) may be read: inside the project through no link leaving it, not
// under .git/ or .degen/, a regular file within the size limit. A missing
// file is refused only when required (compose-go reports the others, or
// does not read them).
func (c *confiner) readable(abs string, n *yaml.Node, what, p string, required bool) (fs.FileInfo, error) {
	relp, err := c.inside(p)
	if err != nil {
		return nil, c.at(abs, n, fmt.Sprintf("%s %s is outside the project directory: the import reads only files inside it", what, rel(c.dir, p)))
	}
	st, err := c.repo.Stat(relp)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, c.refused(abs, n, what, err)
	}
	if st.IsDir() && required {
		return nil, c.at(abs, n, fmt.Sprintf("%s %s is a directory: name a file", what, relp))
	}
	return st, nil
}

// inside returns p relative to the project directory, slash-separated, or
// an error when it is outside.
func (c *confiner) inside(p string) (string, error) {
	r, err := filepath.Rel(c.dir, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return "", errors.New("outside")
	}
	return filepath.ToSlash(r), nil
}

func (c *confiner) relSlash(p string) string {
	r, _ := c.inside(p)
	return r
}

// refused is a read repofs refuses, at the node that named it.
func (c *confiner) refused(abs string, n *yaml.Node, what string, err error) error {
	var re *repofs.Error
	if errors.As(err, &re) {
		return c.at(abs, n, what+" "+re.Path+" "+strings.ReplaceAll(re.Reason, "the model root", "the project directory"))
	}
	return c.at(abs, n, what+": "+err.Error())
}

// at is a refusal at node n of file abs (the file alone when n is nil,
// nothing when abs is empty).
func (c *confiner) at(abs string, n *yaml.Node, msg string) error {
	pos := ""
	if abs != "" {
		pos = rel(c.dir, abs)
		if n != nil {
			pos += fmt.Sprintf(":%d:%d", n.Line, n.Column)
		}
	}
	return &InputError{Pos: pos, Msg: msg + "; nothing written"}
}

func joinTo(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// isRemote is an include or extends compose-go's remote loaders (git, OCI,
// HTTP) would fetch in docker compose.
func isRemote(p string) bool {
	return strings.Contains(p, "://") || strings.HasPrefix(p, "git@") || strings.HasPrefix(p, "oci:")
}

// binary is the first node tagged !!binary, key or value, if any.
func binary(n *yaml.Node) *yaml.Node {
	if n.ShortTag() == "!!binary" {
		return n
	}
	for _, c := range n.Content {
		if b := binary(c); b != nil {
			return b
		}
	}
	return nil
}

// deref follows YAML aliases.
func deref(n *yaml.Node, depth int) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && depth < maxDepth {
		n, depth = n.Alias, depth+1
	}
	return n
}

// values returns every value the mapping n gives key (every value for key
// ""), those of the mappings it merges (<<) included, aliases followed.
func (c *confiner) values(n *yaml.Node, key string, depth int) []*yaml.Node {
	n = deref(n, 0)
	if n == nil || n.Kind != yaml.MappingNode || depth > maxDepth || c.visits > maxVisits {
		return nil
	}
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		c.visits++
		k, v := n.Content[i], deref(n.Content[i+1], 0)
		switch {
		case v == nil || v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			// An empty value names no file.
		case isMerge(k):
			for _, m := range c.items(v) {
				out = append(out, c.values(m, key, depth+1)...)
			}
		case key == "" || k.Kind == yaml.ScalarNode && k.Value == key:
			out = append(out, v)
		}
	}
	return out
}

func isMerge(k *yaml.Node) bool { return k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0 }

// items is a sequence's elements (aliases followed), or the node itself.
func (c *confiner) items(n *yaml.Node) []*yaml.Node {
	n = deref(n, 0)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return []*yaml.Node{n}
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, e := range n.Content {
		c.visits++
		if e = deref(e, 0); e != nil && !(e.Kind == yaml.ScalarNode && e.Tag == "!!null") {
			out = append(out, e)
		}
	}
	return out
}
