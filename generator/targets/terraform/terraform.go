// Package terraform generates the Terraform inputs the model declares in
// terraform.variables: out/terraform/variables.tf, which declares every
// variable (from the base), and out/terraform/<env>.tfvars with one
// environment's values. Both come from the same declarations, so a value can
// never lack its declaration, and every value is converted to its declared
// type. A secret variable is declared sensitive and never given a value:
// Terraform reads it from TF_VAR_<name>.
package terraform

import (
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// Name is the artefact name environments list to get Terraform inputs.
const Name = "terraform"

// VariablesPath is the shared declarations file, relative to out/.
const VariablesPath = "terraform/variables.tf"

// Target generates variables.tf and <env>.tfvars.
type Target struct{}

var _ target.Target = Target{}

// Name returns "terraform".
func (Target) Name() string { return Name }

// Generate returns the shared variables.tf (from Base, identical for every
// environment) and the environment's tfvars.
func (Target) Generate(in target.Input) (target.Output, error) {
	decl, err := Variables(in.Base)
	if err != nil {
		return target.Output{}, err
	}
	vals, err := TFVars(in.Env)
	if err != nil {
		return target.Output{}, err
	}
	return target.Output{Files: []target.File{
		{Path: VariablesPath, Data: decl, Shared: true},
		{Path: TFVarsPath(in.Env.Name), Data: vals},
	}}, nil
}

// TFVarsPath is where the values of env are written, relative to out/.
func TFVarsPath(env string) string { return path.Join("terraform", env+".tfvars") }

// variable is one declared Terraform input variable of the model.
type variable struct {
	name string
	model.TFVariable
}

// declared returns env's variables, sorted by name.
func declared(env *model.Environment) []variable {
	vars := make([]variable, 0, len(env.Terraform.Variables))
	for _, name := range model.SortedKeys(env.Terraform.Variables) {
		vars = append(vars, variable{name, env.Terraform.Variables[name]})
	}
	return vars
}

func (v variable) path(field string) string { return model.P("terraform", "variables", v.name, field) }

// check says what is wrong with v's declaration in env: a type HCL cannot
// parse, neither or both of value and secret, or a secret that is not
// defined. With declOnly (variables.tf, from the base) a missing value is
// no fault: a variable may get its value from each environment alone.
func (v variable) check(env *model.Environment, declOnly bool) (cty.Type, hclwrite.Tokens, error) {
	ty, tokens, err := v.typeOf()
	if err != nil {
		return cty.NilType, nil, model.Errorf(env, v.path("type"), "Terraform variable %s: %v: write a Terraform type constraint such as \"string\" or \"list(string)\"", v.name, err)
	}
	switch {
	case v.Secret != "" && v.Value != nil:
		return ty, nil, model.Errorf(env, v.path("value"), "Terraform variable %s reads secret %q and has a value: a secret variable never has a value under out/; drop value", v.name, v.Secret)
	case v.Secret == "" && v.Value == nil && !declOnly:
		return ty, nil, model.Errorf(env, v.path("value"), "Terraform variable %s has no value: give value, or secret for a sensitive variable", v.name)
	case v.Secret != "":
		if _, ok := env.Secrets[v.Secret]; !ok {
			return ty, nil, model.Errorf(env, v.path("secret"), "Terraform variable %s reads secret %q, which is not defined: add it under secrets (a reference, never a value)", v.name, v.Secret)
		}
	}
	return ty, tokens, nil
}

// typeOf parses a variable's type constraint with HCL's own parser.
func (v variable) typeOf() (cty.Type, hclwrite.Tokens, error) {
	expr, diags := hclsyntax.ParseExpression([]byte(v.Type), v.name+".type", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilType, nil, diags
	}
	ty, diags := typeexpr.TypeConstraint(expr)
	if diags.HasErrors() {
		return cty.NilType, nil, diags
	}
	f, diags := hclwrite.ParseConfig([]byte("type = "+v.Type+"\n"), v.name+".type", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilType, nil, diags
	}
	return ty, f.Body().GetAttribute("type").Expr().BuildTokens(nil), nil
}

// value converts v's JSON value to cty, checked against its type. Objects
// stay objects (not maps), so that entries with different optional
// attributes still convert to the declared type.
func (v variable) value(env *model.Environment, ty cty.Type) (cty.Value, error) {
	implied, err := ctyjson.ImpliedType(v.Value)
	if err == nil {
		var val cty.Value
		if val, err = ctyjson.Unmarshal(v.Value, implied); err == nil {
			if _, err = convert.Convert(val, ty); err == nil {
				return val, nil
			}
		}
	}
	return cty.NilVal, model.Errorf(env, v.path("value"), "Terraform variable %s: the value does not fit type %s: %v", v.name, strings.Join(strings.Fields(v.Type), " "), err)
}

// Variables renders variables.tf from base: every declared variable with its
// type and description, sensitive for a secret.
func Variables(base *model.Environment) ([]byte, error) {
	vars := declared(base)
	var secretVars []string
	for _, v := range vars {
		if v.Secret != "" {
			secretVars = append(secretVars, "TF_VAR_"+v.name+"=...")
		}
	}
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	lines := []string{"Generated by degen from the model's terraform.variables; do not edit. Run:"}
	lines = append(lines, "  "+strings.Join(append(secretVars, "terraform plan -var-file=<env>.tfvars"), " "))
	lines = append(lines, "Sensitive variables have no value in any tfvars file; set them as TF_VAR_<name>.")
	comment(body, lines...)
	body.AppendNewline()
	tf := body.AppendNewBlock("terraform", nil).Body()
	comment(tf, "optional() object attributes need Terraform 1.3.")
	tf.SetAttributeValue("required_version", cty.StringVal(">= 1.3.0"))
	for _, v := range vars {
		_, typeTokens, err := v.check(base, true)
		if err != nil {
			return nil, err
		}
		desc := v.Description
		if v.Secret != "" {
			s := base.Secrets[v.Secret]
			desc = fmt.Sprintf("%s. Secret: never in tfvars; set TF_VAR_%s (key %s in the secret store).", strings.TrimSuffix(s.Description, "."), v.name, s.Key)
		}
		body.AppendNewline()
		b := body.AppendNewBlock("variable", []string{v.name}).Body()
		b.SetAttributeRaw("type", typeTokens)
		b.SetAttributeValue("description", cty.StringVal(desc))
		if v.Secret != "" {
			b.SetAttributeValue("sensitive", cty.True)
		}
	}
	return hclwrite.Format(f.Bytes()), nil
}

// TFVars renders <env>.tfvars: the value of every non-secret variable,
// checked against its declared type.
func TFVars(env *model.Environment) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	comment(body,
		fmt.Sprintf("Generated by degen for environment %s; do not edit.", env.Name),
		fmt.Sprintf("  terraform plan -var-file=%s.tfvars", env.Name),
	)
	for _, v := range declared(env) {
		ty, _, err := v.check(env, false)
		if err != nil {
			return nil, err
		}
		if v.Secret != "" {
			comment(body, fmt.Sprintf("%s is sensitive: set TF_VAR_%s.", v.name, v.name))
			continue
		}
		val, err := v.value(env, ty)
		if err != nil {
			return nil, err
		}
		body.SetAttributeValue(v.name, val)
	}
	return hclwrite.Format(f.Bytes()), nil
}

// comment appends full-line comments through hclwrite's own token type.
func comment(body *hclwrite.Body, lines ...string) {
	var toks hclwrite.Tokens
	for _, l := range lines {
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(strings.TrimRight("# "+l, " ") + "\n")})
	}
	body.AppendUnstructuredTokens(toks)
}
