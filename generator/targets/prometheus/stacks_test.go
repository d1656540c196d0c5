package prometheus_test

import (
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/prometheus"
)

// TestStacks generates the Prometheus configuration of every model under
// testdata/stacks that gets it, hands every file to promtool and checks
// every scrape target against the model's services, as TestPromtool and
// TestTargetsExist do for the default model.
func TestStacks(t *testing.T) {
	stacks.Each(t, "../../..", prometheus.Name, func(t *testing.T, m *model.Model, envs []string) {
		r, err := generator.Generate(m, envs, []target.Target{prometheus.Target{}})
		if err != nil {
			t.Fatal(load.Format(err, m.Root))
		}
		checkTargets(t, m, r)
		checkPromtool(t, r)
	})
}
