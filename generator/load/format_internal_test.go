package load

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// formatSrc evaluates src as the file envs/x.cue of a model at a temporary
// root and returns Format's rendering of its error.
func formatSrc(t *testing.T, src string) string {
	t.Helper()
	root := t.TempDir()
	file := filepath.Join(root, "envs", "x.cue")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	v := cuecontext.New().CompileString(src, cue.Filename(file))
	err := v.Validate(cue.Concrete(true))
	if err == nil {
		t.Fatal("no error")
	}
	// Format reads the syntax trees a Load keeps with its error.
	trees := newTrees(root)
	f, perr := parser.ParseFile(file, src)
	if perr != nil {
		t.Fatal(perr)
	}
	trees.addFile(f)
	out := Format(&treesError{err: err, trees: trees}, root)
	if strings.Contains(out, root) {
		t.Errorf("the absolute root is printed:\n%s", out)
	}
	return out
}

func TestFormatDisjunction(t *testing.T) {
	// One line with the allowed values, not "3 errors in empty disjunction".
	out := formatSrc(t, "kind: *\"a\" | \"b\" | \"c\"\nkind: \"z\"\n")
	first, _, _ := strings.Cut(out, "\n")
	if want := `./envs/x.cue:2:7: error: schema: kind: "z" is not one of "a", "b", "c": use one of them, e.g. "a"`; first != want {
		t.Errorf("first line\n%s\nwant\n%s\nall:\n%s", first, want, out)
	}
	// The bound, not the conflict with the default.
	out = formatSrc(t, "n: *1 | int & >=0 & <=10\nn: 11\n")
	if first, _, _ := strings.Cut(out, "\n"); first != "./envs/x.cue:2:4: error: schema: n: 11 is out of range: it must be <= 10: use a value within that bound" {
		t.Errorf("got\n%s", out)
	}
}

func TestFormatShortensValues(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	out := formatSrc(t, "s: \"short\"\ns: \""+long+"\"\n")
	if len(out) > 1000 {
		t.Errorf("%d bytes printed for a 1 MiB value", len(out))
	}
	if !strings.Contains(out, `…" (1048578 bytes)`) {
		t.Errorf("the shortened value does not say its length:\n%s", out)
	}
}

// TestDecodeErrorPositioned: a value the Go model cannot hold is placed
// by the locator, from its path, in the trees the Load kept.
func TestDecodeErrorPositioned(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "envs", "x.cue")
	src := "environments: x: {\n\tservices: a: replicas: 2\n\tservices: b: replicas: 100000000000000000000\n}\n"
	v := cuecontext.New().CompileString(src, cue.Filename(file))
	_, err := decodeEnv(v.LookupPath(cue.ParsePath("environments.x")))
	if err == nil {
		t.Fatal("an overflowing number decoded")
	}
	trees := newTrees(root)
	f, perr := parser.ParseFile(file, src)
	if perr != nil {
		t.Fatal(perr)
	}
	trees.addFile(f)
	got := Format(&treesError{err: err, trees: trees}, root)
	want := regexp.MustCompile(`\A\./envs/x\.cue:3:\d+: error: schema \(x\): services\.b\.replicas: 100000000000000000000 is out of range for a 64-bit integer: `)
	if !want.MatchString(got) {
		t.Errorf("got\n%s\nwant it to match\n%s", got, want)
	}
}

func TestClashingDefaults(t *testing.T) {
	for s, want := range map[string]bool{
		`"de-dev" | "de-project-dev" | =~"^[a-z]+$"`: true,
		`false | true | bool`:                        true,
		`2 | 1 | int`:                                true,
		`"a" | "b"`:                                  false, // an enum left open
		`string`:                                     false,
		`"a" | string`:                               false,
	} {
		if got := clashingDefaults(s); got != want {
			t.Errorf("clashingDefaults(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestRenderErrorArgumentWhole: a list of errors printed as one ("%s (and
// 1 more errors)") prints its first message whole, once, and without its
// path: a message naming another service is not cut where it names it.
func TestRenderErrorArgumentWhole(t *testing.T) {
	msg := `environment local: service "mysql-mailcow" env MYSQL_PASSWORD uses Compose variable DBPASS as a secret, but acme-mailcow.DBPASS uses it as a value with another value: give one of them another variable name`
	path := []string{"environments", "local", "services", `"mysql-mailcow"`, "env", "MYSQL_PASSWORD"}
	list := cueerrors.Append(&pathErr{path: path, msg: msg}, &pathErr{path: path, msg: "another"})
	got := render(list)
	if want := msg + " (and 1 more errors)"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// pathErr is a CUE error at a path with a message and no position.
type pathErr struct {
	path []string
	msg  string
}

func (e *pathErr) Position() token.Pos         { return token.NoPos }
func (e *pathErr) InputPositions() []token.Pos { return nil }
func (e *pathErr) Error() string               { return strings.Join(e.path, ".") + ": " + e.msg }
func (e *pathErr) Path() []string              { return e.path }
func (e *pathErr) Msg() (string, []any)        { return "%s", []any{e.msg} }
