// Package load evaluates a degen CUE module and decodes its environments into
// the typed model. Every error it returns is a CUE error list whose entries
// keep their source positions; print it with Format.
package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
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

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/suggest"
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
	// goroutine and must not block for long. The base and the environments
	// its untagged files define share a CUE context; a goroutine of the
	// caller reads their CUE values only under the context's lock (EnvValue
	// takes it). After an error Load returns, the
	// environments already given are not a valid model.
	Resolved func(env *model.Environment, base bool)
	// Plan, when set, is Scan's plan of the files, so that a caller that
	// scanned them (to key a cache) does not scan again.
	Plan *Plan
	// Visit, when set, is given each resolved environment (not the base)
	// on the goroutine that evaluated it, before Resolved, while its CUE
	// context is live: environments are visited concurrently, and a
	// visitor that reads values (EnvValue) costs no second
	// evaluation.
	Visit func(env *model.Environment)
	// Keep keeps every CUE context until the model is dropped. Otherwise
	// an instance's context is let go once its environments are visited,
	// so that the build's memory holds about one context per worker, and
	// a value asked for later (EnvValue) evaluates the instance again
	// (once); positions come from the syntax trees and need none.
	Keep bool
	// Skip names environments the caller already has (from a cache):
	// their instances are not evaluated, and they are not in the returned
	// model. The base is always evaluated.
	Skip map[string]bool
	// Overlay holds files (slash paths relative to Dir) read in place of
	// the repository's: an edit evaluated before it is written (degen
	// promote). An overlaid file must exist in the repository and keep its
	// @if: the plan of the instances is read from the repository.
	Overlay map[string][]byte

	// trees keep the syntax trees of the files the instances parse.
	trees *Trees
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
// Each environment is its own CUE instance (see Plan): the untagged files of
// envs/ and the environment's own. The base is #Base of the untagged
// files: read from the first environment's instance when nothing there can
// change it (baseFromEnv), else from the instance of the untagged files
// alone. Each instance is evaluated in a CUE context of its own, up to
// GOMAXPROCS at a time, and handed to opts.Resolved as soon as it is decoded
// and checked. An instance that fails does not stop the others: the error
// lists every failing environment's errors, each at its own positions.
func Load(opts Options) (*model.Model, error) {
	root, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "cue.mod")); err != nil {
		return nil, fmt.Errorf("%s is not a degen model: no cue.mod directory (run degen in the repository root, pass --dir, or start a model with degen init)", opts.Dir)
	}
	// Every file of the model is read through this view, confined to the
	// root (and so are the files it embeds), for as long as the model's
	// values may be evaluated again.
	repo, err := OpenRepo(root)
	if err != nil {
		return nil, err
	}
	if err := CheckModule(repo, root); err != nil {
		return nil, err
	}
	plan := opts.Plan
	if plan == nil {
		if plan, err = scan(repo, root); err != nil {
			return nil, err
		}
	}
	var want []string
	if opts.Envs != nil {
		want = slices.Clone(opts.Envs)
		sort.Strings(want)
	}
	// The base instance also resolves the environments the untagged files
	// define.
	jobs := []string{""}
	for _, name := range plan.Names() {
		if (want == nil || slices.Contains(want, name)) && !opts.Skip[name] {
			jobs = append(jobs, name)
		}
	}
	opts.trees = newTrees(root)
	results := make(chan *instanceResult, len(jobs))
	go evalAll(repo, root, jobs, plan, want, &opts, results)
	m := &model.Model{Root: root, Envs: map[string]*model.Environment{}}
	var errs, baseErrs cueerrors.Error
	var untagged []string
	baseOK, baseFailed := false, false
	var envsPos token.Pos
	// Results come in the order the instances finish; the model and the
	// error list do not depend on it (errors are sorted by Sanitize).
	for range jobs {
		r := <-results
		if r.err != nil {
			baseErrs = cueerrors.Append(baseErrs, cueerrors.Promote(r.err, ""))
		} else if r.name == "" {
			m.Base = r.env
			if opts.Resolved != nil {
				opts.Resolved(r.env, true)
			}
		}
		if r.name == "" && r.listed {
			baseOK, untagged, envsPos = true, r.defined, r.envsPos
		}
		baseFailed = baseFailed || r.evalFailed
		for _, env := range r.envs {
			m.Envs[env.Name] = env
			if opts.Resolved != nil {
				opts.Resolved(env, false)
			}
		}
		for _, name := range model.SortedKeys(r.errs) {
			errs = cueerrors.Append(errs, cueerrors.Promote(r.errs[name], ""))
		}
	}
	if baseOK {
		m.Defined = plan.Known(untagged)
		for _, name := range want {
			if !slices.Contains(m.Defined, name) {
				return nil, &UnknownEnvError{Name: name, Known: m.Defined}
			}
		}
		// An error evaluating the base (a refused @embed in #Base, say)
		// is why, when there is one.
		if errs == nil && !baseFailed && len(m.Defined) == 0 {
			return nil, cueerrors.Newf(envsPos, "the model defines no environments: add one in envs/, e.g. environments: dev: {artefacts: [\"compose\"]}")
		}
	}
	if errs == nil {
		// The base's errors are the environments' own (each is #Base
		// and a delta), where they have a position: they are reported
		// alone only when no environment failed.
		errs = baseErrs
	}
	if errs != nil {
		return nil, &treesError{err: cueerrors.Sanitize(errs), trees: opts.trees}
	}
	return m, nil
}

