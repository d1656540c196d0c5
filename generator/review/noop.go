package review

import (
	"path/filepath"
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

// sinceHead returns the model of envs as committed at HEAD when comparing
// out/ with the work tree's model can hide a model change: out/ is as
// committed at HEAD (so it is HEAD's output, which degen check keeps true)
// while the model's files are not. It returns nil otherwise, outside a git
// repository, or when HEAD's model does not load: then there is nothing
// sure to say.
func sinceHead(req Request, envs []string) *model.Model {
	dir, err := filepath.Abs(req.Dir)
	if err != nil {
		return nil
	}
	out, err := filepath.Abs(req.Out)
	if err != nil {
		return nil
	}
	if st, err := git(dir, "status", "--porcelain", "--", out); err != nil || st != "" {
		return nil
	}
	spec := []string{"status", "--porcelain", "--", "."}
	if rel, err := filepath.Rel(dir, out); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		spec = append(spec, ":(exclude)"+filepath.ToSlash(rel))
	}
	if st, err := git(dir, spec...); err != nil || st == "" {
		return nil
	}
	var head *model.Model
	err = atRevision("HEAD", dir, func(tmp string) error {
		head, err = load.Load(load.Options{Dir: tmp, Envs: envs})
		return err
	})
	if err != nil {
		return nil
	}
	return head
}
