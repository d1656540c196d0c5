package diff

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// podField is a field of a pod template: a container's field, or another
// one.
var podField = regexp.MustCompile(`^spec\.template\.spec\.(?:initContainers|containers)\[name=([^\]]+)\]\.([A-Za-z]+)`)

// workload: a changed pod template restarts the workload's pods; the
// reasons are the images, the configuration hash annotation (a ConfigMap
// or Secret the pods read changed), the environment, and any other field
// of the template.
func (x *impactCtx) workload(object string) {
	switch {
	case x.old == nil:
		x.add(Start, object, "added: its pods are created")
		return
	case x.new == nil:
		x.add(Stop, object, "removed: its pods are deleted")
		return
	}
	var why []string
	reason := func(s string) { why = append(why, s) }
	for _, c := range x.changesUnder("spec.template") {
		m := podField.FindStringSubmatch(c.Field)
		switch {
		case m != nil && m[2] == "image" && c.Field == m[0]:
			reason(fmt.Sprintf("image of %s %s", m[1], arrow(c)))
		case m != nil && (m[2] == "env" || m[2] == "envFrom"):
			reason("environment of " + m[1])
		case strings.Contains(c.Field, "config-hash") || strings.Contains(c.Field, "checksum"):
			reason("configuration (config hash)")
		case m != nil:
			reason(m[2] + " of " + m[1])
		default:
			reason(strings.TrimPrefix(c.Field, "spec.template."))
		}
	}
	why = compact(why)
	if len(why) == 0 {
		return
	}
	if len(why) > 4 {
		why = append(why[:4], fmt.Sprintf("%d more fields", len(why)-4))
	}
	x.add(Restart, object, "%s", strings.Join(why, "; "))
}

// replicas: a changed replica count scales the workload; a count removed
// leaves it to an autoscaler.
func (x *impactCtx) replicas(object string) {
	for _, c := range x.changesUnder("spec.replicas") {
		switch {
		case c.NewMissing:
			x.add(Scale, object, "replicas %s: no longer set, an autoscaler decides", unquote(c.Old))
		default:
			x.add(Scale, object, "replicas %s", arrow(c))
		}
	}
}

// autoscaler: an HPA added, removed, or with a new range.
func (x *impactCtx) autoscaler(object string) {
	rng := func(v any) string {
		return fmt.Sprintf("%v–%v replicas of %v %v", at(v, "spec", "minReplicas"), at(v, "spec", "maxReplicas"),
			at(v, "spec", "scaleTargetRef", "kind"), at(v, "spec", "scaleTargetRef", "name"))
	}
	switch {
	case x.old == nil:
		x.add(Scale, object, "added: scales %s", rng(x.new))
	case x.new == nil:
		x.add(Scale, object, "removed: the workload's own replicas apply again (was %s)", rng(x.old))
	default:
		var why []string
		for _, f := range []string{"minReplicas", "maxReplicas", "metrics", "behavior"} {
			if cs := x.changesUnder("spec." + f); len(cs) > 0 {
				if len(cs) == 1 && !strings.Contains(cs[0].Old+cs[0].New, "{") {
					why = append(why, f+" "+arrow(cs[0]))
				} else {
					why = append(why, f)
				}
			}
		}
		if len(why) > 0 {
			x.add(Scale, object, "%s", strings.Join(slices.Compact(why), "; "))
		}
	}
}
