package terraform_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"github.com/degen-dev/degen/generator/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/terraform"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	genOnce sync.Once
	genRes  *generator.Result
	genErr  error
)

// files generates the terraform target for every environment of the
// repository's model through the pipeline, which also proves variables.tf is
// the same for all of them.
func files(t *testing.T) *generator.Result {
	t.Helper()
	genOnce.Do(func() {
		m, err := load.Load(load.Options{Dir: "../../.."})
		if err != nil {
			genErr = err
			return
		}
		genRes, genErr = generator.Generate(m, nil, []target.Target{terraform.Target{}})
	})
	if genErr != nil {
		t.Fatalf("generating: %s", load.Format(genErr, "../../.."))
	}
	return genRes
}

func tfvarsEnvs(r *generator.Result) []string {
	var envs []string
	for _, p := range r.Paths() {
		if strings.HasSuffix(p, ".tfvars") {
			envs = append(envs, strings.TrimSuffix(filepath.Base(p), ".tfvars"))
		}
	}
	return envs
}

func TestEveryEnvironmentGetsTFVars(t *testing.T) {
	r := files(t)
	got := tfvarsEnvs(r)
	want := []string{"dev", "local", "prod", "staging"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("tfvars for %v, want %v", got, want)
	}
	if _, ok := r.Files[terraform.VariablesPath]; !ok {
		t.Fatalf("no %s", terraform.VariablesPath)
	}
}

// parse reads an HCL file with HCL's own parser.
func parse(t *testing.T, name string, data []byte) hcl.Body {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL(data, name)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	return f.Body
}