// instanceResult is what one instance resolved: the base (name "") with
// the environments the untagged files define, or one environment.
type instanceResult struct {
	name string
	env  *model.Environment // the base, for the base instance
	// envs are the requested environments it resolved, in name order,
	// and errs the errors of those that failed, by name.
	envs    []*model.Environment
	errs    map[string]error
	defined []string
	envsPos token.Pos
	// listed says that defined is known: the instance evaluated.
	listed bool
	// evalFailed says that the instance's evaluation failed as a whole
	// (err holds why).
	evalFailed bool
	// err stops the instance as a whole.
	err error
}

// evalAll evaluates the instances named by jobs ("" the base), each in a
// CUE context of its own, up to GOMAXPROCS at once, sending each result on
// out as it is done.
func evalAll(repo *repofs.Repo, root string, jobs []string, plan *Plan, want []string, opts *Options, out chan<- *instanceResult) {
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	// The first environment's instance also gives the base when it can
	// (baseFromEnv); else its worker evaluates the base instance next.
	withBase := len(jobs) > 1
	for i, name := range jobs {
		if name == "" && withBase {
			continue
		}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			if name == "" {
				out <- evalBase(repo, root, want, plan, opts)
				return
			}
			r, base := evalEnv(repo, root, name, plan, opts, withBase && i == 1)
			out <- r
			if withBase && i == 1 {
				if base == nil {
					base = evalBase(repo, root, want, plan, opts)
				}
				out <- base
			}
		}()
	}
}

// evalBase evaluates the untagged files: the base, and the environments
// of want (all when want is nil) that they define, no @if tags and skip
// does not name.
func evalBase(repo *repofs.Repo, root string, want []string, plan *Plan, opts *Options) *instanceResult {
	skip := opts.Skip
	r := &instanceResult{errs: map[string]error{}}
	v, _, reads, built, evalErr := evalInstanceFiles(repo, root, nil, opts.trees, opts.Overlay)
	if !built {
		r.err = evalErr
		return r
	}
	envsV := v.LookupPath(cue.ParsePath(model.PathEnvironments))
	if envsV.Exists() {
		r.envsPos = envsV.Pos()
	} else {
		r.envsPos = v.Pos()
	}
	names, err := envNames(envsV)
	if err != nil {
		r.err = err
		return r
	}
	for _, n := range names {
		if !plan.IsTagged(n) {
			r.defined = append(r.defined, n)
		}
	}
	r.listed = true
	// The errors of a tagged environment are its own instance's to report.
	var shared cueerrors.Error
	for _, e := range cueerrors.Errors(evalErr) {
		switch env := errEnv(e); {
		case env == "":
			shared = cueerrors.Append(shared, e)
		case slices.Contains(r.defined, env) && (want == nil || slices.Contains(want, env)) && !skip[env]:
			// An untagged environment asked for; the others' errors
			// are not this build's.
			r.errs[env] = cueerrors.Append(asList(r.errs[env]), e)
		}
	}
	if shared != nil {
		r.err, r.evalFailed = shared, true
		return r
	}
	mu := &sync.Mutex{}
	for _, n := range r.defined {
		if want != nil && !slices.Contains(want, n) || skip[n] || r.errs[n] != nil {
			continue
		}
		env, err := resolveEnv(root, envsV, n, mu, opts.trees)
		if err != nil {
			r.errs[n] = err
			continue
		}
		setReads(env, reads)
		setTrees(env, opts.trees)
		setReload(env, func() cue.Value { return reloadEnv(repo, root, nil, n, opts.Overlay) })
		if opts.Visit != nil {
			opts.Visit(env)
		}
		r.envs = append(r.envs, env)
	}
	base, err := decodeBase(v, root)
	if err != nil {
		r.err = err
		return r
	}
	setBaseSource(repo, root, base, mu, reads, opts)
	r.env = base
	if !opts.Keep {
		dropValue(base)
		for _, env := range r.envs {
			dropValue(env)
		}
	}
	return r
}

