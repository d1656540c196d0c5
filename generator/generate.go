// Package generator compiles a degen model into files: load the CUE module,
// resolve environments, run every target an environment asks for, and
// return the files in memory. Only the CLI writes them (package writer).
package generator

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/target"
)

// Result is the output of a generation run.
type Result struct {
	// Files maps a path relative to out/ to its content.
	Files map[string][]byte
	// Owners maps a path to the environments that generated it, sorted.
	Owners map[string][]string
	// Envs are the environments generated, sorted.
	Envs []string
	// Warnings are sorted by environment, target and subject.
	Warnings []target.Warning
	// Policy is the policy report when Options.Policies is set.
	Policy *policy.Report
}

// Paths returns the generated paths, sorted.
func (r *Result) Paths() []string { return model.SortedKeys(r.Files) }

// Generate runs targets over the environments of m (all loaded ones when
// envs is nil). A target runs for an environment only when the environment
// lists it in its artefacts.
func Generate(m *model.Model, envs []string, targets []target.Target) (*Result, error) {
	if envs == nil {
		envs = m.EnvNames()
	}
	envs = append([]string(nil), envs...)
	sort.Strings(envs)
	res := &Result{Files: map[string][]byte{}, Owners: map[string][]string{}, Envs: envs}
	shared := map[string]bool{}
	for _, name := range envs {
		env, ok := m.Envs[name]
		if !ok {
			return nil, fmt.Errorf("environment %q was not loaded", name)
		}
		for _, t := range targets {
			if !env.Has(t.Name()) {
				continue
			}
			out, err := t.Generate(target.Input{Env: env, Base: m.Base})
			if err != nil {
				return nil, fmt.Errorf("generating %s for %s: %w", t.Name(), name, err)
			}
			res.Warnings = append(res.Warnings, out.Warnings...)
			for _, f := range out.Files {
				if err := target.CheckPath(f.Path); err != nil {
					return nil, fmt.Errorf("generating %s for %s: %w", t.Name(), name, err)
				}
				if prev, ok := res.Files[f.Path]; ok {
					if !shared[f.Path] || !f.Shared {
						return nil, fmt.Errorf("generating %s for %s: %s is generated twice", t.Name(), name, f.Path)
					}
					if !bytes.Equal(prev, f.Data) {
						return nil, fmt.Errorf("generating %s for %s: shared file %s differs between environments %v and %s", t.Name(), name, f.Path, res.Owners[f.Path], name)
					}
				}
				res.Files[f.Path] = f.Data
				shared[f.Path] = f.Shared
				res.Owners[f.Path] = appendOnce(res.Owners[f.Path], name)
			}
		}
	}
	sort.SliceStable(res.Warnings, func(i, j int) bool {
		a, b := res.Warnings[i], res.Warnings[j]
		if a.Env != b.Env {
			return a.Env < b.Env
		}
		if a.Target != b.Target {
			return a.Target < b.Target
		}
		return a.Subject < b.Subject
	})
	return res, nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
