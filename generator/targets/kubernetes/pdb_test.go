package kubernetes

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// wantPDBs reads a kustomize build the way an operator would: the
// Deployments and StatefulSets that run two or more replicas, or that an
// HPA scales, by name, with their selector and pod template labels.
func wantPDBs(t *testing.T, built map[string]map[string]any) map[string]map[string]any {
	t.Helper()
	scaled := map[string]bool{}
	for _, obj := range built {
		if obj["kind"] != "HorizontalPodAutoscaler" {
			continue
		}
		spec, _ := obj["spec"].(map[string]any)
		ref, _ := spec["scaleTargetRef"].(map[string]any)
		scaled[ref["kind"].(string)+"/"+ref["name"].(string)] = true
	}
	want := map[string]map[string]any{}
	for _, obj := range built {
		kind, _ := obj["kind"].(string)
		if kind != "Deployment" && kind != "StatefulSet" {
			continue
		}
		name := obj["metadata"].(map[string]any)["name"].(string)
		spec, _ := obj["spec"].(map[string]any)
		replicas, _ := spec["replicas"].(float64)
		if replicas >= 2 || scaled[kind+"/"+name] {
			want[name] = obj
		}
	}
	return want
}

// TestPodDisruptionBudgets: every overlay build holds a PodDisruptionBudget
// exactly for the Deployments and StatefulSets with at least two replicas
// or an HPA (none for a Job, a DaemonSet or a single pod), allowing one
// pod down (a drain never deadlocks), selecting the workload's pods with
// the workload's own selector, and strictly decoded into policy/v1.
func TestPodDisruptionBudgets(t *testing.T) {
	if checkPodDisruptionBudgets(t, theDefault(t)) == 0 {
		t.Error("no overlay build holds a PodDisruptionBudget, but the default model scales graphql-api, kafka-consumer and flink-taskmanager")
	}
}

// checkPodDisruptionBudgets checks the budgets of every overlay build of r
// and returns how many there are.
func checkPodDisruptionBudgets(t *testing.T, r *modelRun) int {
	t.Helper()
	total := 0
	for _, env := range kubeEnvs(r.model) {
		built := r.built[env]
		want := wantPDBs(t, built)
		got := map[string]*policyv1.PodDisruptionBudget{}
		for id, obj := range built {
			if obj["kind"] != "PodDisruptionBudget" {
				continue
			}
			data, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			var p policyv1.PodDisruptionBudget
			if err := yaml.UnmarshalStrict(data, &p); err != nil {
				t.Errorf("%s: %s does not decode strictly into policy/v1: %v", env, id, err)
				continue
			}
			if p.APIVersion != "policy/v1" {
				t.Errorf("%s: %s: apiVersion %s, want policy/v1", env, id, p.APIVersion)
			}
			got[p.Name] = &p
		}
		if diff := cmp.Diff(sortedNames(want), sortedNames(got)); diff != "" {
			t.Errorf("%s: PodDisruptionBudgets (-workloads with >=2 replicas or an HPA +budgets):\n%s", env, diff)
		}
		for name, p := range got {
			total++
			if p.Spec.MaxUnavailable == nil || p.Spec.MaxUnavailable.String() != "1" || p.Spec.MinAvailable != nil {
				t.Errorf("%s: PodDisruptionBudget %s: want maxUnavailable 1 and no minAvailable, got maxUnavailable %v minAvailable %v", env, name, p.Spec.MaxUnavailable, p.Spec.MinAvailable)
			}
			w, ok := want[name]
			if !ok {
				continue
			}
			spec := w["spec"].(map[string]any)
			data, _ := yaml.Marshal(spec["selector"])
			var sel metav1.LabelSelector
			if err := yaml.UnmarshalStrict(data, &sel); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&sel, p.Spec.Selector); diff != "" {
				t.Errorf("%s: PodDisruptionBudget %s: selector differs from the workload's (-workload +budget):\n%s", env, name, diff)
			}
			tmpl := spec["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)
			podLabels := labels.Set{}
			for k, v := range tmpl {
				podLabels[k] = v.(string)
			}
			s, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			if err != nil || s.Empty() || !s.Matches(podLabels) {
				t.Errorf("%s: PodDisruptionBudget %s: selector %v does not select the pods of %s (%v, %v)", env, name, p.Spec.Selector, name, podLabels, err)
			}
		}
	}
	return total
}

func sortedNames[V any](m map[string]V) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestPodDisruptionBudgetInBase: a budget belongs to the base when the
// base's workload runs several pods; an environment that runs one pod
// gets a delete patch, one that keeps several none.
func TestPodDisruptionBudgetInBase(t *testing.T) {
	m := loadModel(t, repoRoot)
	m.Base.Services["graphql-api"].Replicas = 2
	for env, wantPDB := range map[string]bool{"dev": false, "staging": true, "prod": true} {
		e := m.Envs[env]
		if got := e.Services["graphql-api"].Replicas; (got >= 2 || e.Services["graphql-api"].Autoscaling != nil) != wantPDB {
			t.Fatalf("%s: graphql-api runs %d replicas: the test's premise no longer holds", env, got)
		}
		out := generate(t, m, env)
		var inBase, deleted, inOverlay bool
		for _, f := range out.Files {
			switch {
			case f.Path == baseDir+"/services/poddisruptionbudget-graphql-api.yaml":
				inBase = true
			case f.Path == overlaysDir+"/"+env+"/patches/delete-poddisruptionbudget-graphql-api.yaml":
				deleted = true
			case strings.HasPrefix(f.Path, overlaysDir+"/"+env+"/") && strings.HasSuffix(f.Path, "poddisruptionbudget-graphql-api.yaml"):
				inOverlay = true
			}
		}
		if !inBase {
			t.Errorf("%s: the base runs graphql-api with 2 replicas but has no PodDisruptionBudget for it", env)
		}
		if deleted == wantPDB || inOverlay {
			t.Errorf("%s: delete patch %v, overlay copy %v; want a delete patch only when the environment runs one pod", env, deleted, inOverlay)
		}
		built := krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/"+env)
		_, has := built["policy/v1/PodDisruptionBudget/graphql-api@"+e.Namespace]
		if has != wantPDB {
			t.Errorf("%s: the build has a PodDisruptionBudget for graphql-api: %v, want %v", env, has, wantPDB)
		}
	}
}
