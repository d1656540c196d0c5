package flags_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/targets/flags"
)

// TestStacks reads the flags.json of every environment of every model under
// testdata/stacks that gets flags back with encoding/json, as the services
// do: it holds exactly the environment's flags and values, two runs agree,
// and every service reads a flag under the flag's own variable.
func TestStacks(t *testing.T) {
	stacks.Each(t, "../../..", flags.Name, func(t *testing.T, m *model.Model, envs []string) {
		for _, name := range envs {
			env := m.Envs[name]
			f := generate(t, m, name)
			if again := generate(t, m, name); string(again.Data) != string(f.Data) {
				t.Errorf("%s: two runs differ", name)
			}
			var got map[string]any
			if err := json.Unmarshal(f.Data, &got); err != nil {
				t.Fatalf("%s: flags.json is not JSON: %v", name, err)
			}
			want := map[string]any{}
			for k, fl := range env.Flags {
				want[k] = fl.Value
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: flags.json = %v, the model's flags %v", name, got, want)
			}
		}
		checkReaders(t, m)
	})
}
