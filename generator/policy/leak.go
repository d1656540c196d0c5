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
	// Allowed are, per environment, the values the model acknowledges as
	// no secrets (services.*.secretLiteralAllowed): a literal found in a
	// file of that environment is no hit when one of them contains it.
	Allowed map[string][]string
}

// NewScanner collects the values of the variables named by the secrets of
// every loaded environment (and the base), looked up with getenv (os.Getenv
// in the CLI). Empty values and values shorter than 4 characters are
// skipped.
func NewScanner(m *model.Model, getenv func(string) string) *Scanner {
	s := &Scanner{Refs: map[string]bool{}, Allowed: map[string][]string{}}
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
	for _, n := range m.EnvNames() {
		if e := m.Envs[n]; e != nil {
			s.Allowed[n] = AllowedLiterals(e)
		}
	}
	return s
}

// AllowedLiterals returns the values of env that its services acknowledge
// as no secrets: for each key of secretLiteralAllowed, the plain value of
// that env var (or the literal text of that per-replica template), every argument of command, entrypoint or health.command,
// or the content of the config file of that name the service mounts.
func AllowedLiterals(env *model.Environment) []string {
	var out []string
	for _, name := range model.SortedKeys(env.Services) {
		svc := env.Services[name]
		for _, key := range model.SortedKeys(svc.SecretLiteralAllowed) {
			switch key {
			case "command":
				out = append(out, svc.Command...)
			case "entrypoint":
				out = append(out, svc.Entrypoint...)
			case "health.command":
				if svc.Health != nil {
					out = append(out, svc.Health.Command...)
				}
			default:
				if ev, ok := svc.Env[key]; ok && ev.Value != nil {
					out = append(out, *ev.Value)
				}
				// A per-replica template: its literal text is in every
				// replica's value.
				if o := svc.Ordinal; o != nil {
					if tmpl, ok := o.Env[key]; ok {
						parts, _ := model.ParseTemplate(tmpl)
						for _, p := range parts {
							if p.Text != "" {
								out = append(out, p.Text)
							}
						}
					}
				}
				// A config file the service mounts, by its config name.
				for _, m := range svc.Mounts {
					if m.Config == key && m.Given() {
						out = append(out, m.Text)
					}
				}
			}
		}
	}
	return out
}

// secretName and idName are _secretName and _idName of
// schema/policies/secret_literals.cue: a variable name that says it holds a
// secret ends with the word (KAFKA_KEY_SERIALIZER and TOKEN_URL name none),
// and an access key id is a user name, not a secret
// (TestSecretNameAgreesWithPolicy keeps the two in step).
var (
	secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|(^|[_.])KEY)$`)
	idName     = regexp.MustCompile(`(?i)ACCESS_?KEY(_?ID)?$`)
)

// SecretName reports whether an environment variable's name says it holds a
// secret: no-secret-literals denies such a variable a plain value
// (STRIPE_KEY, API_TOKEN, DB_PASSWORD; not AWS_ACCESS_KEY_ID, TOKEN_URL).
func SecretName(name string) bool {
	return secretName.MatchString(name) && (!idName.MatchString(name) || strings.Contains(strings.ToUpper(name), "SECRET"))
}

// referenceKey is the key of External Secrets objects that names a key of
// a Secret; its value is never the secret itself.
const referenceKey = "secretKey"

// pair finds a secret word followed by a separator and a value: group 1
// is the word, 2 the separator, 3 the value up to a blank, a quote or
// , ; & }. The key is the word and the name characters before it
// (keyStart); the key must end with the word. Two forms count (_pairs in
// policies/secret_literals.cue, which the CUE side matches with the key in
// the expression):
//
//   - `key=value` anywhere on a line: `--db-password=x`,
//     `-Djavax.net.ssl.keyStorePassword=x`, `a=1 token=x`, `?token=x`;
//   - `key: value` where a field starts (at the start of the line, after
//     `- ` or after { , ( [ or a quote): `password: x`, `"token": "x"`,
//     `{api_key: x}`, and Compose's `${DB_PASSWORD:-x}` (its default is a
//     value; `${VAR:?message}` gives a message, no value), but not the
//     prose of a description (`Secret: never in tfvars`).
//
// The expression starts with the word rather than the key's characters: a
// leading character class would be tried at every position of every line.
//
// It is matched against the line in ASCII lower case (lowerASCII): a
// case-insensitive expression costs several times as much.
//
// A key ending in _key or .key (STRIPE_KEY=x, app.key: x) counts when
// SecretName accepts the whole key, as no-secret-literals and the import
// classify a variable's name: an access key id (MINIO_ACCESS_KEY) is a user
// name. A bare key: names a key of a map (a Secret's, an ExternalSecret's)
// in generated files, and is not one.
var pair = regexp.MustCompile(`(password|passwd|secret|token|api[_-]?key|private[_-]?key|secret[_-]?key|secret[_-]?access[_-]?key|[_.]key)["']?[ \t]*(=|:[-=?]?)[ \t]*["']?([^\s"',;&}]*)`)

// keyStart returns where the key ending at the word at i begins.
func keyStart(line string, i int) int {
	for i > 0 {
		c := line[i-1]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			break
		}
		i--
	}
	return i
}

// fieldStart reports whether a key at i starts a field: at the start of the
// line (after blanks and an optional "- ") or after { , ( [ or a quote.
func fieldStart(line string, i int) bool {
	before := strings.TrimLeft(line[:i], " \t")
	if before == "" {
		return true
	}
	if rest, ok := strings.CutPrefix(before, "-"); ok && rest != "" && strings.TrimLeft(rest, " \t") == "" {
		return true
	}
	return strings.IndexByte("{,([\"'", line[i-1]) >= 0
}

// urlCredentials finds the password of `scheme://user:password@host`:
// group 1. The same expression is _urlCredentials in
// policies/secret_literals.cue.
var urlCredentials = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@"']+:([^\s/@"']+)@`)

