// Package dotenv is the .env target of §3.11: out/env/.env.<env> holds every
// variable the environment's Compose files interpolate, with its value, and
// out/env/.env.example (from the base model, shared by every environment)
// is the template to copy. Secrets are never written: .env.<env> names them
// in comments and .env.example lists them as CHANGE_ME.
package dotenv

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/joho/godotenv"

	"github.com/degen-dev/degen/generator/internal/composevars"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Placeholder is what .env.example says for a secret.
const Placeholder = "CHANGE_ME"

// ExamplePath is the shared template, relative to out/.
const ExamplePath = "env/.env.example"

// Target generates the .env files.
type Target struct{}

var _ target.Target = Target{}

// Name is the artefact name environments list.
func (Target) Name() string { return "env" }

// Generate renders .env.<env> and the shared .env.example.
func (Target) Generate(in target.Input) (target.Output, error) {
	envData, err := render(in.Env, false)
	if err != nil {
		return target.Output{}, err
	}
	example, err := render(in.Base, true)
	if err != nil {
		return target.Output{}, fmt.Errorf("base model: %w", err)
	}
	return target.Output{Files: []target.File{
		{Path: composevars.EnvFile(in.Env.Name), Data: envData},
		{Path: ExamplePath, Data: example, Shared: true},
	}}, nil
}

// render writes the variables of env. In the example, secrets get the
// placeholder; otherwise they appear only as a comment.
func render(env *model.Environment, example bool) ([]byte, error) {
	vars, err := composevars.Variables(env)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(composevars.Header + "\n")
	if example {
		b.WriteString("# Template: copy to .env.<env> or a private env file and set every CHANGE_ME.\n")
	} else {
		fmt.Fprintf(&b, "# Variables of the Compose files of environment %s:\n", env.Name)
		fmt.Fprintf(&b, "#   docker compose --env-file ../../%s -f base.yml … (from out/%s)\n", composevars.EnvFile(env.Name), composevars.Dir(env.Name))
	}
	want := map[string]string{}
	for _, kind := range []composevars.Kind{composevars.Value, composevars.Flag, composevars.Secret} {
		section := false
		for _, v := range vars {
			if v.Kind != kind {
				continue
			}
			if !section {
				fmt.Fprintf(&b, "\n# ── %s ──\n", sectionTitle(kind, example))
				section = true
			}
			value := v.Value
			if kind == composevars.Secret {
				if !example {
					fmt.Fprintf(&b, "# %s: %s, read by %s. Set it in your shell or a private env file.\n", v.Name, oneLine(v.Description), strings.Join(v.Users, ", "))
					continue
				}
				value = Placeholder
			}
			line, err := marshal(v.Name, value)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "# %s\n%s\n", comment(v), line)
			want[v.Name] = value
		}
	}
	if err := roundTrip(b.Bytes(), want); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func sectionTitle(kind composevars.Kind, example bool) string {
	switch kind {
	case composevars.Value:
		return "values"
	case composevars.Flag:
		return "feature flags"
	}
	if example {
		return "secrets (never commit real values)"
	}
	return "secrets (not written here)"
}

func comment(v composevars.Variable) string {
	v.Description = oneLine(v.Description)
	used := "read by " + strings.Join(v.Users, ", ")
	if v.Description != "" {
		return v.Description + "; " + used
	}
	return used
}

// marshal writes one KEY=value line with godotenv. godotenv writes any
// value strconv.Atoi accepts as a bare number, which turns "007" into 7 and
// "+1" into 1; such a value is digits and a sign only, so it is quoted as it
// is instead.
func marshal(name, value string) (string, error) {
	if n, err := strconv.Atoi(value); err == nil && strconv.Itoa(n) != value {
		return fmt.Sprintf("%s=%q", name, value), nil
	}
	line, err := godotenv.Marshal(map[string]string{name: value})
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	// godotenv also escapes ! and ` for the shell; Compose's parser does not
	// unescape them (its escapes are \a \b \c \f \n \r \t \v \$ \" \\), so
	// they are written bare, which it reads literally. Backslashes are
	// always doubled first, so every \! here is an escaped !.
	return strings.NewReplacer(`\!`, `!`, "\\`", "`").Replace(line), nil
}

// roundTrip parses data with Compose's own .env parser and checks that it
// reads back exactly the values written: no interpolation, no lost escape.
func roundTrip(data []byte, want map[string]string) error {
	got, err := composedotenv.ParseWithLookup(bytes.NewReader(data), func(string) (string, bool) { return "", false })
	if err != nil {
		return fmt.Errorf("generated .env does not parse: %w", err)
	}
	for name, w := range want {
		if got[name] != w {
			return fmt.Errorf("generated .env reads %s as %q, not %q: the value cannot be written as a .env line", name, got[name], w)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("generated .env defines %d variables, want %d", len(got), len(want))
	}
	return nil
}

// oneLine keeps a description from breaking out of its comment line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
