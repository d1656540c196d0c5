package diff

import "strings"

// EnvPathKey returns a PathKey that matches the files of two environments:
// every path segment, or dot-separated part of one, equal to either
// environment's name is replaced by a placeholder, so
// kubernetes/overlays/staging/x.yaml matches kubernetes/overlays/prod/x.yaml
// and terraform/staging.tfvars matches terraform/prod.tfvars.
func EnvPathKey(a, b string) func(string) string {
	return func(p string) string {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			parts := strings.Split(s, ".")
			for j, part := range parts {
				if part == a || part == b {
					parts[j] = "{env}"
				}
			}
			segs[i] = strings.Join(parts, ".")
		}
		return strings.Join(segs, "/")
	}
}
