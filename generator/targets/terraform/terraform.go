// Package terraform generates the Terraform inputs of §5 of the seed plan:
// out/terraform/variables.tf, which declares every variable the Kafka and
// storage modules read, and out/terraform/<env>.tfvars with one environment's
// values. Both come from one table (variables) so a value can never lack its
// declaration or disagree with its type. Secrets are declared sensitive and
// never given a value: Terraform reads them from TF_VAR_<name>.
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

// variable is one Terraform input variable: its declaration and how its
// value is read from an environment.
type variable struct {
	name        string
	description string
	// typ is the Terraform type constraint. It is parsed by HCL's typeexpr
	// both to write the declaration and to check every value against it.
	typ string
	// secret names an entry of the model's secrets: the variable is declared
	// sensitive and gets no value in tfvars. Exactly one of secret and value
	// is set.
	secret string
	value  func(env *model.Environment) cty.Value
}

// variables returns the inputs of the root module of §5.2–5.5, in file
// order.
func variables() []variable {
	return []variable{
		{
			name:        "environment",
			description: "Name of the degen environment these values belong to.",
			typ:         "string",
			value:       func(e *model.Environment) cty.Value { return cty.StringVal(e.Name) },
		},
		{
			name:        "kafka_bootstrap_servers",
			description: "Kafka bootstrap servers as Terraform reaches them (host:port), for the Kafka provider.",
			typ:         "list(string)",
			value:       func(e *model.Environment) cty.Value { return strings_(e.Kafka.BootstrapServers) },
		},
		{
			name:        "kafka_brokers",
			description: "Number of Kafka brokers; no topic may have a larger replication factor.",
			typ:         "number",
			value:       func(e *model.Environment) cty.Value { return cty.NumberIntVal(int64(e.Kafka.Brokers)) },
		},
		{
			name:        "minio_endpoint",
			description: "MinIO S3 endpoint (host:port) for the MinIO provider.",
			typ:         "string",
			value:       func(e *model.Environment) cty.Value { return cty.StringVal(e.Minio.Endpoint) },
		},
		{
			name:        "minio_root_user",
			description: "MinIO root user name.",
			typ:         "string",
			value:       func(e *model.Environment) cty.Value { return cty.StringVal(e.Minio.RootUser) },
		},
		{
			name:   "minio_root_password",
			typ:    "string",
			secret: "minio-root-password",
		},
		{
			name:        "topic_partitions",
			description: "Default partition count of the Kafka topics.",
			typ:         "number",
			value:       func(e *model.Environment) cty.Value { return cty.NumberIntVal(int64(e.Kafka.Partitions)) },
		},
		{
			name:        "replication_factor",
			description: "Default replication factor of the Kafka topics.",
			typ:         "number",
			value:       func(e *model.Environment) cty.Value { return cty.NumberIntVal(int64(e.Kafka.ReplicationFactor)) },
		},
		{
			name:        "retention_ms",
			description: "Default retention of the Kafka topics in milliseconds, a string as Kafka topic configs are.",
			typ:         "string",
			value:       func(e *model.Environment) cty.Value { return cty.StringVal(fmt.Sprint(e.Kafka.RetentionMs)) },
		},
		{
			name:        "topics",
			description: "Kafka topics by name, with their partitions, replication factor and topic configs.",
			typ: `map(object({
				partitions         = number
				replication_factor = number
				config             = map(string)
			}))`,
			value: topics,
		},
		{
			name:        "buckets",
			description: "MinIO buckets by name, with their ACL and optional expiration rule.",
			typ: `map(object({
				acl = string
				lifecycle = optional(object({
					id              = string
					expiration_days = number
				}))
			}))`,
			value: buckets,
		},
	}
}

