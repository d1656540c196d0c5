package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/model"
)

// The leak check's rule names; a hit denies in every environment.
const (
	RuleLeakValue   = "leak-secret-value"
	RuleLeakLiteral = "leak-secret-literal"
)

// minSecretLen is the shortest secret value the leak check looks for:
// shorter values ("1", "dev") would match everywhere and prove nothing.
const minSecretLen = 4

// KnownSecret is a secret value known to the run: the value of the process
// environment variable a model secret names.
type KnownSecret struct {
	// Name is the model's secret name, EnvVar the variable that holds it.
	Name, EnvVar string
	Value        string
}

// Scanner is the leak check of one run.
type Scanner struct {
	// Known are the secret values to look for, sorted by variable.
	Known []KnownSecret
	// Refs are the names, variables and store keys of the model's secrets:
	// writing them is how a file references a secret, so they are never
	// taken for a literal.
	Refs map[string]bool
}

// NewScanner collects the values of the variables named by the secrets of
// every loaded environment (and the base), looked up with getenv (os.Getenv
// in the CLI). Empty values and values shorter than 4 characters are
// skipped.
func NewScanner(m *model.Model, getenv func(string) string) *Scanner {
	s := &Scanner{Refs: map[string]bool{}}
	seen := map[string]KnownSecret{}
	envs := []*model.Environment{m.Base}
	for _, n := range m.EnvNames() {
		envs = append(envs, m.Envs[n])
	}
	for _, e := range envs {
		if e == nil {
			continue
		}
		for _, name := range model.SortedKeys(e.Secrets) {
			sec := e.Secrets[name]
			s.Refs[name], s.Refs[sec.EnvVar], s.Refs[sec.Key] = true, true, true
			if _, ok := seen[sec.EnvVar]; ok {
				continue
			}
			if v := getenv(sec.EnvVar); len(v) >= minSecretLen {
				seen[sec.EnvVar] = KnownSecret{Name: name, EnvVar: sec.EnvVar, Value: v}
			}
		}
	}
	for _, k := range model.SortedKeys(seen) {
		s.Known = append(s.Known, seen[k])
	}
	return s
}

// secretKey matches a key or variable name that says it holds a secret; the
// name must end with the word, so secretKeyRef, secretName or
// secretStoreRef (references) do not match.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|private_?key|secret_?key|secret_?access_?key)$`)

// referenceKeys are keys of Kubernetes and External Secrets objects that
// name a key of a Secret; their value is never the secret itself.
var referenceKeys = map[string]bool{"secretKey": true}

// assignment finds `key: value`, `key = value` and `KEY=value` on a line,
// with optional quotes around key and value.
var assignment = regexp.MustCompile(`^\s*(?:-\s+)?(?:export\s+)?["']?([A-Za-z0-9_.\-]+)["']?\s*[:=]\s*(.*)$`)

type literalPattern struct {
	re   *regexp.Regexp
	what string
	// hints are literal substrings one of which every match contains: a
	// file with none of them is not searched.
	hints []string
}

// literalPatterns are values that are secrets whatever their key.
var literalPatterns = []literalPattern{
	{regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----`), "a private key block", []string{"PRIVATE KEY-----"}},
	{regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`), "an AWS access key id", []string{"AKIA", "ASIA"}},
}

// Scan scans generated files (path relative to out/ → content) for the
// known secret values and for secret-looking literals. owners maps a path to
// the environments that generated it; every hit is a deny, reported once
// per owning environment. Messages never contain the secret.
func (s *Scanner) Scan(files map[string][]byte, owners map[string][]string) []Violation {
	var out []Violation
	for _, path := range model.SortedKeys(files) {
		envs := owners[path]
		if len(envs) == 0 {
			envs = []string{"*"}
		}
		for _, hit := range s.scan(files[path]) {
			for _, env := range envs {
				out = append(out, Violation{
					Env:      env,
					Rule:     hit.rule,
					Severity: Deny,
					Message:  hit.message + " in out/" + path + ": generated files are committed; reference the secret instead",
					Path:     "out/" + path,
					Position: fmt.Sprintf("out/%s:%d:%d", path, hit.line, hit.col),
					line:     hit.line,
					col:      hit.col,
				})
			}
		}
	}
	sortViolations(out)
	return out
}

type hit struct {
	rule, message string
	line, col     int
}

func (s *Scanner) scan(data []byte) []hit {
	text := string(data)
	// Whole-file tests first, one pass each: most files hold no known value
	// and no literal pattern, and then no line is searched for them.
	var known []KnownSecret
	for _, k := range s.Known {
		if strings.Contains(text, k.Value) {
			known = append(known, k)
		}
	}
	var patterns []literalPattern
	for _, p := range literalPatterns {
		for _, h := range p.hints {
			if strings.Contains(text, h) {
				patterns = append(patterns, p)
				break
			}
		}
	}
	var hits []hit
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		for _, k := range known {
			if c := strings.Index(line, k.Value); c >= 0 {
				hits = append(hits, hit{RuleLeakValue, fmt.Sprintf("the value of $%s (secret %q) is written", k.EnvVar, k.Name), n, c + 1})
			}
		}
		for _, p := range patterns {
			if loc := p.re.FindStringIndex(line); loc != nil {
				hits = append(hits, hit{RuleLeakLiteral, p.what + " is written", n, loc[0] + 1})
			}
		}
		if !mayNameSecret(line) {
			continue
		}
		if m := assignment.FindStringSubmatchIndex(line); m != nil {
			key, value := line[m[2]:m[3]], line[m[4]:m[5]]
			if secretKey.MatchString(key) && !referenceKeys[key] && s.literalValue(value) {
				hits = append(hits, hit{RuleLeakLiteral, fmt.Sprintf("%s is given a plain value", key), n, m[4] + 1})
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].line != hits[j].line {
			return hits[i].line < hits[j].line
		}
		return hits[i].col < hits[j].col
	})
	return hits
}

// secretWords are what every name secretKey matches ends with; a line
// without any of them (in any case) holds no secret-named key, and the
// assignment pattern is not run on it.
var secretWords = []string{"key", "token", "secret", "passw"}

func mayNameSecret(line string) bool {
	for _, w := range secretWords {
		if containsFold(line, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w in
// any case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// literalValue reports whether the right-hand side of an assignment to a
// secret-named key is a plain value rather than empty, a reference
// (${VAR}, $VAR, var.x, {{ … }}, <placeholder>, a secret's name, variable
// or store key) or the start of a nested
// block (secretKeyRef: on the next lines).
func (s *Scanner) literalValue(v string) bool {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "#") {
		return false
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	v = strings.TrimSuffix(v, ",")
	v = strings.Trim(v, `"'`)
	switch {
	case v == "", v == "{", v == "[", v == "|", v == ">", v == "null", v == "~":
		return false
	case strings.HasPrefix(v, "$"), strings.HasPrefix(v, "var."), strings.HasPrefix(v, "{{"), strings.HasPrefix(v, "<"):
		return false
	case s.Refs[v]:
		return false
	case envVarName.MatchString(v):
		// The name of a variable or of a store key (secretKey:
		// MINIO_ROOT_PASSWORD in an ExternalSecret) is not a value.
		return false
	}
	return true
}

var envVarName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
