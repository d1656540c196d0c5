package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/mod/modconfig"
	"cuelang.org/go/mod/modfile"
	"cuelang.org/go/mod/module"
	"golang.org/x/mod/semver"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/schema"
)

// The schema module (degen.dev/schema@v1) is served to CUE from the
// binary. A model depends on it in its cue.mod/module.cue like on any CUE
// module:
//
//	deps: "degen.dev/schema@v1": v: "v1.0.0"
//
// and CUE asks Config's Registry for it. The registry answers with the
// embedded files, which CUE reads through the model's file system
// (modelFS) at SchemaRoot, a directory that exists nowhere on disk:
// positions in the schema print as
// degen.dev/schema@v1.0.0/schema.cue:LINE:COL, and `degen schema` prints the
// file. Any other module a model depends on goes to CUE's own registry
// (CUE_REGISTRY), and is read from CUE's module cache.

// SchemaRoot is where the schema module's files appear to CUE.
const SchemaRoot = "/" + schema.ImportPath + "@" + schema.Version

// ModuleFileName is the module file of a model, relative to its root.
const ModuleFileName = "cue.mod/module.cue"

// Config returns the cue/load configuration for the model at root (an
// absolute directory), read through repo, its confined view: cue/load
// finds, lists and reads the model's files, and @embed the files they
// embed, only through it. extra are files (slash paths relative to root)
// served beside the repository's. Positions name a model file by its
// absolute path under root, as Format expects.
//
// Call Parsed with the configuration once cue/load is done with it: until
// then a repository file that is not a CUE file reads as empty (cue/load
// reads every file of a package's directory; @embed reads the ones it
// names during evaluation).
func Config(repo *repofs.Repo, root string, extra map[string][]byte) *load.Config {
	m := newModelFS(repo, root, nil)
	m.extra = extra
	return m.config("/")
}

// Parsed says that cue/load is done with cfg, a configuration of Config:
// from now on its files are read whole, for @embed.
func Parsed(cfg *load.Config) {
	if m, ok := cfg.FS.(*modelFS); ok {
		m.parsed.Store(true)
	}
}

// SchemaConfig returns the cue/load configuration for the schema module
// itself (its generic policies are the package ./policies in it).
func SchemaConfig() *load.Config {
	return newModelFS(nil, "", nil).config(SchemaRoot)
}

// SchemaFile returns the content of a file of the schema module by its
// position's file name (under SchemaRoot); false if name is not one.
func SchemaFile(name string) ([]byte, bool) {
	rel, ok := strings.CutPrefix(filepath.ToSlash(name), SchemaRoot+"/")
	if !ok {
		return nil, false
	}
	b, err := fs.ReadFile(schema.Files(), rel)
	return b, err == nil
}

// DisplayName is how a file of the schema module is named in messages:
// degen.dev/schema@v1.0.0/schema.cue; other names are returned as they are.
func DisplayName(name string) string {
	if rel, ok := strings.CutPrefix(filepath.ToSlash(name), SchemaRoot+"/"); ok {
		return strings.TrimPrefix(SchemaRoot, "/") + "/" + rel
	}
	return name
}

// registry serves the schema module and passes any other module to CUE's
// registry, created on first use (each load has its own), mounting what
// it fetches in the load's file system.
type registry struct {
	fs    *modelFS
	once  sync.Once
	other modconfig.Registry
	err   error
}

func (r *registry) fallback() (modconfig.Registry, error) {
	r.once.Do(func() { r.other, r.err = modconfig.NewRegistry(nil) })
	return r.other, r.err
}

// schemaMajor is the major version of schema.Module: "v1".
func schemaMajor() string { return schema.Module[strings.LastIndex(schema.Module, "@")+1:] }

func isSchema(mv module.Version) bool { return mv.Path() == schema.Module }

// served reports whether this binary serves v of the schema module: any v1
// version up to its own (minor versions only add).
func served(v string) error {
	if semver.Compare(v, schema.Version) > 0 {
		return fmt.Errorf("the model needs %s %s, newer than this degen's %s: upgrade degen", schema.Module, v, schema.Version)
	}
	return nil
}

func (r *registry) ModFile(ctx context.Context, mv module.Version) (*modfile.File, error) {
	if !isSchema(mv) {
		o, err := r.fallback()
		if err != nil {
			return nil, err
		}
		return o.ModFile(ctx, mv)
	}
	if err := served(mv.Version()); err != nil {
		return nil, err
	}
	b, err := fs.ReadFile(schema.Files(), ModuleFileName)
	if err != nil {
		return nil, err
	}
	return modfile.Parse(b, SchemaRoot+"/"+ModuleFileName)
}

func (r *registry) Fetch(ctx context.Context, mv module.Version) (module.SourceLoc, error) {
	if !isSchema(mv) {
		o, err := r.fallback()
		if err != nil {
			return module.SourceLoc{}, err
		}
		loc, err := o.Fetch(ctx, mv)
		if err != nil {
			return loc, err
		}
		// In FS mode cue/load reads a module at its OSRoot through the
		// load's file system: serve it there.
		if osfs, ok := loc.FS.(module.OSRootFS); ok && osfs.OSRoot() != "" {
			r.fs.mount(strings.TrimPrefix(filepath.ToSlash(osfs.OSRoot()), "/"), loc.FS)
		}
		return loc, nil
	}
	if err := served(mv.Version()); err != nil {
		return module.SourceLoc{}, err
	}
	return module.SourceLoc{FS: schemaFS{schema.Files()}, Dir: "."}, nil
}

