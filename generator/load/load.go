// Package load evaluates a degen CUE module and decodes its environments into
// the typed model. Every error it returns is a CUE error list whose entries
// keep their source positions; print it with Format.
package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
)

// Options select what to load.
type Options struct {
	// Dir is the root of the CUE module (the directory holding cue.mod).
	Dir string
	// Envs are the environments to resolve; nil means all of them.
	Envs []string
	// Resolved, when set, is given every requested environment, in name
	// order, and the base (at any point, usually first: see base.go), as
	// soon as each is decoded and checked, so that a caller can start on
	// them while Load goes on. It runs on Load's goroutine and must not
	// block for long. The environments share one CUE context: a goroutine
	// of the caller uses their Value only under LockCUE (PosOf takes it).
	// After an error Load returns, the environments already given are not a
	// valid model.
	Resolved func(env *model.Environment, base bool)
}

// UnknownEnvError is returned when a requested environment is not defined.
type UnknownEnvError struct {
	Name  string
	Known []string
}

func (e *UnknownEnvError) Error() string {
	return fmt.Sprintf("unknown environment %q: the model defines %v (use --env with one of them, or --all)", e.Name, e.Known)
}

// Load evaluates the module at opts.Dir and resolves the requested
// environments. The returned error, if any, is either an *UnknownEnvError or
// a CUE error list (cueerrors.Error) with positions.
func Load(opts Options) (*model.Model, error) {
	root, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "cue.mod")); err != nil {
		return nil, fmt.Errorf("%s is not a degen model: no cue.mod directory (run degen in the repository root or pass --dir)", root)
	}
	side := startBase(root)
	ctx := cuecontext.New()
	v, defined, err := buildEnvs(ctx, root, opts.Envs)
	if err != nil {
		return nil, err
	}
	return resolve(root, v, defined, opts, side)
}

// buildInstance loads and evaluates the model package.
func buildInstance(ctx *cue.Context, root string) (cue.Value, error) {
	v, _, err := buildEnvs(ctx, root, nil)
	return v, err
}

// buildEnvs loads and evaluates the model package. With envs, it first
// drops the other environments from the files when it can be sure nothing
// left reaches them (see keepEnvironments): CUE evaluates every field of a
// package, and an environment costs as much as the rest of the model. It
// then returns the names of every environment the files define; nil means
// the whole package was evaluated and they are in the value.
func buildEnvs(ctx *cue.Context, root string, envs []string) (cue.Value, []string, error) {
	insts := load.Instances([]string{model.EnvsPackage}, &load.Config{Dir: root})
	if len(insts) != 1 {
		return cue.Value{}, nil, fmt.Errorf("loading %s: expected one package, found %d", model.EnvsPackage, len(insts))
	}
	if err := insts[0].Err; err != nil {
		var mp *load.MultiplePackageError
		if errors.As(err, &mp) {
			return cue.Value{}, nil, packageClash(root, mp)
		}
		return cue.Value{}, nil, err
	}
	inst := insts[0]
	var defined []string
	if envs != nil {
		keep := map[string]bool{}
		for _, e := range envs {
			keep[e] = true
		}
		// Stripping edits the syntax trees; when it gives up half-way they
		// are parsed again.
		names, ok := keepEnvironments(inst.Files, keep)
		switch {
		case ok && len(names) > 0:
			defined = names
		case !ok:
			inst = load.Instances([]string{model.EnvsPackage}, &load.Config{Dir: root})[0]
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, nil, err
	}
	return v, defined, nil
}

// resolve decodes the requested environments of the evaluated instance v,
// then the base. Environments come first: a Resolved caller starts on them
// (the policies, the targets that do not read the base) while the base is
// resolved.
func resolve(root string, v cue.Value, defined []string, opts Options, side <-chan sideBase) (*model.Model, error) {
	envsV := v.LookupPath(cue.ParsePath(model.PathEnvironments))
	known := defined
	if known == nil {
		var err error
		if known, err = envNames(envsV); err != nil {
			return nil, err
		}
	}
	if len(known) == 0 {
		pos := token.NoPos
		if envsV.Exists() {
			pos = envsV.Pos()
		}
		return nil, cueerrors.Newf(pos, "the model defines no environments: add one in envs/, e.g. environments: dev: {artefacts: [\"compose\"]}")
	}
	want := opts.Envs
	if want == nil {
		want = known
	}
	want = append([]string(nil), want...)
	sort.Strings(want)
	for _, name := range want {
		if !contains(known, name) {
			return nil, &UnknownEnvError{Name: name, Known: known}
		}
	}
	mu := &sync.Mutex{}
	m := &model.Model{Root: root, Envs: map[string]*model.Environment{}, Value: v, Defined: known}
	// The base, resolved beside this context (see base.go), is handed over
	// as soon as it is there; if it could not be, it is resolved here
	// after the environments.
	var sideDone, sideOK bool
	takeBase := func(b sideBase) {
		sideDone, sideOK = true, b.ok
		if b.ok {
			m.Base = b.env
			if opts.Resolved != nil {
				opts.Resolved(b.env, true)
			}
		}
	}
	var errs cueerrors.Error
	for _, name := range want {
		if !sideDone {
			select {
			case b := <-side:
				takeBase(b)
			default:
			}
		}
		mu.Lock()
		env, err := decodeEnv(envsV.LookupPath(cue.MakePath(cue.Str(name))))
		mu.Unlock()
		if err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
			continue
		}
		env.Root, env.CUE = root, mu
		if err := Validate(env); err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
			continue
		}
		m.Envs[name] = env
		if opts.Resolved != nil && errs == nil {
			opts.Resolved(env, false)
		}
	}
	if errs != nil {
		return nil, cueerrors.Sanitize(errs)
	}
	if !sideDone {
		takeBase(<-side)
	}
	if sideOK {
		return m, nil
	}
	mu.Lock()
	base, err := decodeBase(v)
	mu.Unlock()
	if err != nil {
		return nil, err
	}
	base.Root, base.CUE = root, mu
	m.Base = base
	if opts.Resolved != nil {
		opts.Resolved(base, true)
	}
	return m, nil
}

