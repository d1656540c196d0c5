package diff

import "regexp"

// EnvPathKey returns a PathKey that matches the files of two environments:
// either environment's name, where it stands as a word of the path (between
// slashes, dots, dashes or underscores), is replaced by a placeholder, so
// kubernetes/overlays/staging/x.yaml matches kubernetes/overlays/prod/x.yaml,
// terraform/staging.tfvars matches terraform/prod.tfvars and
// namespace-de-staging.yaml matches namespace-de-prod.yaml.
func EnvPathKey(a, b string) func(string) string { return envWord(a, b) }

// EnvIDKey returns an IDKey that matches objects named after their
// environment (an Argo CD Application de-staging and de-prod), as
// EnvPathKey matches paths.
func EnvIDKey(a, b string) func(string) string { return envWord(a, b) }

// EnvValueKey returns a ValueKey under which two string values that differ
// only by the names of environments a and b are equal.
func EnvValueKey(a, b string) func(string) string { return envWord(a, b) }

func envWord(a, b string) func(string) string {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9])(` + regexp.QuoteMeta(a) + `|` + regexp.QuoteMeta(b) + `)([^A-Za-z0-9]|$)`)
	return func(s string) string {
		// Twice, because adjacent matches share their separator.
		s = re.ReplaceAllString(s, "${1}{env}${3}")
		return re.ReplaceAllString(s, "${1}{env}${3}")
	}
}
