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
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
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
	// Resolved, when set, is given every requested environment and the
	// base, in no fixed order, as soon as each is decoded and checked, so
	// that a caller can start on them while Load goes on. It runs on Load's
	// goroutine and must not block for long. Environments may share a CUE
	// context: a goroutine of the caller uses their Value only under
	// LockCUE (PosOf takes it). After an error Load returns, the
	// environments already given are not a valid model.
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
//
// CUE evaluates every field of a package, and each environment costs about
// as much as the rest of the model. When the files allow it (see
// keepEnvironments), this context evaluates only the requested
// environments, and a second one, in a goroutine, the base and the last of
// them (see base.go): the two cores share the evaluation.
func Load(opts Options) (*model.Model, error) {
	root, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "cue.mod")); err != nil {
		return nil, fmt.Errorf("%s is not a degen model: no cue.mod directory (run degen in the repository root, pass --dir, or start a model with degen init)", opts.Dir)
	}
	if err := CheckModule(root); err != nil {
		return nil, err
	}
	inst, err := parse(root)
	if err != nil {
		return nil, err
	}
	// Keeping every environment leaves the files as they are, and says
	// whether they may be split by environment and which they define.
	defined, split := keepEnvironments(inst.Files, func(string) bool { return true })
	if !split || len(defined) == 0 {
		defined = nil
	}
	want := opts.Envs
	if want == nil {
		want = defined
	}
	want = append([]string(nil), want...)
	sort.Strings(want)
	sideEnv := ""
	if defined != nil && len(want) > 1 && runtime.GOMAXPROCS(0) > 1 && allIn(want, defined) {
		sideEnv = want[len(want)-1]
	}
	side := startSide(root, sideEnv)
	if defined != nil {
		keep := func(n string) bool { return n != sideEnv && slices.Contains(want, n) }
		if _, ok := keepEnvironments(inst.Files, keep); !ok {
			return nil, fmt.Errorf("internal error: the files of %s could not be split by environment a second time", model.EnvsPackage)
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return resolve(root, v, defined, sideEnv, opts, side)
}

func allIn(names, set []string) bool {
	for _, n := range names {
		if !slices.Contains(set, n) {
			return false
		}
	}
	return true
}

// parse loads the files of the model package.
func parse(root string) (*build.Instance, error) {
	insts := load.Instances([]string{model.EnvsPackage}, Config(root))
	if len(insts) != 1 {
		return nil, fmt.Errorf("loading %s: expected one package, found %d", model.EnvsPackage, len(insts))
	}
	if err := insts[0].Err; err != nil {
		var mp *load.MultiplePackageError
		if errors.As(err, &mp) {
			return nil, PackageClash(root, "envs", mp)
		}
		return nil, err
	}
	return insts[0], nil
}

// resolve decodes the requested environments of the evaluated instance v
// (all but sideEnv, which side resolves) and takes the base and sideEnv from
// side as soon as they are there. When side could not resolve the base, it
// is resolved here after the environments.
func resolve(root string, v cue.Value, defined []string, sideEnv string, opts Options, side <-chan sideResult) (*model.Model, error) {
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
	m := &model.Model{Root: root, Envs: map[string]*model.Environment{}, Source: &source{v: v, mu: mu}, Defined: known}
	var errs cueerrors.Error
	var sideDone, baseOK bool
	take := func(r sideResult) {
		sideDone, baseOK = true, r.base != nil
		if r.base != nil {
			m.Base = r.base
			if opts.Resolved != nil && errs == nil {
				opts.Resolved(r.base, true)
			}
		}
		if r.err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(r.err, ""))
			return
		}
		if r.env != nil {
			m.Envs[r.env.Name] = r.env
			if opts.Resolved != nil && errs == nil {
				opts.Resolved(r.env, false)
			}
		}
	}
	for _, name := range want {
		if name == sideEnv {
			continue
		}
		if !sideDone {
			select {
			case r := <-side:
				take(r)
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
		env.Root = root
		setLock(env, mu)
		if err := Validate(env); err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
			continue
		}
		m.Envs[name] = env
		if opts.Resolved != nil && errs == nil {
			opts.Resolved(env, false)
		}
	}
	if !sideDone {
		take(<-side)
	}
	if errs == nil && sideEnv != "" && m.Envs[sideEnv] == nil {
		errs = cueerrors.Append(errs, cueerrors.Newf(token.NoPos, "internal error: environment %s was not resolved, please report it", sideEnv))
	}
	if errs != nil {
		return nil, cueerrors.Sanitize(errs)
	}
	if baseOK {
		return m, nil
	}
	mu.Lock()
	base, err := decodeBase(v, root)
	mu.Unlock()
	if err != nil {
		return nil, err
	}
	base.Root = root
	setLock(base, mu)
	m.Base = base
	if opts.Resolved != nil {
		opts.Resolved(base, true)
	}
	return m, nil
}

func decodeBase(v cue.Value, root string) (*model.Environment, error) {
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
	env.Root = root
	// The base's files are read like an environment's; the rest of
	// Validate judges environments only.
	fv := &validator{env: env}
	fv.mounts()
	if fv.errs != nil {
		return nil, cueerrors.Sanitize(fv.errs)
	}
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
		return nil, decodeError(v, err)
	}
	env.Source = &source{v: v}
	fillEmpty(env)
	return env, nil
}

