package compose

import (
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/diag"
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

// Source is the diag.Diagnostic source of the import's findings and
// errors.
const Source = "import"

// Diagnostic is the finding as every problem is printed: a note of the
// import at its line of the Compose files, its kind the code, its service
// the subject, its Compose path (services.web.stop_signal) the path:
//
//	docker-compose.yml:12: note: import: services.web.stop_signal: dropped: …
func (f Finding) Diagnostic() diag.Diagnostic {
	path := f.Field
	if f.Service != "" {
		path = strings.TrimSuffix("services."+f.Service+"."+f.Field, ".")
	}
	return diag.Diagnostic{Source: Source, Code: string(f.Kind), Subject: f.Service, Path: path, Severity: diag.Note,
		Message: string(f.Kind) + ": " + f.Message, Pos: diag.Pos{File: f.File, Line: f.Line}}
}

// Diagnostics is the import's refusal as a diagnostic, at its position in
// the Compose files.
func (e *InputError) Diagnostics() []diag.Diagnostic {
	return []diag.Diagnostic{{Source: Source, Code: "refused", Severity: diag.Error, Message: e.Msg, Pos: diag.ParsePos(e.Pos)}}
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
