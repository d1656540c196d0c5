package load

import (
	"path/filepath"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/model"
)

// InSchema reports whether p lies in the schema module degen serves (see
// SchemaRoot).
func InSchema(p token.Pos) bool {
	return strings.HasPrefix(filepath.ToSlash(p.Filename()), SchemaRoot+"/")
}

// source is the loader's model.Source: a CUE value and the lock of the
// context it belongs to (nil when one goroutine owns the context). CUE
// values are not safe for concurrent use.
//
// A build drops the value once the environment is checked, so that its
// CUE context can be freed while the others are evaluated (see
// Options.Keep): reload then evaluates the instance again, once, the
// first time the value is asked for (EnvValue: a policy, explain).
// Positions never need it: they are looked up in the syntax trees (Line).
type source struct {
	v  cue.Value
	mu *sync.Mutex
	// reload gives the value again after drop.
	reload  func() cue.Value
	dropped bool
	// reads are the repository files the instance read (see Reads).
	reads []string
	// trees are the syntax trees of the Load's files (see Where).
	trees *Trees
}

func (*source) ModelSource() {}

func (s *source) lock() (unlock func()) {
	if s.mu == nil {
		return func() {}
	}
	s.mu.Lock()
	return s.mu.Unlock
}

// value is the CUE value, evaluated again if it was dropped; call it
// under the lock.
func (s *source) value() cue.Value {
	if s.dropped {
		s.dropped = false
		if s.reload != nil {
			s.v = s.reload()
		}
	}
	return s.v
}

// drop lets the value go; a later value evaluates it again.
func (s *source) drop() {
	defer s.lock()()
	s.v, s.dropped = cue.Value{}, true
}

// setLock records the lock of the context env's value belongs to.
func setLock(env *model.Environment, mu *sync.Mutex) {
	if src, ok := env.Source.(*source); ok {
		src.mu = mu
	}
}

// setReload records how env's value is evaluated again after a drop.
func setReload(env *model.Environment, reload func() cue.Value) {
	if src, ok := env.Source.(*source); ok {
		src.reload = reload
	}
}

// setReads records the repository files env's instance read.
func setReads(env *model.Environment, reads []string) {
	if src, ok := env.Source.(*source); ok {
		src.reads = reads
	}
}

// Reads are the files of the model's repository that the instance which
// resolved env read, paths relative to the model root, sorted: its CUE
// files, those of the packages it imports and the files they embed
// (@embed), as the confined view opened them (a path through a link is
// named as the model named it). nil when Load did not make env.
func Reads(env *model.Environment) []string {
	if src, ok := env.Source.(*source); ok {
		return src.reads
	}
	return nil
}

// dropValue drops env's CUE value (see source).
func dropValue(env *model.Environment) {
	if src, ok := env.Source.(*source); ok {
		src.drop()
	}
}

// EnvValue returns env's CUE value with its context locked; call unlock
// when done with the value. ok is false when Load did not make env.
func EnvValue(env *model.Environment) (v cue.Value, unlock func(), ok bool) {
	return valueOf(env.Source)
}

func valueOf(s model.Source) (cue.Value, func(), bool) {
	src, ok := s.(*source)
	if !ok {
		return cue.Value{}, func() {}, false
	}
	unlock := src.lock()
	return src.value(), unlock, true
}
