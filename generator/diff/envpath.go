package diff

import (
	"regexp"
	"strings"
)

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

// Env names an environment in the strings of its files: its name and its
// Kubernetes namespace (either may be empty), both from the model.
type Env struct {
	Name, Namespace string
}

// ValueKey maps a string of e's files to a key in which e's namespace and
// then its name, where each stands as a word (between characters that are
// not letters or digits), are placeholders: "de-staging",
// "graphql-api.de-staging.svc" and "staging/raw" of staging give the keys
// of "de-prod", "graphql-api.de-prod.svc" and "prod/raw" of prod. Used as
// OldValueKey and NewValueKey of the two environments compared.
func (e Env) ValueKey() func(string) string {
	var steps []func(string) string
	if e.Namespace != "" && e.Namespace != e.Name {
		steps = append(steps, wordReplacer(e.Namespace, "{namespace}"))
	}
	if e.Name != "" {
		steps = append(steps, wordReplacer(e.Name, "{env}"))
	}
	return func(s string) string {
		for _, f := range steps {
			s = f(s)
		}
		return s
	}
}

// wordReplacer replaces word, where it stands as a word, by with.
func wordReplacer(word, with string) func(string) string {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9])` + regexp.QuoteMeta(word) + `([^A-Za-z0-9]|$)`)
	return func(s string) string {
		if !strings.Contains(s, word) {
			return s
		}
		// Twice, because adjacent matches share their separator.
		s = re.ReplaceAllString(s, "${1}"+with+"${2}")
		return re.ReplaceAllString(s, "${1}"+with+"${2}")
	}
}

func envWord(a, b string) func(string) string {
	re := regexp.MustCompile(`(^|[^A-Za-z0-9])(` + regexp.QuoteMeta(a) + `|` + regexp.QuoteMeta(b) + `)([^A-Za-z0-9]|$)`)
	return func(s string) string {
		// Twice, because adjacent matches share their separator.
		s = re.ReplaceAllString(s, "${1}{env}${3}")
		return re.ReplaceAllString(s, "${1}{env}${3}")
	}
}