// setBaseSource records where the base's value comes from: the context mu
// guards, the files read, and how it is evaluated again (its instance).
func setBaseSource(repo *repofs.Repo, root string, base *model.Environment, mu *sync.Mutex, reads []string, opts *Options) {
	base.Root = root
	setLock(base, mu)
	setReads(base, reads)
	setTrees(base, opts.trees)
	setReload(base, func() cue.Value {
		v, built, _ := evalInstance(repo, root, nil, opts.Overlay)
		if !built {
			return cue.Value{}
		}
		return baseValue(v)
	})
}

// reloadEnv evaluates environment name of the instance tags select again.
func reloadEnv(repo *repofs.Repo, root string, tags []string, name string, overlay map[string][]byte) cue.Value {
	v, built, _ := evalInstance(repo, root, tags, overlay)
	if !built {
		return cue.Value{}
	}
	return v.LookupPath(cue.MakePath(cue.Str(model.PathEnvironments), cue.Str(name)))
}

// evalEnv evaluates the instance of the tagged environment name and, when
// withBase is set and it can (baseFromEnv), reads the base from it.
func evalEnv(repo *repofs.Repo, root, name string, plan *Plan, opts *Options, withBase bool) (r, base *instanceResult) {
	r = &instanceResult{name: name, errs: map[string]error{}}
	v, files, reads, built, err := evalInstanceFiles(repo, root, []string{model.EnvTag(name)}, opts.trees, opts.Overlay)
	if !built {
		r.errs[name] = err
		return r, nil
	}
	if stray := strayEnvs(root, name, files, plan.Tagged[name]); stray != nil {
		r.errs[name] = stray
		return r, nil
	}
	// An untagged file may define other environments: their errors are
	// the base instance's (or their own instance's) to report.
	var own cueerrors.Error
	for _, e := range cueerrors.Errors(err) {
		if env := errEnv(e); env == "" || env == name {
			own = cueerrors.Append(own, e)
		}
	}
	if own != nil {
		r.errs[name] = own
		return r, nil
	}
	envsV := v.LookupPath(cue.ParsePath(model.PathEnvironments))
	if !envsV.LookupPath(cue.MakePath(cue.Str(name))).Exists() {
		r.errs[name] = cueerrors.Newf(plan.tagPos[name], "@if(%s): no file of environment %s defines environments: %s: add environments: %s: {...} to one of them, or remove the @if", model.EnvTag(name), name, name, name)
		return r, nil
	}
	mu := &sync.Mutex{}
	env, err := resolveEnv(root, envsV, name, mu, opts.trees)
	if err != nil {
		r.errs[name] = err
		return r, nil
	}
	if withBase {
		base = baseFromEnv(repo, root, name, v, files, reads, plan, opts, mu)
	}
	setReads(env, reads)
	setTrees(env, opts.trees)
	setReload(env, func() cue.Value { return reloadEnv(repo, root, []string{model.EnvTag(name)}, name, opts.Overlay) })
	if opts.Visit != nil {
		opts.Visit(env)
	}
	if !opts.Keep {
		dropValue(env)
	}
	r.envs = []*model.Environment{env}
	return r, base
}