func strings_(list []string) cty.Value {
	if len(list) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func topics(e *model.Environment) cty.Value {
	m := map[string]cty.Value{}
	for _, name := range model.SortedKeys(e.Topics) {
		t := e.Topics[name]
		cfg := map[string]cty.Value{}
		for _, k := range model.SortedKeys(t.Config) {
			cfg[k] = cty.StringVal(t.Config[k])
		}
		config := cty.MapValEmpty(cty.String)
		if len(cfg) > 0 {
			config = cty.MapVal(cfg)
		}
		m[name] = cty.ObjectVal(map[string]cty.Value{
			"partitions":         cty.NumberIntVal(int64(t.Partitions)),
			"replication_factor": cty.NumberIntVal(int64(t.ReplicationFactor)),
			"config":             config,
		})
	}
	// An object, not a map: bucket objects differ in their attributes (the
	// optional lifecycle) and the declared type converts either.
	return cty.ObjectVal(m)
}

func buckets(e *model.Environment) cty.Value {
	m := map[string]cty.Value{}
	for _, name := range model.SortedKeys(e.Buckets) {
		b := e.Buckets[name]
		attrs := map[string]cty.Value{"acl": cty.StringVal(b.ACL)}
		if b.Lifecycle != nil {
			attrs["lifecycle"] = cty.ObjectVal(map[string]cty.Value{
				"id":              cty.StringVal(b.Lifecycle.ID),
				"expiration_days": cty.NumberIntVal(int64(b.Lifecycle.ExpirationDays)),
			})
		}
		m[name] = cty.ObjectVal(attrs)
	}
	return cty.ObjectVal(m)
}

// typeOf parses a variable's type constraint with HCL's own parser.
func (v variable) typeOf() (cty.Type, hclwrite.Tokens, error) {
	expr, diags := hclsyntax.ParseExpression([]byte(v.typ), v.name+".type", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilType, nil, fmt.Errorf("type of variable %s: %w", v.name, diags)
	}
	ty, diags := typeexpr.TypeConstraint(expr)
	if diags.HasErrors() {
		return cty.NilType, nil, fmt.Errorf("type of variable %s: %w", v.name, diags)
	}
	f, diags := hclwrite.ParseConfig([]byte("type = "+v.typ+"\n"), v.name+".type", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilType, nil, fmt.Errorf("type of variable %s: %w", v.name, diags)
	}
	return ty, f.Body().GetAttribute("type").Expr().BuildTokens(nil), nil
}

// Variables renders variables.tf from base: every variable of the table with
// its type and description.
func Variables(base *model.Environment) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	comment(body,
		"Generated by degen from the model in envs/; do not edit.",
		"Declares every input of the Kafka (§5.4) and storage (§5.5) modules. Run:",
		"  TF_VAR_minio_root_password=... terraform plan -var-file=<env>.tfvars",
		"Sensitive variables have no value in any tfvars file; set them as TF_VAR_<name>.",
	)
	body.AppendNewline()
	tf := body.AppendNewBlock("terraform", nil).Body()
	comment(tf, "optional() object attributes need Terraform 1.3.")
	tf.SetAttributeValue("required_version", cty.StringVal(">= 1.3.0"))
	for _, v := range variables() {
		_, typeTokens, err := v.typeOf()
		if err != nil {
			return nil, err
		}
		desc := v.description
		if v.secret != "" {
			s, ok := base.Secrets[v.secret]
			if !ok {
				return nil, secretMissing(base, v)
			}
			desc = fmt.Sprintf("%s. Secret: never in tfvars; set TF_VAR_%s (key %s in the secret store).", strings.TrimSuffix(s.Description, "."), v.name, s.Key)
		}
		body.AppendNewline()
		b := body.AppendNewBlock("variable", []string{v.name}).Body()
		b.SetAttributeRaw("type", typeTokens)
		b.SetAttributeValue("description", cty.StringVal(desc))
		if v.secret != "" {
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
	for _, v := range variables() {
		if v.secret != "" {
			if _, ok := env.Secrets[v.secret]; !ok {
				return nil, secretMissing(env, v)
			}
			comment(body, fmt.Sprintf("%s is sensitive: set TF_VAR_%s.", v.name, v.name))
			continue
		}
		ty, _, err := v.typeOf()
		if err != nil {
			return nil, err
		}
		val := v.value(env)
		if _, err := convert.Convert(val, ty); err != nil {
			return nil, fmt.Errorf("variable %s of environment %s does not fit type %s: %w", v.name, env.Name, v.typ, err)
		}
		body.SetAttributeValue(v.name, val)
	}
	return hclwrite.Format(f.Bytes()), nil
}

func secretMissing(env *model.Environment, v variable) error {
	return model.Errorf(env, "secrets",
		"environment %s: Terraform variable %s reads secret %q, which is not defined: add it under secrets (a reference, never a value)", env.Name, v.name, v.secret)
}

// comment appends full-line comments through hclwrite's own token type.
func comment(body *hclwrite.Body, lines ...string) {
	var toks hclwrite.Tokens
	for _, l := range lines {
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte(strings.TrimRight("# "+l, " ") + "\n")})
	}
	body.AppendUnstructuredTokens(toks)
}
