package policy

import (
	"fmt"
	"path/filepath"
	"runtime/debug"

	"cuelang.org/go/cue/cuecontext"

	"github.com/degen-dev/degen/generator/model"
)

// Runner checks environments against the policies of a module in a
// goroutine and a CUE context of its own, so that a build loads the model
// and generates files while the rules run. CUE values are not safe for
// concurrent use; the Runner never touches the model's context except for
// violation positions, under the lock load.EnvValue takes.
type Runner struct {
	queue chan *model.Environment
	done  chan struct{}
	set   *Set
	found []Violation
	err   error
}

// Start loads the policies of the module at root and returns at once;
// Check queues environments, Finish waits for the report.
func Start(root string) *Runner {
	r := &Runner{queue: make(chan *model.Environment, 16), done: make(chan struct{})}
	go r.run(root)
	return r
}

func (r *Runner) run(root string) {
	defer close(r.done)
	// Positions are printed relative to the module root, as load does.
	abs, err := filepath.Abs(root)
	if err == nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("internal error loading the policies, please report it: %v\n%s", p, debug.Stack())
				}
			}()
			r.set, err = loadSet(abs, cuecontext.New())
		}()
	}
	r.err = err
	for env := range r.queue {
		if r.err != nil {
			continue
		}
		vs, err := r.check(env)
		if err != nil {
			r.err = err
			continue
		}
		r.found = append(r.found, vs...)
	}
}

// check runs the rules on env, turning a panic (CUE has had them) into an
// error: in this goroutine it would end the process unreported.
func (r *Runner) check(env *model.Environment) (vs []Violation, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error checking the policies for %s, please report it: %v\n%s", env.Name, p, debug.Stack())
		}
	}()
	return r.set.Check(env)
}

// Check queues a resolved environment. The environment must not change
// afterwards.
func (r *Runner) Check(env *model.Environment) { r.queue <- env }

// Finish waits for the queued checks and returns the report of m's loaded
// environments. Errors come in the order Run gives them: the policies
// package, then the environment names of the severities, then the rules.
func (r *Runner) Finish(m *model.Model) (*Report, error) {
	r.Stop()
	if r.set == nil {
		return nil, r.err
	}
	if err := r.set.readRules(); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	rep := &Report{}
	rep.Add(r.found...)
	return rep, nil
}

// Stop waits for the Runner's goroutine to end, dropping what it found; a
// build stops it when loading fails. Stop may be called more than once.
func (r *Runner) Stop() {
	select {
	case <-r.done:
		return
	default:
	}
	close(r.queue)
	<-r.done
}