// evalInstance loads the files of envs/ that tags select and evaluates
// them in a new CUE context. built is false when they could not be loaded
// (err says why); otherwise err holds the evaluation's errors, if any.
// overlay's files are read in place of the repository's (Options.Overlay).
func evalInstance(repo *repofs.Repo, root string, tags []string, overlay map[string][]byte) (v cue.Value, built bool, err error) {
	v, _, _, built, err = evalInstanceFiles(repo, root, tags, nil, overlay)
	return v, built, err
}

// evalInstanceFiles is evalInstance, with the CUE files it parsed and the
// repository files it read (CUE files and the files they embed, paths
// relative to root, sorted). A read the view refused is reported at the
// @embed that asked for it.
func evalInstanceFiles(repo *repofs.Repo, root string, tags []string, trees *Trees, overlay map[string][]byte) (v cue.Value, files []*ast.File, reads []string, built bool, err error) {
	ref := newRefusals()
	log := newReadLog(ref)
	inst, err := parseOverlay(repo, root, tags, log, overlay)
	if err != nil {
		return cue.Value{}, nil, nil, false, err
	}
	trees.add(inst)
	v = cuecontext.New().BuildInstance(inst)
	err = embedErrors(v.Err(), root, ref)
	if typos := misspelt(inst.Files); typos != nil {
		err = cueerrors.Append(typos, asList(err))
	}
	return v, inst.Files, log.Files(), true, err
}

// misspelt returns an error at each top-level field of files whose name is
// a misspelling of environments: CUE takes it for a field of the model's
// own, and the environments it holds would silently never be built.
func misspelt(files []*ast.File) cueerrors.Error {
	var errs cueerrors.Error
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			n, ok := labelName(fd.Label)
			if !ok || n == model.PathEnvironments || len(suggest.Closest(n, []string{model.PathEnvironments})) == 0 {
				continue
			}
			errs = cueerrors.Append(errs, cueerrors.Newf(fd.Label.Pos(), "%s is not a field degen reads, so the environments under it would never be built: did you mean %s?", n, model.PathEnvironments))
		}
	}
	return errs
}

// errEnv is the environment an error's path lies in, or "".
func errEnv(e cueerrors.Error) string {
	p := e.Path()
	if len(p) > 1 && p[0] == model.PathEnvironments {
		return p[1]
	}
	return ""
}

// asList is err as an error list (nil for nil).
func asList(err error) cueerrors.Error {
	var list cueerrors.Error
	if err != nil {
		list = cueerrors.Promote(err, "")
	}
	return list
}

// resolveEnv decodes and checks environment name of envsV, whose context
// mu guards; the validator's positions are looked up in trees.
func resolveEnv(root string, envsV cue.Value, name string, mu *sync.Mutex, trees *Trees) (*model.Environment, error) {
	envV := envsV.LookupPath(cue.MakePath(cue.Str(name)))
	if !envV.Exists() {
		return nil, cueerrors.Newf(token.NoPos, "environment %s: no file defines environments: %s: its files carry @if(%s) but say nothing of it (add environments: %s: {...} to one of them)", name, name, model.EnvTag(name), name)
	}
	env, err := decodeEnv(envV)
	if err != nil {
		return nil, err
	}
	env.Root = root
	setLock(env, mu)
	setTrees(env, trees)
	if err := Validate(env); err != nil {
		return nil, err
	}
	return env, nil
}

// parse loads the files of the model package that tags select.
func parse(repo *repofs.Repo, root string, tags []string, log *readLog) (*build.Instance, error) {
	return parseOverlay(repo, root, tags, log, nil)
}

