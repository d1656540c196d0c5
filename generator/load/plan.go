package load

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
)

// A model is evaluated as one CUE instance per environment, plus one for
// the base when it cannot be read from an environment's (baseFromEnv). An environment's files say which environment they belong to
// with CUE's own build attribute, before their package clause:
//
//	@if(prod)
//
//	package envs
//
//	environments: prod: { … }
//
// cue/load includes such a file only when the tag prod is set
// (load.Config.Tags), so the instance of prod is the untagged files of
// envs/ plus prod's own, and the base instance is the untagged files alone:
// #Base and the schema, with no environment. Each instance is evaluated in
// a CUE context of its own, in parallel (see Load), and its inputs are the
// files it reads, so that a cache can key each environment on them
// (Plan.Inputs).
//
// An environment defined in an untagged file is still read: it is
// evaluated in the base instance (and, as CUE defines it, in every other
// instance too).

// Plan is which files of envs/ each instance reads, from the files'
// headers alone: nothing is evaluated.
type Plan struct {
	// Root is the absolute directory of the model's CUE module.
	Root string
	// Shared are the files of envs/ with no @if, relative to Root and
	// slash-separated, sorted: every instance reads them.
	Shared []string
	// Tagged maps each environment named by an @if to its files, sorted.
	Tagged map[string][]string
	// tagPos is where the first file of each environment names it.
	tagPos map[string]token.Pos
}

// Names returns the environments the files tag, sorted.
func (p *Plan) Names() []string { return model.SortedKeys(p.Tagged) }

// Known are the environments the files tag and untagged, those the
// untagged files define, sorted.
func (p *Plan) Known(untagged []string) []string {
	names := append(p.Names(), untagged...)
	sort.Strings(names)
	return slices.Compact(names)
}

// IsTagged reports whether env has files of its own.
func (p *Plan) IsTagged(env string) bool { _, ok := p.Tagged[env]; return ok }

// Excluded reports whether the instance of env (the base instance for "")
// does not read the file rel of envs/: it is tagged for another
// environment.
func (p *Plan) Excluded(env, rel string) bool {
	for name, files := range p.Tagged {
		if name == env {
			continue
		}
		for _, f := range files {
			if f == rel {
				return true
			}
		}
	}
	return false
}

// Scan reads the headers of the files of envs/ under root (an absolute
// directory) and returns which instance reads which. A file whose @if
// names anything but one environment is an error at the attribute.
func Scan(root string) (*Plan, error) {
	repo, err := OpenRepo(root)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	return scan(repo, root)
}

// scan is Scan, reading through repo: a file of envs/ it refuses (a link
// leaving the model root, a file over MaxModelFile) is an error at the
// file.
func scan(repo *repofs.Repo, root string) (*Plan, error) {
	p := &Plan{Root: root, Tagged: map[string][]string{}, tagPos: map[string]token.Pos{}}
	entries, err := fs.ReadDir(repo.FS(), path.Clean(model.EnvsPackage))
	if err != nil {
		// cue/load says what is wrong with the package.
		return p, nil
	}
	var errs cueerrors.Error
	for _, e := range entries {
		name := e.Name()
		// cue/load's rule: files starting with _ or . are not read.
		if e.IsDir() || !strings.HasSuffix(name, ".cue") || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			continue
		}
		rel := path.Join(model.EnvsPackage, name)
		filename := filepath.Join(root, filepath.FromSlash(rel))
		src, err := repo.ReadFile(rel)
		if err != nil {
			errs = cueerrors.Append(errs, RefusedFile(filename, err))
			continue
		}
		env, pos, err := fileEnv(filename, src)
		if err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
			continue
		}
		if env == "" {
			p.Shared = append(p.Shared, rel)
		} else {
			p.Tagged[env] = append(p.Tagged[env], rel)
			if !p.tagPos[env].IsValid() || rel < p.Tagged[env][0] {
				p.tagPos[env] = pos
			}
		}
	}
	if errs != nil {
		return nil, errs
	}
	sort.Strings(p.Shared)
	for _, files := range p.Tagged {
		sort.Strings(files)
	}
	return p, nil
}

// fileEnv returns the environment a file's @if names, and where, or ""
// for a file with none. A file that does not parse is left to cue/load,
// which reports it with its position.
func fileEnv(filename string, src []byte) (string, token.Pos, error) {
	f, err := parser.ParseFile(filename, src, parser.ImportsOnly)
	if err != nil {
		return "", token.NoPos, nil
	}
	var pos token.Pos
	env := ""
	for _, a := range BuildTags(f) {
		_, body := a.Split()
		x, err := parser.ParseExpr("@if", body)
		id, isIdent := x.(*ast.Ident)
		if err != nil || !isIdent || env != "" {
			return "", token.NoPos, cueerrors.Newf(a.Pos(), "%s: degen reads a file's @if as the one environment the file belongs to: name one environment, e.g. @if(prod) (with each - of its name written _, @if(us_east) for us-east), and put what several environments share in a file without @if", a.Text)
		}
		env, pos = model.EnvOfTag(id.Name), a.Pos()
	}
	if env == "" && bytes.Contains(src, []byte("@if")) {
		return "", token.NoPos, lateTag(filename, src)
	}
	return env, pos, nil
}

