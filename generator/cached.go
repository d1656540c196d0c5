package generator

import (
	"slices"
	"sort"

	"github.com/degen-dev/degen/generator/cache"
	"github.com/degen-dev/degen/generator/internal/chartlock"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
)

// cached is what a build takes from its cache: the keys of its instances
// ("" is the base's) and the entries found for them.
type cached struct {
	c    *cache.Cache
	plan *load.Plan
	keys map[string]string
	base *cache.Entry
	envs map[string]*cache.Entry
}

// lookup keys every instance the build reads and finds their entries. An
// entry is not used while one of its secret variables is set (the leak
// check must look for its value), nor an untagged environment without the
// base: the base instance resolves both.
func lookup(c *cache.Cache, plan *load.Plan, opts Options) *cached {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	usable := func(e *cache.Entry) *cache.Entry {
		if e == nil {
			return nil
		}
		for _, v := range e.SecretVars {
			if getenv(v) != "" {
				return nil
			}
		}
		return e
	}
	st := &cached{c: c, plan: plan, keys: map[string]string{}, envs: map[string]*cache.Entry{}}
	st.keys[""] = c.Key("", func(rel string) bool { return plan.Excluded("", rel) })
	st.base = usable(c.Load(st.keys[""]))
	want := opts.Envs
	if want == nil {
		want = plan.Names()
		if st.base != nil {
			want = plan.Known(st.base.Defined)
		}
	}
	for _, name := range want {
		st.keys[name] = st.key(name)
		if !plan.IsTagged(name) && st.base == nil {
			continue
		}
		if e := usable(c.Load(st.keys[name])); e != nil && e.Env.Name == name {
			st.envs[name] = e
		}
	}
	return st
}

// key is the key of environment name: its own instance when its files
// are tagged, else the base instance that defines it.
func (st *cached) key(name string) string {
	if st.plan.IsTagged(name) {
		return st.c.Key(name, func(rel string) bool { return st.plan.Excluded(name, rel) })
	}
	return st.c.Key("untagged "+name, func(rel string) bool { return st.plan.Excluded("", rel) })
}

// store gives the cache what the build evaluated: each fresh
// environment's files, warnings and violations (before acknowledgements),
// and the base when it was evaluated. It keeps the build's own entries.
func (st *cached) store(m *model.Model, fresh []string, outs []envOutput, violations []policy.Violation, baseFresh bool) {
	var keep []string
	for _, k := range st.keys {
		keep = append(keep, k)
	}
	defer st.c.Prune(keep)
	if baseFresh && m.Base != nil {
		var untagged []string
		for _, n := range m.Defined {
			if !st.plan.IsTagged(n) {
				untagged = append(untagged, n)
			}
		}
		if st.c.Store(&cache.Entry{Key: st.keys[""], Env: m.Base, Defined: untagged, SecretVars: secretVars(m.Base), Inputs: inputs(st.c, m.Root, m.Base)}) != nil {
			return
		}
	}
	for _, o := range outs {
		if !slices.Contains(fresh, o.env) || o.err != nil {
			continue
		}
		env := m.Envs[o.env]
		key, ok := st.keys[o.env]
		if !ok {
			key = st.key(o.env)
		}
		e := &cache.Entry{Key: key, Env: env, Warnings: o.warnings, SecretVars: secretVars(env), Inputs: inputs(st.c, m.Root, env)}
		for _, f := range o.files {
			e.Files = append(e.Files, cache.File{File: f.File, By: f.by})
		}
		for _, v := range violations {
			if v.Env == o.env {
				e.Violations = append(e.Violations, v)
			}
		}
		if st.c.Store(e) != nil {
			return
		}
	}
}

// cachedOutput is what a cache entry holds of an environment's output.
func cachedOutput(e *cache.Entry, place target.Place) envOutput {
	o := envOutput{env: e.Env.Name, place: place, warnings: e.Warnings}
	for _, f := range e.Files {
		o.files = append(o.files, made{f.File, f.By})
	}
	return o
}

// secretVars are the shell variables of env's secrets, sorted.
func secretVars(env *model.Environment) []string {
	var out []string
	for _, s := range env.Secrets {
		out = append(out, s.EnvVar)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// inputs are the files a build of env reads that the cache's keys do not
// cover, with their hashes: the files its instance read besides the
// model's regular .cue files (the files they embed, CUE files reached
// through a link), the Helm charts of its components and the repository
// files its services mount (config file), so that editing one invalidates
// the cached result.
func inputs(c *cache.Cache, root string, env *model.Environment) map[string]string {
	out := map[string]string{}
	for _, rel := range load.Reads(env) {
		if !c.Keyed(rel) {
			out[rel] = cache.HashPath(root, rel)
		}
	}
	for _, c := range env.Components {
		if chartlock.Remote(c.Chart) {
			out[chartlock.LockFile] = cache.HashPath(root, chartlock.LockFile)
			continue
		}
		out[c.Chart] = cache.HashPath(root, c.Chart)
	}
	for _, s := range env.Services {
		for _, mnt := range s.Mounts {
			if mnt.File != "" {
				out[mnt.File] = cache.HashPath(root, mnt.File)
			}
		}
	}
	return out
}
