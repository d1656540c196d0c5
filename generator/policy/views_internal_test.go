package policy

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
)

// TestViewKeepsOnlyItsRules builds a view of a package whose rules are
// written both ways (rules: NAME: and rules: {...}) and checks that it holds
// the rules kept and what is not a rule, not the others, and that the
// package's syntax is given back whole.
func TestViewKeepsOnlyItsRules(t *testing.T) {
	src := `package policies
env: _
let _n = len(env.services)
rules: [string]: {description: string}
rules: a: {description: "a", count: _n}
rules: {
	b: {description: "b"}
	c: {description: "c", count: _n}
}
_helper: 1
`
	inst := build.NewContext().NewInstance("", nil)
	if err := inst.AddFile("rules.cue", src); err != nil {
		t.Fatal(err)
	}
	if err := inst.Complete(); err != nil {
		t.Fatal(err)
	}
	ctx := cuecontext.New()
	full := ctx.BuildInstance(inst)
	if err := full.Err(); err != nil {
		t.Fatal(err)
	}
	view := buildView(ctx, inst, map[string]bool{"c": true})
	if err := view.Err(); err != nil {
		t.Fatal(err)
	}
	has := func(v cue.Value, p string) bool { return v.LookupPath(cue.ParsePath(p)).Exists() }
	for p, want := range map[string]bool{"rules.a": false, "rules.b": false, "rules.c": true, "_helper": true, "env": true} {
		if got := has(view, p); got != want {
			t.Errorf("view: %s exists = %v, want %v", p, got, want)
		}
	}
	filled := view.Unify(ctx.CompileString(`env: services: {x: 1, y: 2}`))
	if n, err := filled.LookupPath(cue.ParsePath("rules.c.count")).Int64(); err != nil || n != 2 {
		t.Errorf("view's rule c reading a let of the file: %d, %v; want 2", n, err)
	}
	again := ctx.BuildInstance(func() *build.Instance { cp := *inst; return &cp }())
	for _, p := range []string{"rules.a", "rules.b", "rules.c"} {
		if !has(again, p) {
			t.Errorf("the package's syntax lost %s after the view was built", p)
		}
	}
}
