package kubernetes

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// checker is the Pod Security admission's own evaluator, as the API
// server runs it.
func checker(t *testing.T) psapolicy.Evaluator {
	t.Helper()
	e, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// forbidden runs the checker on one pod at level and returns its
// forbidden reasons, sorted.
func forbidden(t *testing.T, e psapolicy.Evaluator, level string, pod *corev1.PodTemplateSpec) []string {
	t.Helper()
	lv, err := psaapi.ParseLevel(level)
	if err != nil {
		t.Fatal(err)
	}
	agg := psapolicy.AggregateCheckResults(e.EvaluatePod(psaapi.LevelVersion{Level: lv, Version: psaapi.LatestVersion()}, &pod.ObjectMeta, &pod.Spec))
	if agg.Allowed {
		return nil
	}
	r := append([]string(nil), agg.ForbiddenReasons...)
	sort.Strings(r)
	return r
}

// podTemplates are the pod templates of the workloads of a build, by
// object id.
func podTemplates(t *testing.T, built map[string]map[string]any) map[string]*corev1.PodTemplateSpec {
	t.Helper()
	out := map[string]*corev1.PodTemplateSpec{}
	for id, obj := range built {
		data, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		var tmpl *corev1.PodTemplateSpec
		switch obj["kind"] {
		case "Deployment":
			var d appsv1.Deployment
			err, tmpl = yaml.UnmarshalStrict(data, &d), &d.Spec.Template
		case "StatefulSet":
			var s appsv1.StatefulSet
			err, tmpl = yaml.UnmarshalStrict(data, &s), &s.Spec.Template
		case "DaemonSet":
			var s appsv1.DaemonSet
			err, tmpl = yaml.UnmarshalStrict(data, &s), &s.Spec.Template
		case "Job":
			var j batchv1.Job
			err, tmpl = yaml.UnmarshalStrict(data, &j), &j.Spec.Template
		case "CronJob":
			var j batchv1.CronJob
			err, tmpl = yaml.UnmarshalStrict(data, &j), &j.Spec.JobTemplate.Spec.Template
		default:
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		out[id] = tmpl
	}
	return out
}

// namespaceLevel reads the enforced level off the built Namespace, as the
// Pod Security admission reads its labels (psaapi.PolicyToEvaluate, over
// defaults that are none of the levels written, so that a missing label
// shows): it enforces a level at the cluster's own version, and warns and
// audits at "restricted" whatever it enforces.
func namespaceLevel(t *testing.T, built map[string]map[string]any, ns string) string {
	t.Helper()
	obj, ok := built["v1/Namespace/"+ns+"@"]
	if !ok {
		t.Fatalf("no Namespace %s in the build", ns)
	}
	raw, _ := obj["metadata"].(map[string]any)["labels"].(map[string]any)
	labels := map[string]string{}
	for k, v := range raw {
		labels[k], _ = v.(string)
	}
	old := psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.MajorMinorVersion(1, 0)}
	p, errs := psaapi.PolicyToEvaluate(labels, psaapi.Policy{Enforce: old, Audit: old, Warn: old})
	if len(errs) > 0 {
		t.Fatalf("Namespace %s: the admission refuses its labels: %v", ns, errs.ToAggregate())
	}
	if _, ok := labels[labelPSAEnforce]; !ok {
		t.Fatalf("Namespace %s: no %s label", ns, labelPSAEnforce)
	}
	restricted := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	for mode, lv := range map[string]psaapi.LevelVersion{"enforce": p.Enforce, "warn": p.Warn, "audit": p.Audit} {
		if !lv.Version.Latest() {
			t.Errorf("Namespace %s: %s at version %s, want latest", ns, mode, lv.Version)
		}
		if mode != "enforce" && lv != restricted {
			t.Errorf("Namespace %s: %s at %s, want %s", ns, mode, lv, restricted)
		}
	}
	return string(p.Enforce.Level)
}

// TestPodSecurity runs the Pod Security admission checker over every pod
// template of every overlay build at the level its Namespace enforces
// (the model's kubernetes.podSecurity): every pod passes. And the level is
// the strictest the pods allow: at "baseline", exactly the pods whose
// service shares its node (a host block or a hostPath mount) fail.
func TestPodSecurity(t *testing.T) { checkPodSecurity(t, theDefault(t)) }

// checkPodSecurity runs the Pod Security checker over the pods of r's builds.
func checkPodSecurity(t *testing.T, r *modelRun) {
	t.Helper()
	e := checker(t)
	for _, env := range kubeEnvs(r.model) {
		me := r.model.Envs[env]
		built := r.built[env]
		level := namespaceLevel(t, built, me.Namespace)
		if level != me.Kubernetes.PodSecurity {
			t.Errorf("%s: the Namespace enforces %q, the model says %q", env, level, me.Kubernetes.PodSecurity)
		}
		pods := podTemplates(t, built)
		if len(pods) == 0 {
			t.Fatalf("%s: no pod templates in the build", env)
		}
		var failBaseline []string
		for id, pod := range pods {
			if reasons := forbidden(t, e, level, pod); reasons != nil {
				t.Errorf("%s: %s is refused by Pod Security %q: %v", env, id, level, reasons)
			}
			if forbidden(t, e, levelBaseline, pod) != nil {
				failBaseline = append(failBaseline, pod.Labels[labelName])
			}
		}
		var hostBound []string
		for _, name := range me.ServiceNames() {
			if s := me.Services[name]; sharesNode(s) {
				hostBound = append(hostBound, name)
			}
		}
		sort.Strings(failBaseline)
		if diff := cmp.Diff(hostBound, failBaseline); diff != "" {
			t.Errorf("%s: pods refused at baseline (-services sharing their node +refused):\n%s", env, diff)
		}
		if len(hostBound) == 0 && level != levelBaseline && level != levelRestricted {
			t.Errorf("%s: no pod needs more than baseline, but the namespace is %q", env, level)
		}
	}
}

func sharesNode(s *model.Service) bool {
	if s.Host != nil && (s.Host.Network || s.Host.PID) {
		return true
	}
	for _, m := range s.Mounts {
		if m.HostPath != "" && !m.ComposeOnly {
			return true
		}
	}
	return false
}

// TestPodSecurityJudgementIsTheCheckers: degen's own judgement of a pod
// gives exactly the reasons the admission checker gives, for every pod of
// the default model at every level.
func TestPodSecurityJudgementIsTheCheckers(t *testing.T) { checkPodSecurityJudgement(t, theDefault(t)) }

// checkPodSecurityJudgement compares degen's Pod Security judgement of r's pods with the checker's.
func checkPodSecurityJudgement(t *testing.T, r *modelRun) {
	t.Helper()
	e := checker(t)
	for _, env := range kubeEnvs(r.model) {
		me := r.model.Envs[env]
		b := &builder{env: me, mounters: map[string]int{}}
		for _, name := range me.ServiceNames() {
			s := me.Services[name]
			pod, _, err := b.podSpec(s)
			if err != nil {
				t.Fatal(err)
			}
			hostPaths := map[string]int{}
			for i, m := range s.Mounts {
				if m.HostPath != "" {
					hostPaths["host"+volumeName(m.HostPath)] = i
				}
			}
			for _, level := range []string{levelPrivileged, levelBaseline, levelRestricted} {
				want := forbidden(t, e, level, &corev1.PodTemplateSpec{Spec: pod})
				var got []string
				for _, v := range podSecurityViolations(level, s, &pod, hostPaths) {
					got = append(got, v.reason)
				}
				sort.Strings(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: %s at %s (-checker +degen):\n%s", env, name, level, diff)
				}
			}
		}
	}
}

// TestPodSecurityTooStrict: a level a pod cannot meet is a build error at
// the model field that breaks it (the service when no field of the model
// decides it), naming the level's field and giving the checker's reasons.
func TestPodSecurityTooStrict(t *testing.T) {
	e := checker(t)
	for _, level := range []string{levelBaseline, levelRestricted} {
		m := loadModel(t, repoRoot)
		env := kubeEnvs(m)[0]
		me := m.Envs[env]
		// The first service, in build order, whose pod the checker refuses.
		var svc *model.Service
		var reasons []string
		for _, name := range me.ServiceNames() {
			s := me.Services[name]
			pod, _, err := (&builder{env: me, mounters: map[string]int{}}).podSpec(s)
			if err != nil {
				t.Fatal(err)
			}
			if reasons = forbidden(t, e, level, &corev1.PodTemplateSpec{Spec: pod}); reasons != nil {
				svc = s
				break
			}
		}
		if svc == nil {
			t.Fatalf("%s: the checker admits every pod at %s: the test needs one it refuses", env, level)
		}
		// The position is the service's field that breaks the level: its
		// host network, a security field it sets, or the service itself
		// when the environment's defaults decide.
		want := model.P("services", svc.Name)
		if svc.Host != nil && svc.Host.Network {
			want = model.P("services", svc.Name, "host", "network")
		}
		me.Kubernetes.PodSecurity = level
		_, err := Target{}.Generate(target.Input{Env: me, Base: m.Base})
		var merr *model.Error
		if !errors.As(err, &merr) {
			t.Fatalf("%s at %s: want a model error, got %v", env, level, err)
		}
		if merr.Path != want && !strings.HasPrefix(merr.Path, model.P("services", svc.Name, "security")+".") {
			t.Errorf("%s at %s: error at %q, want %q or one of its security fields", env, level, merr.Path, want)
		}
		msg := merr.Error()
		for _, reason := range reasons {
			if !strings.Contains(msg, reason+" (") {
				t.Errorf("%s at %s: error does not give the checker's reason %q:\n%s", env, level, reason, msg)
			}
		}
		names := []string{"kubernetes.podSecurity", `"` + level + `"`}
		if level == levelBaseline {
			names = append(names, "host.network: hostNetwork=true", "host.pid: hostPID=true", "mounts.0.hostPath")
		}
		for _, s := range names {
			if !strings.Contains(msg, s) {
				t.Errorf("%s at %s: error does not name %q:\n%s", env, level, s, msg)
			}
		}
		t.Logf("%s at %s: %s", env, level, msg)
	}
}
