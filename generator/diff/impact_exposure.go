package diff

import (
	"fmt"
	"slices"
	"strings"
)

// exposed reports whether a Service type is reachable from outside the
// cluster.
func exposed(typ string) bool { return typ == "LoadBalancer" || typ == "NodePort" }

// service: a Service whose type exposes it outside the cluster added or
// removed, a changed type, or changed ports of an exposed Service.
func (x *impactCtx) service(object string) {
	typeOf := func(v any) string {
		if t := str(at(v, "spec", "type")); t != "" {
			return t
		}
		return "ClusterIP"
	}
	switch {
	case x.old == nil:
		if t := typeOf(x.new); exposed(t) {
			x.add(Exposure, object, "added as a %s: reachable from outside the cluster", t)
		}
	case x.new == nil:
		if t := typeOf(x.old); exposed(t) {
			x.add(Exposure, object, "removed: the %s is no longer reachable", t)
		}
	default:
		if o, n := typeOf(x.old), typeOf(x.new); o != n {
			x.add(Exposure, object, "type %s → %s", o, n)
		} else if exposed(n) && len(x.changesUnder("spec.ports")) > 0 {
			x.add(Exposure, object, "ports of the %s changed", n)
		}
	}
}

// routes are the host/path pairs an Ingress routes, and its TLS hosts.
func routes(v any) (paths, tls []string) {
	rules, _ := at(v, "spec", "rules").([]any)
	for _, r := range rules {
		host := str(at(r, "host"))
		if host == "" {
			host = "*"
		}
		ps, _ := at(r, "http", "paths").([]any)
		if len(ps) == 0 {
			paths = append(paths, host)
		}
		for _, p := range ps {
			paths = append(paths, host+str(at(p, "path")))
		}
	}
	list, _ := at(v, "spec", "tls").([]any)
	for _, t := range list {
		hs, _ := at(t, "hosts").([]any)
		for _, h := range hs {
			tls = append(tls, str(h))
		}
	}
	slices.Sort(paths)
	slices.Sort(tls)
	return slices.Compact(paths), slices.Compact(tls)
}

// ingress: the routes an Ingress adds or withdraws, and its TLS hosts.
func (x *impactCtx) ingress(object string) {
	switch {
	case x.old == nil:
		p, _ := routes(x.new)
		x.add(Exposure, object, "added: exposes %s", strings.Join(p, ", "))
		return
	case x.new == nil:
		p, _ := routes(x.old)
		x.add(Exposure, object, "removed: withdraws %s", strings.Join(p, ", "))
		return
	}
	op, ot := routes(x.old)
	np, nt := routes(x.new)
	var why []string
	if add := x.newOnly(op, np); len(add) > 0 {
		why = append(why, "exposes "+strings.Join(add, ", "))
	}
	if gone := x.oldOnly(op, np); len(gone) > 0 {
		why = append(why, "withdraws "+strings.Join(gone, ", "))
	}
	if add := x.newOnly(ot, nt); len(add) > 0 {
		why = append(why, "TLS for "+strings.Join(add, ", "))
	}
	if gone := x.oldOnly(ot, nt); len(gone) > 0 {
		why = append(why, "no TLS for "+strings.Join(gone, ", "))
	}
	if len(why) > 0 {
		x.add(Exposure, object, "%s", strings.Join(why, "; "))
	}
}

// newOnly are the strings of new that old does not hold, each side's
// strings compared by their keys (Options.OldValueKey, NewValueKey).
func (x *impactCtx) newOnly(old, new []string) []string {
	return only(new, x.newKey, old, x.oldKey)
}

// oldOnly are the strings of old that new does not hold.
func (x *impactCtx) oldOnly(old, new []string) []string {
	return only(old, x.oldKey, new, x.newKey)
}

func only(a []string, aKey func(string) string, b []string, bKey func(string) string) []string {
	have := map[string]bool{}
	for _, s := range b {
		have[bKey(s)] = true
		have[s] = true
	}
	var out []string
	for _, s := range a {
		if !have[aKey(s)] && !have[s] {
			out = append(out, s)
		}
	}
	return out
}

// externalSecret: the remote keys an ExternalSecret reads that it did not
// before must exist in the secret store before the sync, or the sync
// fails and the Secret is not created.
func (x *impactCtx) externalSecret(object string) {
	if x.new == nil {
		return
	}
	var old []string
	if x.old != nil {
		old = remoteKeys(x.old)
	}
	add := x.newOnly(old, remoteKeys(x.new))
	if len(add) == 0 {
		return
	}
	store := fmt.Sprintf("%s %s", cmpOr(str(at(x.new, "spec", "secretStoreRef", "kind")), "SecretStore"), str(at(x.new, "spec", "secretStoreRef", "name")))
	x.add(SecretKey, object, "reads %s: create it in the %s before the sync", strings.Join(add, ", "), store)
}

// remoteKeys are the keys (key#property) an ExternalSecret reads.
func remoteKeys(v any) []string {
	var out []string
	data, _ := at(v, "spec", "data").([]any)
	for _, d := range data {
		k := str(at(d, "remoteRef", "key"))
		if p := str(at(d, "remoteRef", "property")); p != "" {
			k += "#" + p
		}
		out = append(out, k)
	}
	from, _ := at(v, "spec", "dataFrom").([]any)
	for _, d := range from {
		if k := str(at(d, "extract", "key")); k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
