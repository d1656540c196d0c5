package terraform

import (
	"github.com/degen-dev/degen/generator/internal/keypath"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

var _ target.Origin = Target{}

// Origin maps an attribute of a tfvars file, or a key inside its value, to
// the variable's value in terraform.variables; an attribute of a variable
// block of variables.tf to its declaration there.
func (Target) Origin(env *model.Environment, l target.Line) (target.Attribution, bool) {
	return target.Attribute(env, l, fieldOrigin, ownerOrigin)
}

// ownerOrigin: the other lines of variables.tf (the terraform block) are
// written for the model's terraform settings.
func ownerOrigin(*model.Environment, target.Line) (string, bool) {
	return model.P("terraform"), true
}

// fieldOrigin is the model field that decides l.
func fieldOrigin(env *model.Environment, l target.Line) (string, bool) {
	if l.File == VariablesPath {
		stars, rest, ok := keypath.Match(l.Keys, "variable", "*")
		if !ok {
			return "", false
		}
		v, declared := env.Terraform.Variables[stars[0]]
		if !declared {
			return "", false
		}
		parts := []any{"terraform", "variables", stars[0]}
		switch {
		case len(rest) == 0:
		case rest[0] == "sensitive" || rest[0] == "description" && v.Secret != "":
			parts = append(parts, "secret")
		default:
			parts = append(parts, rest[0])
		}
		return model.P(parts...), true
	}
	if l.File != TFVarsPath(env.Name) || len(l.Keys) == 0 {
		return "", false
	}
	if _, declared := env.Terraform.Variables[l.Keys[0]]; !declared {
		return "", false
	}
	parts := append([]any{"terraform", "variables", l.Keys[0], "value"}, keypath.Parts(l.Keys[1:])...)
	return model.P(parts...), true
}