// attrValue evaluates a literal attribute of a tfvars file.
func attrValue(t *testing.T, body hcl.Body, name string) cty.Value {
	t.Helper()
	attr, ok := body.(*hclsyntax.Body).Attributes[name]
	if !ok {
		t.Fatalf("no attribute %s", name)
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	return v
}

// TestProdSeedValues checks prod.tfvars against §5.7 of the seed (prod.tfvars:
// topic_partitions = 12, replication_factor = 3, retention_ms = "2592000000",
// 30 days) and §7.2 (raw data kept 90 days in prod).
func TestProdSeedValues(t *testing.T) {
	body := parse(t, "prod.tfvars", files(t).Files[terraform.TFVarsPath("prod")])
	if v := attrValue(t, body, "topic_partitions"); !v.RawEquals(cty.NumberIntVal(12)) {
		t.Errorf("topic_partitions = %#v, want 12", v)
	}
	if v := attrValue(t, body, "replication_factor"); !v.RawEquals(cty.NumberIntVal(3)) {
		t.Errorf("replication_factor = %#v, want 3", v)
	}
	if v := attrValue(t, body, "retention_ms"); !v.RawEquals(cty.StringVal("2592000000")) {
		t.Errorf("retention_ms = %#v, want \"2592000000\" (30 days)", v)
	}
	topics := attrValue(t, body, "topics")
	raw := topics.GetAttr("raw-trades")
	if p := raw.GetAttr("partitions"); !p.RawEquals(cty.NumberIntVal(12)) {
		t.Errorf("raw-trades partitions = %#v, want 12", p)
	}
	if r := raw.GetAttr("config").GetAttr("retention.ms"); !r.RawEquals(cty.StringVal("2592000000")) {
		t.Errorf("raw-trades retention.ms = %#v, want 2592000000", r)
	}
	// §5.4: the dead-letter queue keeps 3 partitions and 7 days (604800000
	// ms), in prod too.
	dlq := topics.GetAttr("dead-letter-queue")
	if p := dlq.GetAttr("partitions"); !p.RawEquals(cty.NumberIntVal(3)) {
		t.Errorf("dead-letter-queue partitions = %#v, want 3", p)
	}
	if r := dlq.GetAttr("config").GetAttr("retention.ms"); !r.RawEquals(cty.StringVal("604800000")) {
		t.Errorf("dead-letter-queue retention.ms = %#v, want 604800000 (7 days)", r)
	}
	days := attrValue(t, body, "buckets").GetAttr("prod-raw-data").GetAttr("lifecycle").GetAttr("expiration_days")
	if !days.RawEquals(cty.NumberIntVal(90)) {
		t.Errorf("raw-data expiration_days = %#v, want 90", days)
	}
}

// TestDeclarationsMatchValues checks that each tfvars sets exactly the
// declared variables that are not sensitive, and never a sensitive one.
func TestDeclarationsMatchValues(t *testing.T) {
	if sensitive := checkDeclarations(t, files(t)); len(sensitive) == 0 || sensitive[0] != "minio_root_password" {
		t.Errorf("sensitive variables = %v, want minio_root_password", sensitive)
	}
}

// checkDeclarations checks, with HCL's own parser, that every variable of
// r's variables.tf has a type and a description, and that each tfvars sets
// exactly the ones not sensitive and says how to pass each sensitive one.
// It returns the sensitive variables, sorted.
func checkDeclarations(t *testing.T, r *generator.Result) []string {
	t.Helper()
	decl := parse(t, "variables.tf", r.Files[terraform.VariablesPath]).(*hclsyntax.Body)
	var plain, sensitive []string
	for _, b := range decl.Blocks {
		if b.Type != "variable" {
			continue
		}
		if _, ok := b.Body.Attributes["type"]; !ok {
			t.Errorf("variable %s has no type", b.Labels[0])
		}
		if _, ok := b.Body.Attributes["description"]; !ok {
			t.Errorf("variable %s has no description", b.Labels[0])
		}
		if _, ok := b.Body.Attributes["sensitive"]; ok {
			sensitive = append(sensitive, b.Labels[0])
			continue
		}
		plain = append(plain, b.Labels[0])
	}
	sort.Strings(plain)
	sort.Strings(sensitive)
	for _, env := range tfvarsEnvs(r) {
		data := r.Files[terraform.TFVarsPath(env)]
		body := parse(t, env+".tfvars", data).(*hclsyntax.Body)
		var set []string
		for name := range body.Attributes {
			set = append(set, name)
		}
		sort.Strings(set)
		if strings.Join(set, " ") != strings.Join(plain, " ") {
			t.Errorf("%s.tfvars sets %v, variables.tf declares %v", env, set, plain)
		}
		for _, s := range sensitive {
			if !bytes.Contains(data, []byte("TF_VAR_"+s)) {
				t.Errorf("%s.tfvars does not say how to pass %s", env, s)
			}
		}
	}
	return sensitive
}

func TestGolden(t *testing.T) {
	r := files(t)
	for _, p := range r.Paths() {
		golden.Check(t, filepath.Join("testdata", filepath.Base(p)), r.Files[p], *update)
	}
}

// TestBadDeclarations: every mistake in a variable declaration is an error
// at the model path of the field to fix.
func TestBadDeclarations(t *testing.T) {
	for name, c := range map[string]struct {
		v          model.TFVariable
		path, want string
	}{
		"missing secret":   {model.TFVariable{Type: "string", Secret: "nope"}, `terraform.variables.v.secret`, `reads secret "nope", which is not defined`},
		"value and secret": {model.TFVariable{Type: "string", Secret: "pw", Value: json.RawMessage(`"x"`)}, `terraform.variables.v.value`, `a secret variable never has a value`},
		"neither":          {model.TFVariable{Type: "string"}, `terraform.variables.v.value`, `has no value`},
		"bad type":         {model.TFVariable{Type: "lisst(string)", Value: json.RawMessage(`["a"]`)}, `terraform.variables.v.type`, `write a Terraform type constraint`},
		"value misfit":     {model.TFVariable{Type: "number", Value: json.RawMessage(`"three"`)}, `terraform.variables.v.value`, `does not fit type number`},
		"object misfit":    {model.TFVariable{Type: "map(object({a = number}))", Value: json.RawMessage(`{"x": {"b": 1}}`)}, `terraform.variables.v.value`, `does not fit type`},
	} {
		t.Run(name, func(t *testing.T) {
			env := &model.Environment{
				Name:      "x",
				Secrets:   map[string]model.Secret{"pw": {EnvVar: "PW", Key: "pw"}},
				Terraform: model.Terraform{Variables: map[string]model.TFVariable{"v": c.v}},
			}
			_, err := terraform.TFVars(env)
			var me *model.Error
			if !errors.As(err, &me) || me.Env != "x" || me.Path != c.path || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v (%#v), want a model error at %s saying %q", err, me, c.path, c.want)
			}
		})
	}
	// A good declaration of each kind passes.
	env := &model.Environment{Name: "x", Secrets: map[string]model.Secret{"pw": {EnvVar: "PW", Key: "pw"}},
		Terraform: model.Terraform{Variables: map[string]model.TFVariable{
			"n": {Type: "number", Value: json.RawMessage(`3`)},
			"s": {Type: "string", Secret: "pw"},
		}}}
	data, err := terraform.TFVars(env)
	if err != nil || !strings.Contains(string(data), "n = 3") || !strings.Contains(string(data), "set TF_VAR_s") {
		t.Fatalf("good declarations: %v\n%s", err, data)
	}
}

// terraformCmd runs the terraform binary offline in dir.
func terraformCmd(t *testing.T, dir string, env []string, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("terraform", args...)
	cmd.Dir = dir
	cfg := filepath.Join(dir, "terraformrc")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTerraformPlan hands the generated files to Terraform itself: init,
// validate, then plan and console for every environment.
func TestTerraformPlan(t *testing.T) {
	r := files(t)
	dir := checkTerraform(t, r, []string{"minio_root_password"})
	// Terraform's own reading of the prod values.
	secret := []string{"TF_VAR_minio_root_password=dummy"}
	expr := `join(" ", [var.topic_partitions, var.retention_ms, var.topics["raw-trades"].partitions, var.buckets["prod-raw-data"].lifecycle.expiration_days, var.buckets["prod-backups"].lifecycle == null])`
	out, err := terraformCmd(t, dir, secret, expr+"\n", "console", "-var-file=prod.tfvars")
	if err != nil {
		t.Fatalf("terraform console: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(out), `"12 2592000000 12 90 true"`; got != want {
		t.Errorf("terraform console on prod.tfvars printed %s, want %s", got, want)
	}
}

// checkTerraform writes r's files into a directory and runs terraform
// init, validate, and plan for every environment with a dummy value for
// each sensitive variable, without warnings; without them, plan must
// refuse and name the first. It returns the directory.
func checkTerraform(t *testing.T, r *generator.Result, sensitive []string) string {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not installed (expected at /usr/local/bin/terraform); install Terraform >= 1.3 to run this test")
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "terraformrc"), nil, 0o644))
	for _, p := range r.Paths() {
		must(os.WriteFile(filepath.Join(dir, filepath.Base(p)), r.Files[p], 0o644))
	}
	if out, err := terraformCmd(t, dir, nil, "", "init", "-backend=false", "-input=false", "-no-color"); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	if out, err := terraformCmd(t, dir, nil, "", "validate", "-no-color"); err != nil {
		t.Fatalf("terraform validate: %v\n%s", err, out)
	}
	var secret []string
	for _, s := range sensitive {
		secret = append(secret, "TF_VAR_"+s+"=dummy")
	}
	envs := tfvarsEnvs(r)
	for _, env := range envs {
		out, err := terraformCmd(t, dir, secret, "", "plan", "-var-file="+env+".tfvars", "-input=false", "-lock=false", "-no-color")
		if err != nil {
			t.Errorf("terraform plan -var-file=%s.tfvars: %v\n%s", env, err, out)
			continue
		}
		if strings.Contains(out, "Warning") {
			t.Errorf("terraform plan -var-file=%s.tfvars warns (an undeclared variable?):\n%s", env, out)
		}
	}
	// Without the secrets, plan must refuse: they have no value anywhere.
	if len(sensitive) > 0 && len(envs) > 0 {
		out, err := terraformCmd(t, dir, nil, "", "plan", "-var-file="+envs[0]+".tfvars", "-input=false", "-lock=false", "-no-color")
		if err == nil || !strings.Contains(out, sensitive[0]) {
			t.Errorf("terraform plan without TF_VAR_%s succeeded or did not name it:\n%s", sensitive[0], out)
		}
	}
	return dir
}

