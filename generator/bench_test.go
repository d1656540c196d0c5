package generator_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/internal/synth"
	"github.com/degen-dev/degen/generator/targets"
)

func build(b *testing.B, dir string, envs []string) *generator.Result {
	// As degen build runs it: policies and the leak check included, with the
	// garbage collector set as the CLI sets it.
	generator.TuneGC(0)
	_, res, err := generator.Build(generator.Options{Dir: dir, Envs: envs, Targets: targets.All(), Policies: true})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkDefaultModel is load + resolve + generate of the default model,
// per environment and for all of them (goal: all in under 300 ms).
func BenchmarkDefaultModel(b *testing.B) {
	for _, envs := range [][]string{{"local"}, {"dev"}, {"staging"}, {"prod"}, nil} {
		name := "all"
		if envs != nil {
			name = envs[0]
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var files int
			for i := 0; i < b.N; i++ {
				files = len(build(b, "../", envs).Files)
			}
			b.ReportMetric(float64(files), "files")
		})
	}
}

// BenchmarkSynthetic builds synthetic models of N services in four
// environments (goal: 1,000 services in under 20 s and 2 GiB), with the
// allocations of a build (allocs/op, B/op). peak-MiB is the Go runtime's
// memory obtained from the OS after the run (Sys), an upper bound of the
// heap's peak. DEGEN_BENCH_SERVICES=5000 (a comma-separated list) sets
// other sizes, to profile them; scripts/bench-vs-cue.sh runs 5,000 services
// side by side with cue (not in CI).
func BenchmarkSynthetic(b *testing.B) {
	sizes := []int{100, 1000}
	if s := os.Getenv("DEGEN_BENCH_SERVICES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("DEGEN_BENCH_SERVICES=%s: %v", s, err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.Write(dir, filepath.Join(".."), n); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var files int
			for i := 0; i < b.N; i++ {
				files = len(build(b, dir, nil).Files)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.Sys)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(files), "files")
		})
	}
}

// TestSyntheticModelBuilds keeps the synthetic generator honest: a small
// synthetic model loads and builds in all four environments.
func TestSyntheticModelBuilds(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, "..", 20); err != nil {
		t.Fatal(err)
	}
	m, res, err := generator.Build(generator.Options{Dir: dir, Targets: targets.All(), Policies: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Envs) != 4 || len(m.Envs["prod"].Services) != 20 {
		t.Fatalf("synthetic model: %d envs, %d prod services", len(m.Envs), len(m.Envs["prod"].Services))
	}
	if got := m.Envs["prod"].Services["svc-10"].Replicas; got != 4 {
		t.Errorf("prod svc-10 replicas = %d, want the delta's 4", got)
	}
	if res.Policy == nil || res.Policy.Err() != nil {
		t.Fatalf("the synthetic model must pass the shipped policies: %+v", res.Policy)
	}
}
