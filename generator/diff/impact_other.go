package diff

import (
	"strings"
)

// impactValueLimit caps a value an impact shows.
const impactValueLimit = 80

// terraform: a changed, added or removed variable of a tfvars file.
func (x *impactCtx) terraform() {
	name := strings.TrimPrefix(x.o.ID, "variable ")
	object := "variable " + name
	switch x.o.Status {
	case Added:
		x.add(Variable, object, "added")
	case Removed:
		x.add(Variable, object, "removed: the variable's default applies")
	default:
		if len(x.o.Changes) == 1 && x.o.Changes[0].Field == "" {
			x.add(Variable, object, "%s", clip(arrow(x.o.Changes[0])))
			return
		}
		var fields []string
		for _, c := range x.o.Changes {
			fields = append(fields, c.Field)
		}
		x.add(Variable, object, "changed at %s", clip(strings.Join(fields, ", ")))
	}
}

// compose: docker compose up recreates the container of a service whose
// configuration changed, creates an added one and removes one no longer
// in the file (with --remove-orphans); only a new replica count scales.
func (x *impactCtx) compose() {
	object := x.o.ID
	switch x.o.Status {
	case Added:
		x.add(Recreate, object, "added: its container is created")
		return
	case Removed:
		x.add(Recreate, object, "removed: its container is removed (docker compose up --remove-orphans)")
		return
	}
	var why []string
	scaleOnly := true
	for _, c := range x.o.Changes {
		top, _, _ := strings.Cut(c.Field, ".")
		top, _, _ = strings.Cut(top, "[")
		switch {
		case c.Field == "deploy.replicas" || top == "scale":
			x.add(Scale, object, "replicas %s", arrow(c))
			continue
		case top == "image":
			why = append(why, "image "+arrow(c))
		default:
			why = append(why, top)
		}
		scaleOnly = false
	}
	if scaleOnly {
		return
	}
	x.add(Recreate, object, "docker compose up recreates its container: %s", clip(strings.Join(compact(why), "; ")))
}

// compact drops repeated strings, keeping the first of each.
func compact(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range s {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// clip cuts s to impactValueLimit characters.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= impactValueLimit {
		return s
	}
	return string(r[:impactValueLimit-1]) + "…"
}
