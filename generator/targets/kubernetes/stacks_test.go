package kubernetes

import (
	"testing"

	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/model"
)

// TestStacks runs the checks the default model passes on every model under
// testdata/stacks that gets Kubernetes manifests: krusty's and kubectl's
// builds equal the model's objects, Flux's build equals krusty's, every
// file and built object decodes strictly into its upstream type, every pod
// passes Pod Security at its namespace's level, ExternalSecrets read the
// model's store, budgets cover the scaled workloads, Prometheus's scrape
// targets are Services of the build, ordinal services are one StatefulSet
// each whose pods derive their identity as the model says, and generation
// is deterministic.
func TestStacks(t *testing.T) {
	scraped, ordinal, restricted, cronJobs, hardened := 0, 0, 0, 0, 0
	stacks.Each(t, repoRoot, Name, func(t *testing.T, m *model.Model, envs []string) {
		r, err := newRun(t, m)
		if err != nil {
			t.Fatalf("generating: %v", err)
		}
		t.Run("model", func(t *testing.T) { checkOverlaysBuildToModel(t, r) })
		t.Run("base", func(t *testing.T) { checkBaseShared(t, r) })
		t.Run("strict", func(t *testing.T) { checkStrictDecoding(t, r) })
		t.Run("flux", func(t *testing.T) { checkFluxBuild(t, r) })
		t.Run("podsecurity", func(t *testing.T) {
			checkPodSecurity(t, r)
			checkPodSecurityJudgement(t, r)
			for _, env := range envs {
				if m.Envs[env].Kubernetes.PodSecurity == levelRestricted {
					restricted++
				}
			}
		})
		t.Run("serviceaccounts", func(t *testing.T) { checkServiceAccounts(t, r) })
		t.Run("hardened", func(t *testing.T) {
			j, _ := checkHardenedPods(t, r)
			hardened += j
		})
		for _, env := range envs {
			for _, obj := range r.built[env] {
				if obj["kind"] == "CronJob" {
					cronJobs++
				}
			}
		}
		t.Run("externalsecrets", func(t *testing.T) { checkExternalSecretStore(t, r) })
		t.Run("budgets", func(t *testing.T) { checkPodDisruptionBudgets(t, r) })
		t.Run("scrape", func(t *testing.T) {
			for _, env := range envs {
				if checkScrapeTargets(t, r, env) {
					scraped++
				}
			}
		})
		t.Run("flags", func(t *testing.T) {
			// The feature-flags ConfigMap exists exactly when the
			// environment has flags.
			for _, env := range envs {
				_, has := r.built[env]["v1/ConfigMap/"+flagsConfigMap+"@"+r.model.Envs[env].Namespace]
				if want := len(r.model.Envs[env].Flags) > 0; has != want {
					t.Errorf("%s: ConfigMap %s built: %v, want %v (the environment has %d flags)", env, flagsConfigMap, has, want, len(r.model.Envs[env].Flags))
				}
			}
		})
		t.Run("ordinal", func(t *testing.T) { ordinal += checkOrdinalServices(t, r) })
		t.Run("deterministic", func(t *testing.T) { checkDeterministic(t, r) })
		t.Run("kubectl", func(t *testing.T) { checkKubectlKustomize(t, r) })
	})
	// Pod Security "restricted" is reachable: some stack's pods all meet
	// it (the checker ran on them above), and a CronJob was built,
	// decoded strictly and judged by it.
	if restricted == 0 {
		t.Error("no stack has an environment at Pod Security \"restricted\": the checker proved nothing of that level")
	}
	if hardened == 0 {
		t.Error("no stack has a staging or production environment with a container: the non-root and capability defaults were judged on none")
	}
	if cronJobs == 0 {
		t.Error("no stack's build holds a CronJob")
	}
	if ordinal == 0 {
		t.Error("no stack has an ordinal service: the ordinal check ran on none")
	}
	if scraped == 0 {
		t.Error("no stack's Kubernetes build holds a prometheus-config ConfigMap: the scrape check ran on none")
	}
}
