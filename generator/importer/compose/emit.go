package compose

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/mod/modfile"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/schema"
)

// SchemaImport is the import path of degen's schema in a model.
const SchemaImport = "degen.dev/schema"

// moduleFile is cue.mod/module.cue of a new model: the module, the
// language version and the dependency on the schema this binary serves,
// through cue's own module file formatter.
func moduleFile(module string) ([]byte, error) {
	f := &modfile.File{
		Module:   module,
		Language: &modfile.Language{Version: "v0.17.0"},
		Deps:     map[string]*modfile.Dep{schema.Module: {Version: schema.Version}},
	}
	data, err := modfile.Format(f)
	if err != nil {
		return nil, fmt.Errorf("module path %q: %w", module, err)
	}
	if _, err := modfile.Parse(data, "cue.mod/module.cue"); err != nil {
		return nil, fmt.Errorf("module path %q: %w", module, err)
	}
	return data, nil
}

// cueFile formats one file of package envs importing the schema. A file
// of one environment (env set) carries @if(env): it is read by that
// environment's instance alone.
func cueFile(doc []string, top *obj, imports bool, env string) ([]byte, error) {
	f := &ast.File{}
	if env != "" {
		f.Decls = append(f.Decls, &ast.Attribute{Text: "@if(" + model.EnvTag(env) + ")"})
	}
	pkg := &ast.Package{Name: ast.NewIdent("envs")}
	addDoc(pkg, doc)
	f.Decls = append(f.Decls, pkg)
	if imports {
		f.Decls = append(f.Decls, &ast.ImportDecl{Specs: []*ast.ImportSpec{ast.NewImport(nil, SchemaImport)}})
	}
	for _, d := range top.fields {
		f.Decls = append(f.Decls, field(d))
	}
	out, err := format.Node(f, format.Simplify())
	if err != nil {
		return nil, fmt.Errorf("formatting the model: %w", err)
	}
	// The import must give a file CUE parses back.
	if _, err := parser.ParseFile("model.cue", out, parser.ParseComments); err != nil {
		return nil, fmt.Errorf("internal error: the imported model does not parse: %w", err)
	}
	return out, nil
}

func field(d fld) *ast.Field {
	f := &ast.Field{Label: label(d.label), Value: value(d.value)}
	addDoc(f, d.doc)
	return f
}

func addDoc(n ast.Node, doc []string) {
	if len(doc) == 0 {
		return
	}
	cg := &ast.CommentGroup{Doc: true}
	for _, line := range doc {
		for _, l := range strings.Split(line, "\n") {
			// Escaped (textesc): a Compose file's text in a comment of the
			// model carries no control or bidi character into it.
			cg.List = append(cg.List, &ast.Comment{Text: strings.TrimRight("// "+textesc.Line(l), " ")})
		}
	}
	ast.AddComment(n, cg)
}

// label is an identifier when CUE allows one, a quoted string otherwise;
// "#Base" and the like stay definitions.
func label(s string) ast.Label {
	if alias, ok := strings.CutPrefix(s, "["); ok {
		// A pattern constraint [Alias=string].
		name, typ, _ := strings.Cut(strings.TrimSuffix(alias, "]"), "=")
		return &ast.ListLit{Elts: []ast.Expr{&ast.Alias{Ident: ast.NewIdent(name), Expr: ast.NewIdent(typ)}}}
	}
	if ast.IsValidIdent(s) && !strings.HasPrefix(s, "_") {
		return ast.NewIdent(s)
	}
	return ast.NewString(s)
}

func value(v any) ast.Expr {
	switch x := v.(type) {
	case string:
		return ast.NewString(x)
	case int:
		return &ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(x)}
	case float64:
		return &ast.BasicLit{Kind: token.FLOAT, Value: strconv.FormatFloat(x, 'g', -1, 64)}
	case nil:
		return ast.NewNull()
	case bool:
		return ast.NewBool(x)
	case []any:
		elts := make([]ast.Expr, len(x))
		for i, e := range x {
			elts[i] = value(e)
		}
		return ast.NewList(elts...)
	case *obj:
		s := &ast.StructLit{}
		for _, d := range x.fields {
			s.Elts = append(s.Elts, field(d))
		}
		return s
	case unify:
		elts := make([]ast.Expr, len(x))
		for i, e := range x {
			elts[i] = value(e)
		}
		return ast.NewBinExpr(token.AND, elts...)
	case overridable:
		return ast.NewBinExpr(token.OR, &ast.UnaryExpr{Op: token.MUL, X: value(x.v)}, ast.NewIdent("_"))
	case expr:
		// An identifier or a selector of an imported package.
		if pkg, sel, ok := strings.Cut(string(x), "."); ok {
			return ast.NewSel(ast.NewIdent(pkg), sel)
		}
		return ast.NewIdent(string(x))
	}
	panic(fmt.Sprintf("internal error: import value of type %T", v))
}
