package load

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/schema"
)

// Policies is what package policy needs of the loader, which it does not
// import: the CUE packages of the policies, read as the model's own files
// are, and the positions of the values its rules point at. The zero value
// is ready to use.
type Policies struct{}

// Packages loads, without evaluating them, degen's generic policies (the
// package dir of the schema module) and the model's own package dir of the
// module at root, nil when the model has none. The model's package is read
// through the model's confined view, as its CUE files are, with the generic
// contract (schema.ContractFile) added to it under the name contract, which
// no file of the model may take.
func (Policies) Packages(root, dir, contract string) (generic, own *build.Instance, err error) {
	generic, err = policyPackage(nil, SchemaRoot, SchemaConfig(), dir, "degen's generic policies")
	if err != nil {
		return nil, nil, fmt.Errorf("internal error: %w", err)
	}
	repo, err := OpenRepo(root)
	if err != nil {
		return nil, nil, err
	}
	st, err := repo.Stat(dir)
	var re *repofs.Error
	if err != nil && !errors.Is(err, fs.ErrNotExist) && errors.As(err, &re) {
		return nil, nil, fmt.Errorf("%s", re.Error())
	}
	if err != nil || !st.IsDir() {
		return generic, nil, nil
	}
	added := path.Join(dir, contract)
	names := dirNames(repo, dir)
	if slices.Contains(names, contract) {
		return nil, nil, fmt.Errorf("%s: degen adds its policy contract under this name: rename the file (its rules need no contract of their own)", "./"+added)
	}
	// A CUE file the view refuses (a link out of the model root, a file
	// over the limit) is an error at the file, not left out.
	var refused cueerrors.Error
	for _, n := range names {
		rel := path.Join(dir, n)
		if !strings.HasSuffix(n, ".cue") || strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".") {
			continue
		}
		if _, err := repo.ReadFile(rel); err != nil {
			refused = cueerrors.Append(refused, RefusedFile(filepath.Join(root, filepath.FromSlash(rel)), err))
		}
	}
	if refused != nil {
		return nil, nil, refused
	}
	src, err := fs.ReadFile(schema.Files(), schema.PoliciesDir+"/"+schema.ContractFile)
	if err != nil {
		return nil, nil, fmt.Errorf("internal error: %w", err)
	}
	cfg := Config(repo, root, map[string][]byte{added: src})
	own, err = policyPackage(repo, root, cfg, dir, "policies")
	Parsed(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := untagged(own); err != nil {
		return nil, nil, err
	}
	return generic, own, nil
}

// policyPackage loads the package dir with cfg, reading the model at root
// through repo (nil for the schema module).
func policyPackage(repo *repofs.Repo, root string, cfg *load.Config, dir, what string) (*build.Instance, error) {
	insts := load.Instances([]string{dir}, cfg)
	if len(insts) != 1 {
		return nil, fmt.Errorf("loading %s: expected one package, found %d", what, len(insts))
	}
	if err := insts[0].Err; err != nil {
		var mp *load.MultiplePackageError
		if errors.As(err, &mp) && repo != nil {
			return nil, PackageClash(repo, root, "policies", mp)
		}
		return nil, fmt.Errorf("loading %s: %w", what, err)
	}
	return insts[0], nil
}

// untagged refuses a file of policies/ that cue/load left out for a build
// attribute: degen loads the policies once, without tags, for every
// environment, so an @if(dev) file would never be read.
func untagged(inst *build.Instance) error {
	var errs cueerrors.Error
	for _, f := range inst.IgnoredFiles {
		base := filepath.Base(f.Filename)
		if !strings.HasSuffix(base, ".cue") || strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
			continue
		}
		syntax, err := parser.ParseFile(f.Filename, f.Source, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, a := range BuildTags(syntax) {
			errs = cueerrors.Append(errs, cueerrors.Newf(a.Pos(), "%s: degen reads policies/ once, for every environment, without build tags, so this file would never be read: remove the @if, and let the rule look at env.name or env.stage, or give it a severity per stage", a.Text))
		}
	}
	return errs
}

// dirNames are the names in the directory dir of repo.
func dirNames(repo *repofs.Repo, dir string) []string {
	ents, err := fs.ReadDir(repo.FS(), path.Clean(dir))
	if err != nil {
		return nil
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}

// Pos returns the source position of the value at path in env, a rule's
// finding: the position of the value, or of one of the values it unifies,
// that lies outside the schema. A value that only has a schema default
// (replicas: *1 in schema/) points at the nearest parent the model itself
// declares, which is where a fix goes. NoPos when Load did not make env.
func (Policies) Pos(env *model.Environment, path cue.Path) token.Pos {
	v, unlock, ok := EnvValue(env)
	defer unlock()
	if !ok {
		return token.NoPos
	}
	sels := path.Selectors()
	for {
		x := v.LookupPath(cue.MakePath(sels...))
		if x.Exists() {
			if p := modelPos(x); p.IsValid() || len(sels) == 0 {
				return p
			}
		}
		if len(sels) == 0 {
			return token.NoPos
		}
		sels = sels[:len(sels)-1]
	}
}

// modelPos returns the position of v, or of one of the values it unifies,
// that lies outside the schema; NoPos when there is none.
func modelPos(v cue.Value) token.Pos {
	inModel := func(p token.Pos) bool { return p.IsValid() && !InSchema(p) }
	if p := v.Pos(); inModel(p) {
		return p
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if p := a.Pos(); inModel(p) {
				return p
			}
		}
	}
	return token.NoPos
}

// InSchema is the package function InSchema.
func (Policies) InSchema(p token.Pos) bool { return InSchema(p) }

// RelPos is the package function RelPos.
func (Policies) RelPos(p token.Pos, root string) string { return RelPos(p, root) }