func decodeBase(v cue.Value) (*model.Environment, error) {
	def := v.LookupPath(cue.ParsePath(model.PathBase))
	if !def.Exists() {
		return nil, cueerrors.Newf(v.Pos(), "the model has no %s definition: envs/ must define the environment every environment unifies with", model.PathBase)
	}
	ctx := v.Context()
	baseV := def.Unify(ctx.CompileString(fmt.Sprintf("{name: %q}", model.BaseName)))
	env, err := decodeEnv(baseV)
	if err != nil {
		return nil, cueerrors.Promote(err, "")
	}
	dropDisabled(env)
	return env, nil
}

func envNames(envsV cue.Value) ([]string, error) {
	if !envsV.Exists() {
		return nil, nil
	}
	it, err := envsV.Fields()
	if err != nil {
		return nil, err
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	sort.Strings(names)
	return names, nil
}

func decodeEnv(v cue.Value) (*model.Environment, error) {
	// Through JSON: several times faster than Value.Decode's reflection.
	// MarshalJSON fails on any incomplete or erroneous value; only then is
	// the slower Validate run, for its complete, positioned error list.
	data, err := v.MarshalJSON()
	if err != nil {
		if verr := v.Validate(cue.Concrete(true), cue.Final()); verr != nil {
			return nil, verr
		}
		return nil, err
	}
	env := &model.Environment{}
	if err := json.Unmarshal(data, env); err != nil {
		return nil, fmt.Errorf("decoding %v: %w", v.Path(), err)
	}
	env.Value = v
	return env, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// packageClash turns cue/load's "found packages" error, which names
// absolute paths and no position, into one error per foreign file, at its
// package clause.
func packageClash(root string, mp *load.MultiplePackageError) error {
	var errs cueerrors.Error
	for i, name := range mp.Packages {
		if name == "envs" || i >= len(mp.Files) {
			continue
		}
		file := filepath.Join(mp.Dir, mp.Files[i])
		pos := token.NoPos
		if f, err := parser.ParseFile(file, nil, parser.PackageClauseOnly); err == nil && f.PackageName() != "" {
			for _, d := range f.Decls {
				if pkg, ok := d.(*ast.Package); ok {
					pos = pkg.Pos()
				}
			}
		}
		rel, _ := filepath.Rel(root, file)
		errs = cueerrors.Append(errs, cueerrors.Newf(pos, "%s declares package %s, but every file of %s must be package envs: change its package clause or move the file out of envs/", filepath.ToSlash(rel), name, model.EnvsPackage))
	}
	if errs == nil {
		return mp
	}
	return errs
}
