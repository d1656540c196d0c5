package kubernetes

import (
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/internal/crdcheck"
	"github.com/degen-dev/degen/generator/internal/promconfig"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/target"
)

// monitoringCRDs are prometheus-operator's own CRDs (0.93.0, from
// ../shared/crds) by kind.
var monitoringCRDs = sync.OnceValues(func() (map[string]*crdcheck.CRD, error) {
	out := map[string]*crdcheck.CRD{}
	for kind, file := range map[string]string{
		"ServiceMonitor": "monitoring.coreos.com_servicemonitors.yaml",
		"PodMonitor":     "monitoring.coreos.com_podmonitors.yaml",
		"PrometheusRule": "monitoring.coreos.com_prometheusrules.yaml",
	} {
		crd, err := crdcheck.Load(filepath.Join("testdata", "crds", file))
		if err != nil {
			return nil, err
		}
		out[kind] = crd
	}
	return out, nil
})

// monitoringCRDCheck checks a monitoring.coreos.com/v1 object against the
// operator's CRD of its kind as the API server would.
func monitoringCRDCheck(kind string, data []byte) error {
	crds, err := monitoringCRDs()
	if err != nil {
		return err
	}
	crd, ok := crds[kind]
	if !ok {
		return &unknownKind{monitoringAPI, kind}
	}
	return crd.Check("prometheus-operator", data)
}