// fillEmpty gives an environment empty collections where its model has
// none, so that its JSON (what policies and `degen export` read) has {} and
// [] rather than null: a model that does not import the schema, which
// supplies them, is read the same way.
func fillEmpty(env *model.Environment) {
	if env.Services == nil {
		env.Services = map[string]*model.Service{}
	}
	if env.Networks == nil {
		env.Networks = map[string]model.Network{}
	}
	if env.Volumes == nil {
		env.Volumes = map[string]model.Volume{}
	}
	if env.Flags == nil {
		env.Flags = map[string]model.Flag{}
	}
	if env.Secrets == nil {
		env.Secrets = map[string]model.Secret{}
	}
	if env.Params == nil {
		env.Params = map[string]any{}
	}
	if env.Data == nil {
		env.Data = map[string]any{}
	}
	if env.Artefacts == nil {
		env.Artefacts = []string{}
	}
	for _, s := range env.Services {
		if len(s.Networks) == 0 {
			// The schema's word: a service that names no network is on
			// the network "default".
			s.Networks = []string{model.DefaultNetwork}
			if _, ok := env.Networks[model.DefaultNetwork]; !ok {
				env.Networks[model.DefaultNetwork] = model.Network{Name: model.DefaultNetwork, Description: "the network of the services that name none", Driver: "bridge"}
			}
		}
		if s.Env == nil {
			s.Env = map[string]model.EnvVar{}
		}
		if s.DependsOn == nil {
			s.DependsOn = map[string]model.Dependency{}
		}
	}
}

// decodeError turns a failure to decode v into the model's Go types (a
// number out of range of its Go type, or the like) into an error at the
// position of the value at fault.
func decodeError(v cue.Value, err error) error {
	field, value, what := "", "", err.Error()
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field = te.Field
		value = strings.TrimPrefix(te.Value, "number ")
		switch te.Type.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
			what = fmt.Sprintf("%s is out of range for a %d-bit integer: use a smaller value (the schema's bounds: degen schema)", value, te.Type.Bits())
		default:
			what = fmt.Sprintf("%s cannot be read as %s: change the value", value, te.Type)
		}
	}
	at, _ := lookupJSONField(v, strings.Split(field, "."), value)
	path := at.Path().String()
	return cueerrors.Newf(DecidingPos(at), "%s: %s", path, what)
}

// lookupJSONField finds the value that encoding/json names by a dotted
// field path. The path holds struct fields only: map keys and list
// indices are left out, and keys may hold dots themselves. So the search
// tries each key and element where the path does not go on, and at the end
// wants the JSON text want (when given). Without a match it returns the
// deepest value found.
func lookupJSONField(v cue.Value, parts []string, want string) (cue.Value, bool) {
	if len(parts) == 0 || len(parts) == 1 && parts[0] == "" {
		if want == "" {
			return v, true
		}
		b, err := v.MarshalJSON()
		return v, err == nil && string(b) == want
	}
	deepest := v
	for j := len(parts); j > 0; j-- {
		next := v.LookupPath(cue.MakePath(cue.Str(strings.Join(parts[:j], "."))))
		if !next.Exists() {
			continue
		}
		if got, ok := lookupJSONField(next, parts[j:], want); ok {
			return got, true
		} else if deepest == v {
			deepest = got
		}
	}
	// A map key or a list element the path leaves out.
	var it interface {
		Next() bool
		Value() cue.Value
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		if fields, err := v.Fields(); err == nil {
			it = fields
		}
	case cue.ListKind:
		if elts, err := v.List(); err == nil {
			it = &elts
		}
	}
	for it != nil && it.Next() {
		if got, ok := lookupJSONField(it.Value(), parts, want); ok {
			return got, true
		}
	}
	return deepest, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PackageClash turns cue/load's "found packages" error, which names
// absolute paths and no position, into one error per file of mp.Dir that
// is not of package want, at its package clause.
func PackageClash(root, want string, mp *load.MultiplePackageError) error {
	var errs cueerrors.Error
	for i, name := range mp.Packages {
		if name == want || i >= len(mp.Files) {
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
		relDir, _ := filepath.Rel(root, mp.Dir)
		relDir = filepath.ToSlash(relDir)
		errs = cueerrors.Append(errs, cueerrors.Newf(pos, "%s declares package %s, but every file of ./%s must be package %s: change its package clause or move the file out of %s/", filepath.ToSlash(rel), name, relDir, want, relDir))
	}
	if errs == nil {
		return mp
	}
	return errs
}

// EnvNames returns the environments the model at dir defines, read from
// its files without evaluating them (shell completion uses it); nil when
// the files do not say them plainly (environments made by a
// comprehension, say) or do not parse.
func EnvNames(dir string) []string {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	inst, err := parse(root)
	if err != nil {
		return nil
	}
	defined, ok := keepEnvironments(inst.Files, func(string) bool { return true })
	if !ok {
		return nil
	}
	sort.Strings(defined)
	return defined
}