// TestDeterministic generates every environment twice and compares.
func TestDeterministic(t *testing.T) {
	m, err := load.Load(load.Options{Dir: "../../.."})
	if err != nil {
		t.Fatal(load.Format(err, "../../.."))
	}
	a, err := generator.Generate(m, nil, []target.Target{terraform.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := generator.Generate(m, nil, []target.Target{terraform.Target{}})
	if err != nil {
		t.Fatal(err)
	}
	for p := range a.Files {
		if !bytes.Equal(a.Files[p], b.Files[p]) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

// TestValueOnlyPerEnvironment: variables.tf declares a variable the base
// gives no value (each environment gives its own), while an environment's
// tfvars without the value is still an error at the value.
func TestValueOnlyPerEnvironment(t *testing.T) {
	base := &model.Environment{Name: "base", Terraform: model.Terraform{Variables: map[string]model.TFVariable{
		"domain": {Type: "string", Description: "the site's host name"},
	}}}
	decl, err := terraform.Variables(base)
	if err != nil {
		t.Fatalf("declaring a variable without a base value: %v", err)
	}
	if !bytes.Contains(decl, []byte(`variable "domain"`)) {
		t.Errorf("variables.tf does not declare domain:\n%s", decl)
	}
	prod := &model.Environment{Name: "prod", Terraform: model.Terraform{Variables: map[string]model.TFVariable{
		"domain": {Type: "string", Value: json.RawMessage(`"example.com"`)},
	}}}
	if data, err := terraform.TFVars(prod); err != nil || !bytes.Contains(data, []byte(`domain = "example.com"`)) {
		t.Errorf("prod.tfvars: %v\n%s", err, data)
	}
	var me *model.Error
	if _, err := terraform.TFVars(&model.Environment{Name: "dev", Terraform: base.Terraform}); !errors.As(err, &me) || me.Path != "terraform.variables.domain.value" {
		t.Errorf("an environment without the value: err = %v, want a model error at terraform.variables.domain.value", err)
	}
}
