package policy_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
)

// BenchmarkRun checks every environment of the default model against the
// repository's policies (loading the policies included, the model not).
func BenchmarkRun(b *testing.B) {
	m, err := load.Load(load.Options{Dir: "../.."})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := policy.Run(m, load.Policies{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScan runs the leak check over the committed out/.
func BenchmarkScan(b *testing.B) {
	files := map[string][]byte{}
	err := filepath.WalkDir("../../out", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		files[p] = data
		return err
	})
	if err != nil || len(files) < 100 {
		b.Fatalf("reading out/: %v (%d files)", err, len(files))
	}
	s := policy.NewScanner(&model.Model{}, func(string) string { return "" })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Scan(files, nil)
	}
}
