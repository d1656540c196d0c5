package kubernetes

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestScrapeTargetsExist reads the Prometheus configuration the way the
// cluster's Prometheus does, from the prometheus-config ConfigMap of the
// kustomize-built overlay, and checks every scrape target names a Service
// of that same build, in the environment's namespace, with that port, and
// selecting the pods of the job's service. Multi-pod services must be
// found through a headless Service (every pod a DNS record).
func TestScrapeTargetsExist(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		t.Run(env, func(t *testing.T) {
			if !checkScrapeTargets(t, r, env) {
				t.Fatalf("the %s overlay has no prometheus-config ConfigMap", env)
			}
		})
	}
}

// checkScrapeTargets checks the scrape targets of env's prometheus-config
// ConfigMap against the Services of the same build; it returns false when
// the build holds no such ConfigMap (no service mounts prometheus.yml).
func checkScrapeTargets(t *testing.T, r *modelRun, env string) bool {
	t.Helper()
	ns := r.model.Envs[env].Namespace
	built := r.built[env]
	cm := built["v1/ConfigMap/prometheus-config@"+ns]
	if cm == nil {
		return false
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `json:"job_name"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
			DNSSDConfigs []struct {
				Names []string `json:"names"`
				Port  int      `json:"port"`
			} `json:"dns_sd_configs"`
		} `json:"scrape_configs"`
	}
	data := cm["data"].(map[string]any)["prometheus.yml"].(string)
	if err := yaml.Unmarshal([]byte(data), &cfg); err != nil {
		t.Fatalf("prometheus.yml in the ConfigMap: %v", err)
	}
	if len(cfg.ScrapeConfigs) == 0 {
		t.Fatal("no scrape jobs")
	}
	for _, job := range cfg.ScrapeConfigs {
		var checked int
		for _, sc := range job.StaticConfigs {
			for _, tg := range sc.Targets {
				var port int
				host, p, _ := strings.Cut(tg, ":")
				svc, _, _ := strings.Cut(host, ".")
				if _, err := fmt.Sscanf(p, "%d", &port); err != nil {
					t.Errorf("job %s: target %s has no port", job.JobName, tg)
				}
				if host != svc+"."+ns+".svc" {
					t.Errorf("job %s: target %s is not a Service of namespace %s", job.JobName, tg, ns)
				}
				checkService(t, built, ns, job.JobName, svc, port, false)
				checked++
			}
		}
		for _, d := range job.DNSSDConfigs {
			for _, name := range d.Names {
				svc, ok := strings.CutSuffix(name, "."+ns+".svc.cluster.local")
				if !ok {
					t.Errorf("job %s: DNS name %s is not a Service of namespace %s", job.JobName, name, ns)
					continue
				}
				checkService(t, built, ns, job.JobName, svc, d.Port, true)
				checked++
			}
		}
		if checked == 0 {
			t.Errorf("job %s has no target", job.JobName)
		}
	}
	return true
}

func checkService(t *testing.T, built map[string]map[string]any, ns, job, name string, port int, headless bool) {
	t.Helper()
	svc := built["v1/Service/"+name+"@"+ns]
	if svc == nil {
		t.Errorf("job %s: no Service %s in the built overlay", job, name)
		return
	}
	spec := svc["spec"].(map[string]any)
	if sel, _ := spec["selector"].(map[string]any); sel[labelName] != job {
		t.Errorf("job %s: Service %s selects %v, not the pods of %s", job, name, sel, job)
	}
	if headless && spec["clusterIP"] != "None" {
		t.Errorf("job %s: DNS discovery on Service %s, which is not headless", job, name)
	}
	for _, p := range spec["ports"].([]any) {
		if int(p.(map[string]any)["port"].(float64)) == port {
			return
		}
	}
	t.Errorf("job %s: Service %s has no port %d", job, name, port)
}
