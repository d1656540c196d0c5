package review

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
)

// modelOnly records in rep, for each of envs that both models resolve,
// the model's changes from old to new: envs are the environments none of
// whose files changed, so a change here is one without effect on them.
func modelOnly(rep *diff.Report, old, new *model.Model, envs []string) {
	for _, name := range envs {
		o, n := old.Envs[name], new.Envs[name]
		if o == nil || n == nil {
			continue
		}
		changes, err := diff.CompareModels(o, n)
		if err != nil || len(changes) == 0 {
			continue // nothing to say, or nothing sure to say
		}
		rep.ModelOnly = append(rep.ModelOnly, diff.ModelChanges{Env: name, Changes: changes})
	}
}

// touched are the environments the report's objects belong to.
func touched(rep *diff.Report) []string {
	var out []string
	for _, e := range rep.Envs {
		if !slices.Contains(rep.Unchanged(), e.Name) {
			out = append(out, e.Name)
		}
	}
	return out
}

// headModel returns the model of envs that out/ was built from, when that
// is sure: out/ is as committed at git HEAD (so it is HEAD's output, which
// degen check keeps true). That is cur itself when the model's files are
// as committed too, else the model at HEAD. It returns nil and known false
// otherwise: outside a git repository, when out/ differs from HEAD, or
// when HEAD's model does not load.
func headModel(req Request, cur *model.Model, envs []string) (m *model.Model, known bool) {
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return nil, false
	}
	out, err := filepath.Abs(req.Out)
	if err != nil {
		return nil, false
	}
	if st, err := git(dir, "status", "--porcelain", "--", out); err != nil || st != "" {
		return nil, false
	}
	spec := []string{"status", "--porcelain", "--", "."}
	if rel, err := filepath.Rel(dir, out); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		spec = append(spec, ":(exclude)"+filepath.ToSlash(rel))
	}
	st, err := git(dir, spec...)
	if err != nil {
		return nil, false
	}
	if st == "" {
		return cur, true
	}
	var head *model.Model
	err = atRevision("HEAD", dir, func(tmp string) error {
		head, err = load.Load(load.Options{Dir: tmp, Envs: envs})
		return err
	})
	if err != nil {
		return nil, false
	}
	return head, true
}
