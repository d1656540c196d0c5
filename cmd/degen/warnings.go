package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/textesc"
)

// printWarnings prints the targets' warnings once each: the same warning
// raised for several environments (an ingress Compose cannot carry, in
// local and in dev) is one line naming them all, escaped (textesc.Line).
func printWarnings(w io.Writer, ws []target.Warning) {
	type key struct{ pos, target, subject, message, id string }
	envs := map[key][]string{}
	var keys []key
	for _, x := range ws {
		k := key{x.Pos, x.Target, x.Subject, x.Message, ""}
		if x.Code != "" {
			k.id = x.ID()
		}
		if _, ok := envs[k]; !ok {
			keys = append(keys, k)
		}
		envs[k] = append(envs[k], x.Env)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.target != b.target {
			return a.target < b.target
		}
		return a.subject < b.subject
	})
	for _, k := range keys {
		e := envs[k]
		sort.Strings(e)
		line := fmt.Sprintf("warning: %s (%s)", k.target, strings.Join(e, ", "))
		if k.pos != "" {
			line = k.pos + ": " + line
		}
		if k.subject != "" {
			line += ": " + k.subject
		}
		line += ": " + k.message
		if k.id != "" {
			line += " [" + k.id + "]"
		}
		fmt.Fprintln(w, textesc.Line(line))
	}
}
