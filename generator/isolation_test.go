package generator_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/targets"
)

// TestDataIsolation checks §7.3 of the default model's seed in what degen
// writes: every file of one environment that names a bucket or an Iceberg
// namespace names that environment's own (dev-iceberg-warehouse,
// de_dev.trades, …), never another's, and each kind of artefact that
// should name them does (tfvars, Compose, the Kubernetes overlay). The
// Kubernetes base holds the base's names, which every overlay patches:
// the Kubernetes tests compare each overlay's build with the model.
func TestDataIsolation(t *testing.T) {
	_, res, err := generator.Build(generator.Options{Dir: "..", Targets: targets.All()})
	if err != nil {
		t.Fatal(err)
	}
	// Environment names are the model's; base is the Kubernetes base's.
	bucket := regexp.MustCompile(`\b(local|dev|staging|prod|base)-(iceberg-warehouse|raw-data|checkpoints|backups)\b`)
	namespace := regexp.MustCompile(`\bde_([a-z0-9_]+)(\.trades)?\b`)
	seen := map[string]map[string]bool{} // env -> artefact kinds naming its buckets
	for p, data := range res.Files {
		owners := res.Owners[p]
		if len(owners) != 1 {
			continue // shared: the base, variables.tf, .env.example
		}
		env := owners[0]
		for _, m := range bucket.FindAllStringSubmatch(string(data), -1) {
			if m[1] != env {
				t.Errorf("%s (environment %s) names bucket %s of another environment", p, env, m[0])
				continue
			}
			if seen[env] == nil {
				seen[env] = map[string]bool{}
			}
			seen[env][strings.SplitN(p, "/", 2)[0]] = true
		}
		for _, m := range namespace.FindAllStringSubmatch(string(data), -1) {
			if m[1] != env {
				t.Errorf("%s (environment %s) names Iceberg namespace %s of another environment", p, env, m[0])
			}
		}
	}
	want := map[string][]string{
		"local":   {"compose", "terraform"},
		"dev":     {"compose", "terraform", "kubernetes"},
		"staging": {"terraform", "kubernetes"},
		"prod":    {"terraform", "kubernetes"},
	}
	for env, kinds := range want {
		for _, k := range kinds {
			if !seen[env][k] {
				t.Errorf("no %s file of %s names its buckets", k, env)
			}
		}
	}
}
