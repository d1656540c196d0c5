package generator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/cache"
	"github.com/degen-dev/degen/generator/targets"
)

// TestCachePerEnvironment: a build with the cache evaluates only the
// environments whose inputs changed, and gives what a build without it
// gives: files, owners, warnings and violations.
func TestCachePerEnvironment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	copyModel(t, dir)
	cacheDir := filepath.Join(filepath.Dir(dir), "cache")
	build := func(withCache bool) *generator.Result {
		t.Helper()
		opts := generator.Options{Dir: dir, Targets: targets.All(), Policies: true}
		if withCache {
			c, err := cache.Open(cacheDir, dir, filepath.Join(dir, "out"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			opts.Cache = c
		}
		_, res, err := generator.Build(opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	same := func(what string, got, want *generator.Result) {
		t.Helper()
		if len(want.Files) < 200 {
			t.Fatalf("only %d files generated", len(want.Files))
		}
		for name, pair := range map[string][2]any{
			"files":      {got.Files, want.Files},
			"owners":     {got.Owners, want.Owners},
			"envs":       {got.Envs, want.Envs},
			"warnings":   {got.Warnings, want.Warnings},
			"violations": {fmt.Sprint(got.Policy.Violations), fmt.Sprint(want.Policy.Violations)},
		} {
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Errorf("%s: the %s differ from a build without the cache:\n%v\n%v", what, name, pair[0], pair[1])
			}
		}
	}
	// Unacknowledged warnings and violations, for the comparison.
	prodFile := filepath.Join(dir, "envs", "prod.cue")
	src, err := os.ReadFile(prodFile)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.Contains(line, `"policy/prod-ingress-replicas/`) && !strings.Contains(line, `"model/dependency-disabled/`) {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(prodFile, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := build(false)
	if got := build(true); len(got.FromCache) != 0 {
		t.Fatalf("an empty cache served %v", got.FromCache)
	}
	got := build(true)
	if fmt.Sprint(got.FromCache) != "[dev local prod staging]" {
		t.Fatalf("a second build took %v from the cache", got.FromCache)
	}
	same("unchanged model", got, fresh)
	if len(fresh.Policy.Violations) == 0 || len(fresh.Warnings) == 0 {
		t.Fatal("the default model has no warnings and violations: the comparison proves little")
	}

	edit := func(file, old, new string) {
		t.Helper()
		p := filepath.Join(dir, file)
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), old) {
			t.Fatalf("%s holds no %q", file, old)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(src), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An edit of prod's file evaluates prod alone.
	edit("envs/prod.cue", `appTag:                "v1.0.0"`, `appTag:                "v1.0.1"`)
	got = build(true)
	if fmt.Sprint(got.FromCache) != "[dev local staging]" {
		t.Fatalf("after an edit of prod.cue, %v came from the cache", got.FromCache)
	}
	fresh2 := build(false)
	same("prod edited", got, fresh2)
	if reflect.DeepEqual(fresh.Files, fresh2.Files) {
		t.Fatal("the edit changed no file: the test proves nothing")
	}
	// An edit of a shared file evaluates every environment.
	edit("envs/stack.cue", "package envs", "package envs\n\n// edited")
	if got := build(true); len(got.FromCache) != 0 {
		t.Fatalf("after an edit of stack.cue, %v came from the cache", got.FromCache)
	}
	// A policy is an input of every environment.
	entries, err := os.ReadDir(filepath.Join(dir, "policies"))
	if err != nil || len(entries) == 0 {
		t.Fatal("the model has no policies/")
	}
	pf := filepath.Join("policies", entries[0].Name())
	edit(pf, "package", "// edited\npackage")
	if got := build(true); len(got.FromCache) != 0 {
		t.Fatalf("after an edit of %s, %v came from the cache", pf, got.FromCache)
	}
	// A corrupt entry is ignored and rebuilt.
	ents, err := os.ReadDir(cacheDir)
	if err != nil || len(ents) < 4 {
		t.Fatalf("the cache holds %d entries (%v)", len(ents), err)
	}
	for _, e := range ents {
		p := filepath.Join(cacheDir, e.Name())
		data, _ := os.ReadFile(p)
		os.WriteFile(p, data[:len(data)/2], 0o600)
	}
	got = build(true)
	if len(got.FromCache) != 0 {
		t.Fatalf("truncated entries served %v", got.FromCache)
	}
	same("corrupt cache", got, build(false))
}
