package flags_test

import (
	"encoding/json"
	"flag"
	"github.com/degen-dev/degen/generator/internal/golden"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
	"github.com/degen-dev/degen/generator/targets/flags"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	loadOnce sync.Once
	stack    *model.Model
	loadErr  error
)

// repoModel loads the repository's own model once for the package.
func repoModel(t *testing.T) *model.Model {
	t.Helper()
	loadOnce.Do(func() { stack, loadErr = load.Load(load.Options{Dir: "../../.."}) })
	if loadErr != nil {
		t.Fatalf("loading the repository model: %s", load.Format(loadErr, "../../.."))
	}
	return stack
}

func generate(t *testing.T, m *model.Model, env string) target.File {
	t.Helper()
	out, err := flags.Target{}.Generate(target.Input{Env: m.Envs[env], Base: m.Base})
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	if len(out.Files) != 1 || out.Files[0].Path != "flags/"+env+"/flags.json" || out.Files[0].Shared {
		t.Fatalf("%s: want one per-environment file flags/%s/flags.json, got %+v", env, env, out.Files)
	}
	return out.Files[0]
}

// TestSeedValues checks flags.json against the table of §7.4 of the seed,
// copied here by hand (local follows dev, as envs/stack.cue says). The file
// is read back with encoding/json, the consumer services use.
func TestSeedValues(t *testing.T) {
	m := repoModel(t)
	dev := map[string]any{
		"enable_anomaly_detection":      true,
		"enable_real_time_aggregations": true,
		"enable_scd_type3":              true,
		"trade_generator_symbols":       []any{"AAPL", "GOOGL", "MSFT"},
	}
	want := map[string]map[string]any{
		"local": dev,
		"dev":   dev,
		"staging": {
			"enable_anomaly_detection":      true,
			"enable_real_time_aggregations": true,
			"enable_scd_type3":              false,
			"trade_generator_symbols":       []any{"AAPL", "GOOGL", "MSFT", "AMZN", "META", "TSLA", "NVDA", "JPM", "V", "WMT"},
		},
		"prod": {
			"enable_anomaly_detection":      false,
			"enable_real_time_aggregations": true,
			"enable_scd_type3":              false,
			"trade_generator_symbols":       "ALL",
		},
	}
	for env, w := range want {
		f := generate(t, m, env)
		var got map[string]any
		if err := json.Unmarshal(f.Data, &got); err != nil {
			t.Fatalf("%s: flags.json is not JSON: %v", env, err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: flags.json = %v, want %v (seed §7.4)", env, got, w)
		}
	}
}

// TestGolden pins the exact bytes, and that two runs agree.
func TestGolden(t *testing.T) {
	m := repoModel(t)
	for _, env := range m.EnvNames() {
		if !m.Envs[env].Has(flags.Name) {
			continue
		}
		f := generate(t, m, env)
		if again := generate(t, m, env); string(again.Data) != string(f.Data) {
			t.Errorf("%s: two runs differ", env)
		}
		if !strings.HasSuffix(string(f.Data), "}\n") {
			t.Errorf("%s: flags.json does not end with a newline", env)
		}
		golden.Check(t, filepath.Join("testdata", env+".flags.json"), f.Data, *update)
	}
}

// TestServicesReadFlags checks that every service that reads a flag gets it
// under the flag's own variable name, so flags.json and the environment
// variables of every target carry one value.
func TestServicesReadFlags(t *testing.T) {
	if checkReaders(t, repoModel(t)) == 0 {
		t.Fatal("no service reads a flag: the model lost trade-generator's TRADE_GENERATOR_SYMBOLS")
	}
}

// checkReaders checks that every service of m that reads a flag gets it
// under the flag's own variable name; it returns how many readers it saw.
func checkReaders(t *testing.T, m *model.Model) int {
	t.Helper()
	readers := 0
	for _, env := range m.EnvNames() {
		e := m.Envs[env]
		for _, svc := range e.ServiceNames() {
			for _, name := range e.Services[svc].EnvNames() {
				ev := e.Services[svc].Env[name]
				if ev.Flag == "" {
					continue
				}
				readers++
				f, ok := e.Flags[ev.Flag]
				if !ok {
					t.Errorf("%s: %s reads undefined flag %s", env, svc, ev.Flag)
					continue
				}
				if name != f.EnvVar {
					t.Errorf("%s: %s reads flag %s as %s, the flag says %s", env, svc, ev.Flag, name, f.EnvVar)
				}
			}
		}
	}
	return readers
}

// TestRejectsOtherTypes proves the type check can fail.
func TestRejectsOtherTypes(t *testing.T) {
	env := &model.Environment{Name: "x", Flags: map[string]model.Flag{"n": {Value: 3}}}
	if _, err := flags.Marshal(env); err == nil || !strings.Contains(err.Error(), "flag n") {
		t.Fatalf("want an error naming flag n, got %v", err)
	}
}