// TestMonitoringCRD: the CRD check refuses an unknown field, a wrong
// type and an unserved version (so TestStrictDecoding, which runs it on
// every built object, can fail).
func TestMonitoringCRD(t *testing.T) {
	good := "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\nspec: {selector: {matchLabels: {a: b}}, endpoints: [{port: http, path: /metrics}]}\n"
	if err := monitoringCRDCheck("ServiceMonitor", []byte(good)); err != nil {
		t.Fatalf("a valid ServiceMonitor: %v", err)
	}
	for name, c := range map[string]struct{ old, new string }{
		"unknown field": {"path: /metrics", "path: /metrics, pth: x"},
		"wrong type":    {"port: http", "port: [http]"},
		"v1alpha1":      {"coreos.com/v1\n", "coreos.com/v1alpha1\n"},
	} {
		bad := strings.Replace(good, c.old, c.new, 1)
		if bad == good {
			t.Fatalf("%s: %q not in the document", name, c.old)
		}
		if err := monitoringCRDCheck("ServiceMonitor", []byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	rule := "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec: {groups: [{name: g, rules: [{alert: A, expr: up == 0, for: soon}]}]}\n"
	if err := monitoringCRDCheck("PrometheusRule", []byte(rule)); err == nil {
		t.Error("a PrometheusRule with for: soon was accepted")
	}
}

// TestOperatorMonitors: in every environment of the default model with
// monitoring.operator (staging and prod), every service with metrics has
// one ServiceMonitor (or a PodMonitor) that the operator's CRD accepts,
// whose selector picks exactly one Service of the build with the metrics
// port by name, carrying the labels the operator's Prometheus selects;
// the PrometheusRules hold exactly the model's alert groups; and the
// scrape NetworkPolicies admit the operator's Prometheus.
func TestOperatorMonitors(t *testing.T) {
	r := theDefault(t)
	n := 0
	for _, env := range kubeEnvs(r.model) {
		e := r.model.Envs[env]
		op := e.Monitoring.Operator
		built := r.built[env]
		if op == nil {
			for id, obj := range built {
				if obj["apiVersion"] == monitoringAPI {
					t.Errorf("%s: %s without monitoring.operator", env, id)
				}
			}
			continue
		}
		n++
		for id, obj := range built {
			if obj["apiVersion"] != monitoringAPI {
				continue
			}
			data, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			if err := monitoringCRDCheck(obj["kind"].(string), data); err != nil {
				t.Errorf("%s: %s: %v", env, id, err)
			}
		}
		for _, name := range e.ServiceNames() {
			s := e.Services[name]
			if s.Metrics == nil {
				continue
			}
			sm, pm := built["monitoring.coreos.com/v1/ServiceMonitor/"+name+"@"+e.Namespace], built["monitoring.coreos.com/v1/PodMonitor/"+name+"@"+e.Namespace]
			if sm == nil && pm == nil {
				t.Errorf("%s: service %s has metrics and no ServiceMonitor or PodMonitor", env, name)
				continue
			}
			mon, endpoints := sm, "endpoints"
			if sm == nil {
				mon, endpoints = pm, "podMetricsEndpoints"
			}
			labels := mon["metadata"].(map[string]any)["labels"].(map[string]any)
			for k, v := range op.MonitorLabels {
				if labels[k] != v {
					t.Errorf("%s: %s's monitor: label %s = %v, want %q (the serviceMonitorSelector)", env, name, k, labels[k], v)
				}
			}
			spec := mon["spec"].(map[string]any)
			eps := spec[endpoints].([]any)
			if len(eps) != 1 || eps[0].(map[string]any)["port"] != s.Metrics.Port || eps[0].(map[string]any)["path"] != s.Metrics.Path {
				t.Errorf("%s: %s's monitor scrapes %v, want port %s path %s", env, name, eps, s.Metrics.Port, s.Metrics.Path)
			}
			sel := map[string]string{}
			for k, v := range spec["selector"].(map[string]any)["matchLabels"].(map[string]any) {
				sel[k] = v.(string)
			}
			if sm == nil {
				continue
			}
			var matched []string
			for id, obj := range built {
				if obj["kind"] != "Service" {
					continue
				}
				var svc corev1.Service
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &svc); err != nil {
					t.Fatal(err)
				}
				if !subset(sel, svc.Labels) {
					continue
				}
				matched = append(matched, id)
				found := false
				for _, p := range svc.Spec.Ports {
					found = found || p.Name == s.Metrics.Port
				}
				if !found {
					t.Errorf("%s: %s's ServiceMonitor selects %s, which has no port %s", env, name, id, s.Metrics.Port)
				}
				if !subset(map[string]string{labelName: name}, svc.Spec.Selector) {
					t.Errorf("%s: %s's ServiceMonitor selects %s, whose pods are not %s's", env, name, id, name)
				}
			}
			if len(matched) != 1 {
				t.Errorf("%s: %s's ServiceMonitor selects %d Services %v, want 1 (each more is every pod scraped once more)", env, name, len(matched), matched)
			}
		}
		want := promconfig.Groups(e)
		var got []promconfig.RuleGroup
		for _, id := range sortedIDs(built) {
			obj := built[id]
			if obj["kind"] != "PrometheusRule" {
				continue
			}
			labels := obj["metadata"].(map[string]any)["labels"].(map[string]any)
			for k, v := range op.Rules() {
				if labels[k] != v {
					t.Errorf("%s: %s: label %s = %v, want %q (the ruleSelector)", env, id, k, labels[k], v)
				}
			}
			data, err := yaml.Marshal(obj["spec"])
			if err != nil {
				t.Fatal(err)
			}
			var rg promconfig.RuleGroups
			if err := yaml.UnmarshalStrict(data, &rg); err != nil {
				t.Fatalf("%s: %s: %v", env, id, err)
			}
			got = append(got, rg.Groups...)
		}
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the PrometheusRules' groups are\n%v\nwant the model's alert groups\n%v", env, got, want)
		}
		checkOperatorAdmitted(t, r, env)
	}
	if n == 0 {
		t.Fatal("no environment of the default model has monitoring.operator; the test proves nothing")
	}
}

