package terraform_test

import (
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/terraform"
)

// TestStacks generates the Terraform inputs of every model under
// testdata/stacks that declares variables and hands them to Terraform, as
// TestDeclarationsMatchValues and TestTerraformPlan do for the default
// model: init, validate, and plan for every environment.
func TestStacks(t *testing.T) {
	stacks.Each(t, "../../..", terraform.Name, func(t *testing.T, m *model.Model, envs []string) {
		r, err := generator.Generate(m, envs, []target.Target{terraform.Target{}})
		if err != nil {
			t.Fatal(load.Format(err, m.Root))
		}
		var secrets []string
		for _, name := range model.SortedKeys(m.Base.Terraform.Variables) {
			if m.Base.Terraform.Variables[name].Secret != "" {
				secrets = append(secrets, name)
			}
		}
		if got := checkDeclarations(t, r); strings.Join(got, " ") != strings.Join(secrets, " ") {
			t.Errorf("sensitive variables %v, the model's secret variables %v", got, secrets)
		}
		checkTerraform(t, r, secrets)
	})
}