// BuildTags returns the @if attributes of f that CUE reads as build
// attributes: those before its package clause.
func BuildTags(f *ast.File) []*ast.Attribute {
	var out []*ast.Attribute
	for _, d := range f.Decls {
		if _, ok := d.(*ast.Package); ok {
			break
		}
		if a, ok := d.(*ast.Attribute); ok {
			if key, _ := a.Split(); key == "if" {
				out = append(out, a)
			}
		}
	}
	return out
}

// lateTag refuses an @if among a file's declarations after its package
// clause. CUE reads a build attribute only before the package clause, so
// the file would be in every environment's instance, whatever the @if says.
func lateTag(filename string, src []byte) error {
	f, err := parser.ParseFile(filename, src)
	if err != nil {
		return nil // cue/load reports it
	}
	pkg := false
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.Package:
			pkg = true
		case *ast.Attribute:
			if key, _ := d.Split(); key == "if" && pkg {
				return cueerrors.Newf(d.Pos(), "%s comes after the package clause, where CUE does not read it as a build attribute: the file would be in every environment; move it above the package clause", d.Text)
			}
		}
	}
	return nil
}

// strayEnvs returns an error at each top-level environments field of the
// files of env (relative paths) that names another environment: only
// env's instance reads those files, so the field would be lost.
func strayEnvs(root, env string, files []*ast.File, own []string) error {
	var errs cueerrors.Error
	for _, f := range files {
		rel, err := filepath.Rel(root, f.Filename)
		if err != nil || !slices.Contains(own, filepath.ToSlash(rel)) {
			continue
		}
		for n, label := range envLabels(f) {
			if n != env {
				errs = cueerrors.Append(errs, cueerrors.Newf(label.Pos(), "environments.%s is defined in %s, which is tagged @if(%s): only %s's instance reads that file, so %s would not get it; move it to %s's file or to a file without @if", n, filepath.ToSlash(rel), model.EnvTag(env), env, n, n))
			}
		}
	}
	if errs == nil {
		return nil
	}
	return errs
}

// declaredEnvs returns the environments the files declare by a fixed
// label in a top-level environments struct, read from the syntax alone
// (for shell completion: environments made by a comprehension are missed).
func declaredEnvs(files []*ast.File) []string {
	var names []string
	for _, f := range files {
		for n := range envLabels(f) {
			names = append(names, n)
		}
	}
	return names
}

// envLabels yields the fixed labels of the fields of f's top-level
// environments structs, with their names, in the order of the file.
func envLabels(f *ast.File) iter.Seq2[string, ast.Label] {
	return func(yield func(string, ast.Label) bool) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.Field)
			if !ok || !labelIs(fd.Label, model.PathEnvironments) {
				continue
			}
			st, ok := fd.Value.(*ast.StructLit)
			if !ok {
				continue
			}
			for _, e := range st.Elts {
				ef, ok := e.(*ast.Field)
				if !ok {
					continue
				}
				if n, ok := labelName(ef.Label); ok && !yield(n, ef.Label) {
					return
				}
			}
		}
	}
}

// labelName returns the name a fixed label gives its field.
func labelName(l ast.Label) (string, bool) {
	switch x := l.(type) {
	case *ast.Ident:
		return x.Name, true
	case *ast.BasicLit:
		s, err := literal.Unquote(x.Value)
		return s, err == nil
	case *ast.Alias:
		if e, ok := x.Expr.(ast.Label); ok {
			return labelName(e)
		}
	}
	return "", false
}

// labelIs reports whether a field label is name, written as an identifier,
// a quoted string or behind an alias (E=environments).
func labelIs(l ast.Label, name string) bool {
	n, ok := labelName(l)
	return ok && n == name
}

// RefusedFile is err, a refused read of the model file filename (an
// absolute path under the model root), as an error at the file's first
// line: ./envs/x.cue:1:1: "envs/x.cue" leads outside the model root….
func RefusedFile(filename string, err error) cueerrors.Error {
	pos := token.NewFile(filename, -1, 1).Pos(0, token.NoRelPos)
	var re *repofs.Error
	if errors.As(err, &re) {
		return cueerrors.Newf(pos, "%s", fmt.Sprintf("%q %s", re.Path, re.Reason))
	}
	return cueerrors.Newf(pos, "cannot be read: %v", err)
}