func (r *registry) ModuleVersions(ctx context.Context, mpath string) ([]string, error) {
	if mpath == schema.Module {
		return []string{schema.Version}, nil
	}
	o, err := r.fallback()
	if err != nil {
		return nil, err
	}
	return o.ModuleVersions(ctx, mpath)
}

// schemaFS is the embedded module, rooted (for CUE) at SchemaRoot, where
// modelFS mounts the same files.
type schemaFS struct{ fs.FS }

func (schemaFS) OSRoot() string { return SchemaRoot }

// CheckModule reads the model's cue.mod/module.cue and refuses, with the
// position of the dependency, a model written for a schema this binary does
// not serve: another major version, or a newer v1. A model that does not
// depend on the schema is not refused here (it may not import it).
func CheckModule(repo *repofs.Repo, root string) error {
	hasDep, err := checkModule(repo, root)
	if err != nil || hasDep {
		return err
	}
	return checkImports(repo, root)
}

// checkImports refuses a model whose files import the schema while its
// module file does not depend on it (CUE would say only "import failed").
func checkImports(repo *repofs.Repo, root string) error {
	entries, err := fs.ReadDir(repo.FS(), path.Clean(model.EnvsPackage))
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		rel := path.Join(model.EnvsPackage, e.Name())
		src, err := repo.ReadFile(rel)
		if err != nil {
			return nil // Scan refuses it
		}
		f, err := parser.ParseFile(filepath.Join(root, filepath.FromSlash(rel)), src, parser.ImportsOnly)
		if err != nil {
			return nil // CUE reports it, with its position
		}
		for spec := range f.ImportSpecs() {
			if p, _ := strconv.Unquote(spec.Path.Value); p == schema.ImportPath || strings.HasPrefix(p, schema.ImportPath+"@") || strings.HasPrefix(p, schema.ImportPath+":") {
				return cueerrors.Newf(spec.Pos(), "the model imports %s, but %s does not depend on it: add deps: %q: v: %q to %s (degen init writes it)", schema.ImportPath, ModuleFileName, schema.Module, schema.Version, ModuleFileName)
			}
		}
	}
	return nil
}

func checkModule(repo *repofs.Repo, root string) (hasDep bool, _ error) {
	name := filepath.Join(root, filepath.FromSlash(ModuleFileName))
	src, err := repo.ReadFile(ModuleFileName)
	if err != nil {
		var re *repofs.Error
		if errors.As(err, &re) && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("%s: %s", ModuleFileName, re.Reason)
		}
		return false, fmt.Errorf("%s is not a degen model: no %s (run degen in the model's root, pass --dir, or start one with degen init)", root, ModuleFileName)
	}
	f, err := parser.ParseFile(name, src)
	if err != nil {
		return false, err
	}
	if _, err := modfile.ParseNonStrict(src, name); err != nil {
		return false, err
	}
	base := strings.TrimSuffix(schema.Module, "@v1")
	var errs cueerrors.Error
	ast.Walk(f, func(n ast.Node) bool {
		fd, ok := n.(*ast.Field)
		if !ok {
			return true
		}
		label, _, lerr := ast.LabelName(fd.Label)
		if lerr != nil || !strings.HasPrefix(label, base+"@") {
			return true
		}
		hasDep = true
		if label != schema.Module {
			errs = cueerrors.Append(errs, cueerrors.Newf(fd.Label.Pos(), "the model depends on %s, and this degen serves only %s (%s): use a degen built for %s, or write the model for %s", label, schema.Module, schema.Version, label, schema.Module))
			return false
		}
		v, pos := depVersion(fd)
		if v == "" {
			return false
		}
		if !semver.IsValid(v) || semver.Major(v) != schemaMajor() {
			errs = cueerrors.Append(errs, cueerrors.Newf(pos, "%s: version %q is not a %s version: write v: %q", schema.Module, v, semver.Major(schema.Version), schema.Version))
		} else if err := served(v); err != nil {
			errs = cueerrors.Append(errs, cueerrors.Newf(pos, "%v (go install github.com/degen-dev/degen/cmd/degen@latest), or pin v: %q", err, schema.Version))
		}
		return false
	}, nil)
	if errs != nil {
		return hasDep, errs
	}
	return hasDep, nil
}

// depVersion returns the v: field of a dependency and its position.
func depVersion(fd *ast.Field) (string, token.Pos) {
	st, ok := fd.Value.(*ast.StructLit)
	if !ok {
		return "", token.NoPos
	}
	for _, d := range st.Elts {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if n, _, _ := ast.LabelName(f.Label); n != "v" {
			continue
		}
		if bl, ok := f.Value.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			s := strings.Trim(bl.Value, `"`)
			return s, bl.Pos()
		}
	}
	return "", token.NoPos
}