type literalPattern struct {
	re   *regexp.Regexp
	what string
	// hints are literal substrings one of which every match contains: a
	// file with none of them is not searched.
	hints []string
}

// The expressions of literalPatterns, compiled once.
var (
	privateKeyBlock = regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----`)
	awsKeyID        = regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)
	githubToken     = regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36}\b|github_pat_[A-Za-z0-9_]{22,})`)
	slackWebhook    = regexp.MustCompile(`hooks\.slack\.com/(services|workflows|triggers)/T[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{10,}`)
	slackToken      = regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)
	jsonWebToken    = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}`)
)

// literalPatterns returns the values that are secrets whatever their key.
// The same expressions are _tokens in policies/secret_literals.cue
// (TestPolicyAndLeakCheckAgree keeps the two in step).
func literalPatterns() []literalPattern {
	return []literalPattern{
		{privateKeyBlock, "a private key block", []string{"PRIVATE KEY-----"}},
		{awsKeyID, "an AWS access key id", []string{"AKIA", "ASIA"}},
		{githubToken, "a GitHub token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}},
		{slackWebhook, "a Slack webhook URL", []string{"hooks.slack.com/"}},
		{slackToken, "a Slack token", []string{"xox"}},
		{jsonWebToken, "a JSON Web Token", []string{"eyJ"}},
	}
}

// Scan scans generated files (path relative to out/ → content) for the
// known secret values and for secret-looking literals. owners maps a path to
// the environments that generated it; every hit is a deny, reported once
// per owning environment, except a literal that environment acknowledges
// (Allowed). Messages never contain the secret.
func (s *Scanner) Scan(files map[string][]byte, owners map[string][]string) []Violation {
	var out []Violation
	for _, path := range model.SortedKeys(files) {
		envs := owners[path]
		if len(envs) == 0 {
			envs = []string{"*"}
		}
		hits := s.scan(files[path])
		for _, env := range envs {
			for _, hit := range hits {
				if hit.rule == RuleLeakLiteral && s.allowed(env, hit.text) {
					continue
				}
				out = append(out, Violation{
					Env:      env,
					Rule:     hit.rule,
					Severity: Deny,
					Message:  hit.message + " in out/" + path + ": generated files are committed; reference the secret instead",
					Path:     "out/" + path,
					Position: fmt.Sprintf("out/%s:%d:%d", path, hit.line, hit.col),
					Line:     hit.line,
					Col:      hit.col,
				})
			}
		}
	}
	sortViolations(out)
	return out
}

// allowed reports whether env (any environment for "*") acknowledges a
// value containing text.
func (s *Scanner) allowed(env, text string) bool {
	for e, values := range s.Allowed {
		if e != env && env != "*" {
			continue
		}
		for _, v := range values {
			if strings.Contains(v, text) {
				return true
			}
		}
	}
	return false
}

type hit struct {
	rule, message string
	line, col     int
	// text is what was found (never printed): the match of a pattern, the
	// value of a pair or the password of a URL.
	text string
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
	for _, p := range literalPatterns() {
		for _, h := range p.hints {
			if strings.Contains(text, h) {
				patterns = append(patterns, p)
				break
			}
		}
	}
	urls := strings.Contains(text, "://")
	// lower is text in ASCII lower case, byte for byte: its lines are
	// searched for secret words and pairs at the same offsets.
	lower := lowerASCII(text)
	names := mayNameSecret(lower)
	var hits []hit
	offset := 0
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		lowerLine := lower[offset : offset+len(line)]
		offset += len(line) + 1
		for _, k := range known {
			if c := strings.Index(line, k.Value); c >= 0 {
				hits = append(hits, hit{RuleLeakValue, fmt.Sprintf("the value of $%s (secret %q) is written", k.EnvVar, k.Name), n, c + 1, k.Value})
			}
		}
		// found are the spans of the literals of this line: a pair or a URL
		// whose value a pattern has reported already is not reported again.
		var found [][2]int
		add := func(what string, from, to int) {
			for _, f := range found {
				if from < f[1] && f[0] < to {
					return
				}
			}
			found = append(found, [2]int{from, to})
			hits = append(hits, hit{RuleLeakLiteral, what, n, from + 1, line[from:to]})
		}
		for _, p := range patterns {
			for _, loc := range p.re.FindAllStringIndex(line, -1) {
				add(p.what+" is written", loc[0], loc[1])
			}
		}
		if urls && strings.Contains(line, "@") {
			for _, m := range urlCredentials.FindAllStringSubmatchIndex(line, -1) {
				if s.literalValue(line[m[2]:m[3]]) {
					add("a password in a URL (user:password@) is written", m[2], m[3])
				}
			}
		}
		if !names || !mayNameSecret(lowerLine) {
			continue
		}
		for _, m := range pair.FindAllStringSubmatchIndex(lowerLine, -1) {
			from := keyStart(line, m[2])
			key, sep, value := line[from:m[3]], line[m[4]:m[5]], line[m[6]:m[7]]
			if sep[0] == ':' && !fieldStart(line, from) || key == referenceKey || sep == ":?" || !s.literalValue(value) {
				continue
			}
			if w := lowerLine[m[2]]; (w == '_' || w == '.') && !SecretName(key) {
				continue
			}
			what := key + " is given a plain value"
			if strings.HasPrefix(key, "-D") {
				what = "the JVM flag " + what
			}
			add(what, m[6], m[7])
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

// mayNameSecret reports whether lower, in lower case, holds a secret stem:
// what every key a pair matches ends with. A line without any of them holds
// no secret-named key, and pair is not run on it.
func mayNameSecret(lower string) bool {
	for _, w := range [...]string{"passw", "secret", "token", "apikey", "api_key", "api-key", "private", "_key", ".key"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// lowerASCII maps A-Z to a-z and keeps every other byte, so that offsets
// into the result are offsets into s.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// reference matches a value that is no literal (the same expression is
// _reference in policies/secret_literals.cue): empty; a variable
// ($VAR, ${VAR}, ${VAR:?…}, $(VAR)); var.x (Terraform); {{ … }}, {…}, […]
// (a template or a nested block); <placeholder>; an upper-case name
// (CHANGE_ME, or a variable or store key: secretKey: MINIO_ROOT_PASSWORD);
// a file under /run/secrets/; a mask (****, xxxx); a comment; YAML's block
// indicators (| >), null, ~ and booleans.
var reference = regexp.MustCompile(`^(|[$<{\[#|>].*|var\..*|[A-Z][A-Z0-9_]*|/run/secrets/.*|[*xX.]+|null|~|true|false)$`)

// literalValue reports whether v, the value of a secret-named key or the
// password of a URL, is a plain value rather than a reference: see
// reference, and the name, variable or store key of a model secret.
func (s *Scanner) literalValue(v string) bool {
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	return !reference.MatchString(v) && !s.Refs[v]
}

// SecretNamed reports whether key (a field, a variable, a list element's
// name) says it holds a secret: SecretName, the one classification of
// secret-looking names (so secretKeyRef, secretName and OAUTH_TOKEN_URL do
// not), and not External Secrets' secretKey, which names a key of a
// Secret.
func SecretNamed(key string) bool { return key != referenceKey && SecretName(key) }

// PlainSecret reports whether value, written under a key SecretNamed
// accepts, is a plain value the leak check denies rather than a reference
// ($VAR, ${VAR}, var.x, {{ … }}, an upper-case name, a /run/secrets/ file,
// a mask, a boolean, …): what a diff must not show.
func PlainSecret(key, value string) bool {
	return SecretNamed(key) && (&Scanner{}).literalValue(value)
}

// SecretLiteral says what no-secret-literals finds in value, the plain
// value of the environment variable name ("" for a command argument): "a
// secret name" when SecretName accepts name and the value is no reference,
// else the first literal the leak check denies in value (LooksSecret); ""
// when it is none. It is the one classification of secret-looking names and
// values: schema/policies/secret_literals.cue (#secretLiterals) says the
// same, the import keeps what it finds as a secret reference, and the leak
// check finds the same in generated files (TestSecretLiteralAgreesWithPolicy).
func SecretLiteral(name, value string) string {
	if SecretName(name) && (&Scanner{}).literalValue(value) {
		return "a secret name"
	}
	if hits := (&Scanner{}).scan([]byte(value)); len(hits) > 0 {
		return hits[0].message
	}
	return ""
}

// LooksSecret reports whether s holds a literal the leak check denies
// whatever its file: a private key block, a cloud or chat token, a JSON Web
// Token, a password in a URL, or a secret-named key given a plain value.
// The diff masks such values.
func LooksSecret(s string) bool { return len((&Scanner{}).scan([]byte(s))) > 0 }
