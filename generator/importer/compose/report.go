package compose

import (
	"fmt"
	"sort"
	"strings"
)

// Finding is one thing of the Compose files that the model does not say as
// they do: a field the schema cannot express (dropped), a value the model
// writes differently (changed), a Compose default it writes out
// (explicit), a name it had to change (renamed), a
// secret it keeps as a reference (secret), an unset variable, a value
// the process environment gave (shell), a bind source kept as the host's
// path (host), or an image without a release tag or digest (unpinned).
type Finding struct {
	// Service is the Compose service, or "" for a top-level entry.
	Service string
	// Field is the Compose path under the service (or the top level):
	// "stop_signal", "ports.name", "networks.front.ipam".
	Field string
	// Path is Field by key (a key may hold dots).
	Path []string
	// File and Line are where the Compose files say it (File relative to
	// the project directory), when the import could find it.
	File string
	Line int
	Kind Kind
	// Message says what the import did and what to do.
	Message string
	// Differs is set when compose-go's load of the generated files
	// differs from the original's at Field: a difference the round trip
	// accepts because it is reported.
	Differs bool
	// EnvVar is the variable a secret reference reads (Kind Secret).
	EnvVar string
}

// Kind classifies findings.
type Kind string

const (
	Dropped Kind = "dropped"
	Changed Kind = "changed"
	// Explicit is a default of Compose or Docker that the model writes
	// out: the text differs, what runs does not.
	Explicit Kind = "explicit"
	Renamed  Kind = "renamed"
	Secret   Kind = "secret"
	Unset    Kind = "unset"
	// Shell is a value interpolated from the process environment rather
	// than the Compose files or an env file.
	Shell Kind = "shell"
	// Host is a bind source kept as written because it names the host's
	// file, not the repository's: an absolute path, or ~.
	Host Kind = "host"
	// Unpinned is an image carried as written that has no release tag
	// nor digest: policy images-pinned judges it by stage.
	Unpinned Kind = "unpinned"
)

// String is the report line: "docker-compose.yml:12: web: stop_signal:
// dropped: …".
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
		}
		b.WriteString(": ")
	}
	if f.Service != "" {
		b.WriteString("service " + f.Service + ": ")
	}
	if f.Field != "" {
		b.WriteString(f.Field + ": ")
	}
	b.WriteString(string(f.Kind) + ": " + f.Message)
	return b.String()
}

// sortFindings orders findings by service, field and message, so the
// report is stable.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}
