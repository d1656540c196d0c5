package policy

import (
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"

	"cuelang.org/go/cue/cuecontext"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Runner checks environments against the policies of a module while a
// build goes on. Check may be called from several goroutines at once (the
// loader's workers, each as it resolves an environment): each call takes a
// Set of its own, in a CUE context of its own, from a pool that holds at
// most one per concurrent caller. CUE values are not safe for concurrent
// use; a Set touches the model's context only for violation positions,
// under the lock of its environment (Loader.Pos).
type Runner struct {
	root  string
	ld    Loader
	pool  chan *Set
	mu    sync.Mutex
	first *Set
	found []Violation
	// loadErr stops the policies from loading, err a check.
	loadErr, err error
}

// Start returns a Runner for the policies of the module at root, which ld
// loads at the first Check.
func Start(root string, ld Loader) *Runner {
	abs, err := filepath.Abs(root)
	return &Runner{root: abs, ld: ld, pool: make(chan *Set, runtime.GOMAXPROCS(0)+1), loadErr: err}
}

// get takes an idle Set, or loads one.
func (r *Runner) get() (s *Set, err error) {
	select {
	case s := <-r.pool:
		return s, nil
	default:
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error loading the policies, please report it: %v\n%s", p, debug.Stack())
		}
	}()
	s, err = loadSet(r.root, r.ld, cuecontext.New())
	if err == nil {
		r.mu.Lock()
		if r.first == nil {
			r.first = s
		}
		r.mu.Unlock()
	}
	return s, err
}

// put gives a Set back to the pool (or lets it go when the pool is full).
func (r *Runner) put(s *Set) {
	select {
	case r.pool <- s:
	default:
	}
}

// Check checks a resolved environment, which must not change afterwards,
// against the rules that read the environment alone.
func (r *Runner) Check(env *model.Environment) {
	r.run(env, func(s *Set) ([]Violation, error) { return s.Check(env) })
}

// CheckOutput checks an environment against the rules over the output,
// given what the targets generated for it (target.Output.Objects by target
// name; nil when nothing was generated). Call it once Check is done with
// env.
func (r *Runner) CheckOutput(env *model.Environment, objects map[string][]target.Object) {
	r.run(env, func(s *Set) ([]Violation, error) { return s.CheckOutput(env, objects) })
}

func (r *Runner) run(env *model.Environment, check func(*Set) ([]Violation, error)) {
	r.mu.Lock()
	failed := r.err != nil || r.loadErr != nil
	r.mu.Unlock()
	if failed {
		return
	}
	s, err := r.get()
	if err != nil {
		r.mu.Lock()
		if r.loadErr == nil {
			r.loadErr = err
		}
		r.mu.Unlock()
		return
	}
	vs, err := r.check(s, env, check)
	r.put(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return
	}
	r.found = append(r.found, vs...)
}

func (r *Runner) check(s *Set, env *model.Environment, check func(*Set) ([]Violation, error)) (vs []Violation, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error checking the policies for %s, please report it: %v\n%s", env.Name, p, debug.Stack())
		}
	}()
	return check(s)
}

// Finish returns the report of the checked environments. Errors come in
// the order Run gives them: the policies package, then the environment
// names of the severities, then the rules. Call it when no Check is under
// way.
func (r *Runner) Finish(m *model.Model) (*Report, error) {
	if r.loadErr != nil {
		return nil, r.loadErr
	}
	s := r.first
	if s == nil {
		var err error
		if s, err = r.get(); err != nil {
			return nil, err
		}
	}
	if err := s.readRules(); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	rep := &Report{}
	rep.Add(r.found...)
	return rep, nil
}

// Stop lets the Runner go; a build stops it when loading fails. It is
// kept for the callers that deferred it: a Runner holds no goroutine.
func (r *Runner) Stop() {}
