package compose_test

import (
	"testing"

	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/targets/compose"
)

// TestStacks hands every Compose environment of every model under
// testdata/stacks to compose-go, as TestComposeGoLoadsWholeSet and
// TestComposeGoLoadsEachConcern do for the default model, and checks that
// two runs give the same bytes.
func TestStacks(t *testing.T) {
	stacks.Each(t, repoRoot, compose.Target{}.Name(), func(t *testing.T, m *model.Model, envs []string) {
		for _, name := range envs {
			t.Run(name, func(t *testing.T) {
				checkWholeSet(t, m, name)
				checkEachGroup(t, m, name)
				a, b := generate(t, m, name), generate(t, m, name)
				for p := range a.Files {
					if string(a.Files[p]) != string(b.Files[p]) {
						t.Errorf("%s differs between two runs", p)
					}
				}
			})
		}
	})
}