// checkOperatorAdmitted: every service with metrics has an allow-scrape
// NetworkPolicy admitting the operator's namespace and pods on its metrics
// port.
func checkOperatorAdmitted(t *testing.T, r *modelRun, env string) {
	t.Helper()
	e := r.model.Envs[env]
	op := e.Monitoring.Operator
	for _, name := range e.ServiceNames() {
		s := e.Services[name]
		if s.Metrics == nil {
			continue
		}
		np := r.built[env]["networking.k8s.io/v1/NetworkPolicy/"+name+"-allow-scrape@"+e.Namespace]
		if np == nil {
			t.Errorf("%s: %s has metrics and no allow-scrape NetworkPolicy", env, name)
			continue
		}
		data, _ := yaml.Marshal(np)
		var pol struct {
			Spec struct {
				Ingress []struct {
					From []struct {
						NamespaceSelector *struct{ MatchLabels map[string]string } `json:"namespaceSelector"`
						PodSelector       *struct{ MatchLabels map[string]string } `json:"podSelector"`
					} `json:"from"`
					Ports []struct{ Port string } `json:"ports"`
				} `json:"ingress"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &pol); err != nil {
			t.Fatal(err)
		}
		ok := false
		for _, in := range pol.Spec.Ingress {
			for _, f := range in.From {
				if f.NamespaceSelector != nil && f.PodSelector != nil &&
					reflect.DeepEqual(f.NamespaceSelector.MatchLabels, map[string]string{"kubernetes.io/metadata.name": op.Namespace}) &&
					reflect.DeepEqual(f.PodSelector.MatchLabels, op.PodSelector) &&
					len(in.Ports) == 1 && in.Ports[0].Port == s.Metrics.Port {
					ok = true
				}
			}
		}
		if !ok {
			t.Errorf("%s: %s-allow-scrape does not admit the operator's Prometheus (%s %v) on port %s", env, name, op.Namespace, op.PodSelector, s.Metrics.Port)
		}
	}
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestOperatorPodMonitor: a service with metrics and no Service (a Job)
// gets a PodMonitor, selecting its pods, that the operator's CRD accepts,
// and no ServiceMonitor.
func TestOperatorPodMonitor(t *testing.T) {
	t.Parallel()
	dir := tempModel(t, map[string]string{"envs/zz_job.cue": `package envs

environments: prod: services: "metrics-job": {
	group:   "services"
	image:   "de-project/metrics-job:1.0.0"
	kind:    "job"
	restart: "no"
	ports: [{name: "metrics", containerPort: 9100}]
	networks: ["de-serving"]
	resources: {}
	metrics: port: "metrics"
}
`})
	m, err := load.Load(load.Options{Dir: dir, Envs: []string{"prod"}})
	if err != nil {
		t.Fatal(load.Format(err, dir))
	}
	out, err := (Target{}).Generate(target.Input{Env: m.Envs["prod"], Base: m.Base})
	if err != nil {
		t.Fatal(load.Format(load.Locate(m, err), dir))
	}
	var pm []byte
	for _, f := range out.Files {
		if strings.HasSuffix(f.Path, "/servicemonitor-metrics-job.yaml") {
			t.Errorf("%s: a Job has no Service to monitor", f.Path)
		}
		if strings.HasSuffix(f.Path, "/podmonitor-metrics-job.yaml") {
			pm = f.Data
		}
	}
	if pm == nil {
		t.Fatal("no PodMonitor for the Job's metrics")
	}
	if err := monitoringCRDCheck("PodMonitor", pm); err != nil {
		t.Error(err)
	}
	var obj struct {
		Spec struct {
			Selector  struct{ MatchLabels map[string]string } `json:"selector"`
			Endpoints []struct{ Port string }                 `json:"podMetricsEndpoints"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(pm, &obj); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(obj.Spec.Selector.MatchLabels, map[string]string{labelName: "metrics-job"}) || len(obj.Spec.Endpoints) != 1 || obj.Spec.Endpoints[0].Port != "metrics" {
		t.Errorf("the PodMonitor selects %v on %v, want the Job's pods on port metrics", obj.Spec.Selector.MatchLabels, obj.Spec.Endpoints)
	}
}