// parseOverlay is parse reading overlay's files in place of the
// repository's (Options.Overlay).
func parseOverlay(repo *repofs.Repo, root string, tags []string, log *readLog, overlay map[string][]byte) (*build.Instance, error) {
	m := newModelFS(repo, root, log)
	m.extra = overlay
	cfg := m.config("/")
	cfg.Tags = tags
	insts := load.Instances([]string{model.EnvsPackage}, cfg)
	m.parsed.Store(true)
	if len(insts) != 1 {
		return nil, fmt.Errorf("loading %s: expected one package, found %d", model.EnvsPackage, len(insts))
	}
	if err := insts[0].Err; err != nil {
		var mp *load.MultiplePackageError
		if errors.As(err, &mp) {
			return nil, PackageClash(repo, root, "envs", mp)
		}
		var nf *load.NoFilesError
		if errors.As(err, &nf) || strings.Contains(err.Error(), "matched no packages") {
			dir := path.Clean(model.EnvsPackage)
			return nil, diag.List{{Source: model.SourceModel, Code: "no-model-files", Pos: diag.Pos{File: "./" + dir},
				Severity: diag.Error, Message: fmt.Sprintf("%s/ holds no CUE file of package %s, so there is no model to build", dir, dir),
				Hint: fmt.Sprintf("put the model's files in %s/ (degen init writes %s/stack.cue), or run degen in the model's root (--dir)", dir, dir)}}
		}
		return nil, err
	}
	return insts[0], nil
}

// baseValue is the base of the evaluated untagged instance v: #Base named
// base.
func baseValue(v cue.Value) cue.Value {
	return v.LookupPath(cue.ParsePath(model.PathBase)).Unify(v.Context().CompileString(fmt.Sprintf("{name: %q}", model.BaseName)))
}

func decodeBase(v cue.Value, root string) (*model.Environment, error) {
	def := v.LookupPath(cue.ParsePath(model.PathBase))
	if !def.Exists() {
		return nil, cueerrors.Newf(v.Pos(), "the model has no %s definition: envs/ must define the environment every environment unifies with", model.PathBase)
	}
	env, err := decodeEnv(baseValue(v))
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
		s.ImagePinned = model.ImagePinned(s.Image)
		if len(s.Networks) == 0 && s.NetworkMode == "" {
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
	var path []string
	for _, s := range at.Path().Selectors() {
		path = append(path, s.String())
	}
	// No position: the formatter's locator finds the line from the path.
	return &pathError{path: path, msg: what}
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

// PackageClash turns cue/load's "found packages" error, which names
// absolute paths and no position, into one error per file of mp.Dir that
// is not of package want, at its package clause.
func PackageClash(repo *repofs.Repo, root, want string, mp *load.MultiplePackageError) error {
	var errs cueerrors.Error
	// In FS mode mp.Dir is a path of the FS: "/envs".
	dir := mp.Dir
	if !strings.HasPrefix(dir, root+string(filepath.Separator)) {
		dir = filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(dir, "/")))
	}
	for i, name := range mp.Packages {
		if name == want || i >= len(mp.Files) {
			continue
		}
		file := filepath.Join(dir, mp.Files[i])
		pos := token.NoPos
		rel, _ := filepath.Rel(root, file)
		src, err := repo.ReadFile(filepath.ToSlash(rel))
		if err != nil {
			src = []byte{} // never read from the host: no position
		}
		if f, err := parser.ParseFile(file, src, parser.PackageClauseOnly); err == nil && f.PackageName() != "" {
			for _, d := range f.Decls {
				if pkg, ok := d.(*ast.Package); ok {
					pos = pkg.Pos()
				}
			}
		}
		relDir, _ := filepath.Rel(root, dir)
		relDir = filepath.ToSlash(relDir)
		errs = cueerrors.Append(errs, cueerrors.Newf(pos, "%s declares package %s, but every file of ./%s must be package %s: change its package clause or move the file out of %s/", filepath.ToSlash(rel), name, relDir, want, relDir))
	}
	if errs == nil {
		return mp
	}
	return errs
}

// EnvNames returns the environments the model at dir defines, read from
// its files without evaluating them (shell completion uses it): those its
// files tag with @if and those its untagged files name plainly; nil when
// the files do not parse.
func EnvNames(dir string) []string {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	repo, err := OpenRepo(root)
	if err != nil {
		return nil
	}
	defer repo.Close()
	plan, err := scan(repo, root)
	if err != nil {
		return nil
	}
	inst, err := parse(repo, root, nil, nil)
	if err != nil {
		return nil
	}
	return plan.Known(declaredEnvs(inst.Files))
}
