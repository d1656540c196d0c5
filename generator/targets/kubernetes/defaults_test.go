package kubernetes

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/degen-dev/degen/generator/internal/stacks"
	"github.com/degen-dev/degen/generator/model"
)

// podTemplate returns the pod template of a workload object, nil for other
// kinds.
func podTemplate(t *testing.T, obj map[string]any) *corev1.PodTemplateSpec {
	t.Helper()
	spec, _ := obj["spec"].(map[string]any)
	if obj["kind"] == "CronJob" {
		jt, _ := spec["jobTemplate"].(map[string]any)
		spec, _ = jt["spec"].(map[string]any)
	}
	raw, ok := spec["template"].(map[string]any)
	if !ok {
		return nil
	}
	var tmpl corev1.PodTemplateSpec
	decodeInto(t, raw, &tmpl)
	return &tmpl
}

// checkScannerDefaults checks the defaults operators' scanners ask for on
// every built overlay: no liveness probe equal to the readiness probe, the
// replicas of a workload that runs (or scales to) two or more spread across
// nodes, and CronJobs with a starting and an active deadline.
func checkScannerDefaults(t *testing.T, r *modelRun) (spread int) {
	t.Helper()
	for env, objs := range r.built {
		hpa := map[string]bool{}
		for _, obj := range objs {
			if obj["kind"] == "HorizontalPodAutoscaler" {
				ref := obj["spec"].(map[string]any)["scaleTargetRef"].(map[string]any)
				hpa[ref["kind"].(string)+"/"+ref["name"].(string)] = true
			}
		}
		for id, obj := range objs {
			tmpl := podTemplate(t, obj)
			if tmpl == nil {
				continue
			}
			for _, c := range tmpl.Spec.Containers {
				if c.LivenessProbe != nil && reflect.DeepEqual(c.LivenessProbe, c.ReadinessProbe) {
					t.Errorf("%s: %s container %s: the liveness probe equals the readiness probe", env, id, c.Name)
				}
			}
			kind := obj["kind"].(string)
			name := obj["metadata"].(map[string]any)["name"].(string)
			if kind == "Deployment" || kind == "StatefulSet" {
				replicas, _ := obj["spec"].(map[string]any)["replicas"].(float64)
				if replicas >= 2 || hpa[kind+"/"+name] {
					spread++
					if !spreadsOver(tmpl, hostnameKey) {
						t.Errorf("%s: %s runs several replicas with no topology spread over %s", env, id, hostnameKey)
					}
				}
			}
			if kind == "CronJob" {
				spec := obj["spec"].(map[string]any)
				job := spec["jobTemplate"].(map[string]any)["spec"].(map[string]any)
				if spec["startingDeadlineSeconds"] == nil || job["activeDeadlineSeconds"] == nil {
					t.Errorf("%s: %s has no startingDeadlineSeconds or no activeDeadlineSeconds", env, id)
				}
			}
		}
	}
	return spread
}

func spreadsOver(tmpl *corev1.PodTemplateSpec, key string) bool {
	for _, c := range tmpl.Spec.TopologySpreadConstraints {
		if c.TopologyKey == key && c.LabelSelector != nil && len(c.LabelSelector.MatchLabels) > 0 {
			return true
		}
	}
	return false
}

func TestScannerDefaults(t *testing.T) {
	if n := checkScannerDefaults(t, theDefault(t)); n == 0 {
		t.Error("the default model has no workload of several replicas: the spread check checked nothing")
	}
	stacks.Each(t, repoRoot, Name, func(t *testing.T, m *model.Model, envs []string) {
		r, err := newRun(t, m)
		if err != nil {
			t.Fatalf("generating: %v", err)
		}
		checkScannerDefaults(t, r)
	})
}

// TestZoneSpread: a zone key adds a second constraint; one that is no label
// key is an error at its line.
func TestZoneSpread(t *testing.T) {
	t.Parallel()
	dir := tempModel(t, map[string]string{"envs/zz_zone.cue": "@if(prod)\n\npackage envs\n\nenvironments: prod: kubernetes: spread: zoneKey: \"topology.kubernetes.io/zone\"\n"})
	m := loadModel(t, dir)
	out := generate(t, m, "prod")
	if !strings.Contains(string(files(out)["kubernetes/overlays/prod/patches/deployment-graphql-api.yaml"]), "topology.kubernetes.io/zone") {
		t.Error("prod's graphql-api does not spread over the zone key")
	}
	bad := tempModel(t, map[string]string{"envs/zz_zone.cue": "@if(prod)\n\npackage envs\n\nenvironments: prod: kubernetes: spread: zoneKey: \"not a label!\"\n"})
	err := buildModel(bad, "prod")
	if err == nil || !strings.Contains(err.Error(), "is not a node label key") {
		t.Fatalf("a zone key that is no label: %v", err)
	}
}

// TestFlagFlipRollsPods: flipping a flag in prod changes the pod template of
// exactly the workloads that read the flag, so Kubernetes restarts them.
func TestFlagFlipRollsPods(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(repoRoot, "envs", "prod.cue"))
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "enable_anomaly_detection: value: false", "enable_anomaly_detection: value: true"
	if !strings.Contains(string(src), from) {
		t.Fatalf("envs/prod.cue no longer says %q", from)
	}
	before := theDefault(t).built["prod"]
	flipped := loadModel(t, tempModel(t, map[string]string{"envs/prod.cue": strings.Replace(string(src), from, to, 1)}))
	r, err := newRun(t, flipped)
	if err != nil {
		t.Fatal(err)
	}
	after := r.built["prod"]
	readers := map[string]bool{}
	for _, s := range flipped.Envs["prod"].Services {
		for _, e := range s.Env {
			if e.Flag == "enable_anomaly_detection" {
				readers[s.Name] = true
			}
		}
	}
	if len(readers) == 0 {
		t.Fatal("no service of prod reads enable_anomaly_detection")
	}
	for id, obj := range after {
		tb, ta := podTemplate(t, before[id]), podTemplate(t, obj)
		if ta == nil || tb == nil {
			continue
		}
		name := obj["metadata"].(map[string]any)["name"].(string)
		changed := !reflect.DeepEqual(tb, ta)
		if changed != readers[name] {
			t.Errorf("%s: pod template changed = %v, but reads the flag = %v", id, changed, readers[name])
		}
	}
}

// TestOperatorUIsInternal: the default model's UIs without a login of their
// own (Kafka UI, Dagster's webserver) are on the Ingress in dev only; in
// staging and prod an operator port-forwards to them.
func TestOperatorUIsInternal(t *testing.T) {
	r := theDefault(t)
	for env, want := range map[string]bool{"dev": true, "staging": false, "prod": false} {
		routed := map[string]bool{}
		for _, ing := range ingresses(t, r.built[env]) {
			for _, rule := range ing.Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					routed[p.Backend.Service.Name] = true
				}
			}
		}
		for _, ui := range []string{"kafka-ui", "dagster-webserver"} {
			if routed[ui] != want {
				t.Errorf("%s: %s on the Ingress = %v, want %v", env, ui, routed[ui], want)
			}
		}
		if !routed["grafana"] {
			t.Errorf("%s: grafana (which logs its users in) is not on the Ingress", env)
		}
	}
}
