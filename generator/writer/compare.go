package writer

import (
	"bytes"
	"errors"
	"io/fs"
	"sort"
)

// Drift is how out/ differs from a fresh generation.
type Drift struct {
	Stale   []string // generated content differs from out/
	Missing []string // generated but absent from out/
	Extra   []string // in the index for a built environment, no longer generated
}

// Clean reports whether out/ is up to date.
func (d *Drift) Clean() bool { return len(d.Stale)+len(d.Missing)+len(d.Extra) == 0 }

// Compare reports how out/ differs from the plan without writing anything.
// Files of environments outside the plan's scope are not judged.
func Compare(out string, plan Plan) (*Drift, error) {
	old, err := ReadIndex(out)
	if err != nil {
		return nil, err
	}
	r, err := openOut(out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if r != nil {
		defer r.Close()
	}
	d := &Drift{}
	for _, p := range sortedKeys(plan.Files) {
		var data []byte
		err := fs.ErrNotExist
		if r != nil {
			data, err = r.readRegular(p)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.Missing = append(d.Missing, p)
		case err != nil:
			return nil, err
		case !bytes.Equal(data, plan.Files[p]):
			d.Stale = append(d.Stale, p)
		}
	}
	scope := map[string]bool{}
	for _, e := range plan.Scope {
		scope[e] = true
	}
	for _, p := range sortedKeys(old.Files) {
		if _, ok := plan.Files[p]; ok {
			continue
		}
		for _, e := range old.Files[p].Envs {
			if scope[e] {
				d.Extra = append(d.Extra, p)
				break
			}
		}
	}
	sort.Strings(d.Extra)
	return d, nil
}
