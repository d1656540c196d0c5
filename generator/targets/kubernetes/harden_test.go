package kubernetes

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/target"
)

// checkServiceAccounts: every pod template of every overlay build runs as
// a ServiceAccount of the build named after its service, which mounts the
// API token only when the model asks for it.
func checkServiceAccounts(t *testing.T, r *modelRun) {
	t.Helper()
	for _, env := range kubeEnvs(r.model) {
		me := r.model.Envs[env]
		built := r.built[env]
		for id, pod := range podTemplates(t, built) {
			svc := me.Services[pod.Labels[labelName]]
			if svc == nil {
				continue // a Helm component's pod
			}
			sa := pod.Spec.ServiceAccountName
			if sa != svc.Name {
				t.Errorf("%s: %s runs as ServiceAccount %q, want %q", env, id, sa, svc.Name)
				continue
			}
			obj, ok := built["v1/ServiceAccount/"+sa+"@"+me.Namespace]
			if !ok {
				t.Errorf("%s: %s runs as ServiceAccount %s, which the build does not hold", env, id, sa)
				continue
			}
			data, _ := yaml.Marshal(obj)
			var got corev1.ServiceAccount
			if err := yaml.UnmarshalStrict(data, &got); err != nil {
				t.Fatal(err)
			}
			if got.AutomountServiceAccountToken == nil || *got.AutomountServiceAccountToken != svc.AutomountServiceAccountToken {
				t.Errorf("%s: ServiceAccount %s: automountServiceAccountToken %v, want %v", env, sa, got.AutomountServiceAccountToken, svc.AutomountServiceAccountToken)
			}
		}
	}
}

// TestServiceAccounts runs checkServiceAccounts on the default model.
func TestServiceAccounts(t *testing.T) { checkServiceAccounts(t, theDefault(t)) }

// checkHardenedPods: in every staging and production overlay build, every
// container of a service's pod runs as non-root and drops ALL
// capabilities, unless the service names the field in
// security.relaxedAllowed with a reason; it returns how many containers
// were judged and how many a reason let out.
func checkHardenedPods(t *testing.T, r *modelRun) (judged, relaxed int) {
	t.Helper()
	for _, env := range kubeEnvs(r.model) {
		me := r.model.Envs[env]
		if !me.Hardened() {
			continue
		}
		for id, pod := range podTemplates(t, r.built[env]) {
			svc := me.Services[pod.Labels[labelName]]
			if svc == nil {
				continue // a Helm component's pod
			}
			for _, c := range append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
				judged++
				sc := c.SecurityContext
				if sc == nil {
					sc = &corev1.SecurityContext{}
				}
				nonRoot := isTrue(sc.RunAsNonRoot) || sc.RunAsNonRoot == nil && pod.Spec.SecurityContext != nil && isTrue(pod.Spec.SecurityContext.RunAsNonRoot)
				drops := sc.Capabilities != nil && dropsAll(sc.Capabilities.Drop)
				for f, ok := range map[string]bool{"runAsNonRoot": nonRoot, "dropAllCapabilities": drops} {
					switch why := svc.Security.RelaxedAllowed[f]; {
					case why != "" && ok:
						t.Errorf("%s: %s container %s: security.relaxedAllowed.%s says %q, but the container is not relaxed", env, id, c.Name, f, why)
					case why != "":
						relaxed++
					case !ok:
						t.Errorf("%s: %s container %s: %s is off in stage %s and the service gives no reason (security.relaxedAllowed)", env, id, c.Name, f, me.Stage)
					}
				}
			}
		}
	}
	return judged, relaxed
}

// TestHardenedPods runs checkHardenedPods on the default model, whose
// staging and prod run some containers as root with a reason.
func TestHardenedPods(t *testing.T) {
	judged, relaxed := checkHardenedPods(t, theDefault(t))
	if judged == 0 || relaxed == 0 {
		t.Errorf("%d containers judged, %d relaxed with a reason: the check proved nothing", judged, relaxed)
	}
}

// hardenModel adds, to the default model's prod, a service with each of
// the fields of issue 14 set.
const hardenModel = `package envs

environments: prod: services: {
	"harden-api": {
		group: "services"
		image: "example/harden-api:1.0.0"
		networks: ["de-serving"]
		resources: {}
		automountServiceAccountToken: true
		ports: [{name: "http", containerPort: 8080}, {name: "admin", containerPort: 9000}]
		health: {type: "http", path: "/ready", port: "http"}
		liveness: {type: "tcp", port: "admin", periodSeconds: 20, failureThreshold: 4}
		startup: {type: "exec", command: ["test -f /tmp/started"], periodSeconds: 5, failureThreshold: 60}
		security: {runAsUser: 4000, fsGroup: 4001, readOnlyRootFilesystem: true, seccompProfile: "RuntimeDefault"}
		mounts: [{volume: "harden-data", target: "/data", subPath: "db"}]
	}
	"harden-report": {
		group: "services"
		image: "example/harden-report:1.0.0"
		kind: "cronjob"
		restart: "no"
		networks: ["de-serving"]
		resources: {}
		cronjob: {schedule: "*/15 * * * *", concurrencyPolicy: "Replace", startingDeadlineSeconds: 120, suspend: true, successfulJobsHistoryLimit: 1}
	}
	"harden-quiet": {
		group: "services"
		image: "example/harden-quiet:1.0.0"
		networks: ["de-serving"]
		resources: {}
		ports: [{name: "http", containerPort: 8080}]
	}
}
environments: prod: volumes: "harden-data": size: "1Gi"
`

// TestHardenFields builds the services above through krusty and checks each
// field on the built objects, decoded strictly into their k8s.io/api types.
func TestHardenFields(t *testing.T) {
	m := loadModel(t, tempModel(t, map[string]string{"envs/zz_harden.cue": hardenModel}))
	out := generate(t, m, "prod")
	built := krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/prod")
	ns := m.Envs["prod"].Namespace
	pods := podTemplates(t, built)
	check := func(field string, want, got any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", field, diff)
		}
	}
	api := pods["apps/v1/Deployment/harden-api@"+ns]
	if api == nil {
		t.Fatalf("no Deployment harden-api in %v", sortedIDs(built))
	}
	c := api.Spec.Containers[0]
	check("readiness", &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}, c.ReadinessProbe.HTTPGet)
	check("liveness", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("admin")}}, PeriodSeconds: 20, TimeoutSeconds: 1, FailureThreshold: 4}, c.LivenessProbe)
	check("startup", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "test -f /tmp/started"}}}, PeriodSeconds: 5, TimeoutSeconds: 1, FailureThreshold: 60}, c.StartupProbe)
	uid, gid, nonRoot, ro, no := int64(4000), int64(4001), true, true, false
	policy := corev1.FSGroupChangeOnRootMismatch
	// The default model's environment says runAsNonRoot and
	// dropAllCapabilities; the service adds the rest.
	check("pod securityContext", &corev1.PodSecurityContext{
		RunAsNonRoot: &nonRoot, RunAsUser: &uid, FSGroup: &gid, FSGroupChangePolicy: &policy,
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}, api.Spec.SecurityContext)
	check("container securityContext", &corev1.SecurityContext{
		AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &ro,
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}, c.SecurityContext)
	check("subPath", "db", c.VolumeMounts[0].SubPath)
	check("serviceAccountName", "harden-api", api.Spec.ServiceAccountName)
	sa := built["v1/ServiceAccount/harden-api@"+ns]
	check("automount", true, sa["automountServiceAccountToken"])

	var cj batchv1.CronJob
	data, _ := yaml.Marshal(built["batch/v1/CronJob/harden-report@"+ns])
	if err := yaml.UnmarshalStrict(data, &cj); err != nil {
		t.Fatalf("CronJob harden-report: %v in %v", err, sortedIDs(built))
	}
	deadline, okLimit, failLimit, yes := int64(120), int32(1), int32(1), true
	check("schedule", "*/15 * * * *", cj.Spec.Schedule)
	check("concurrencyPolicy", batchv1.ReplaceConcurrent, cj.Spec.ConcurrencyPolicy)
	check("startingDeadlineSeconds", &deadline, cj.Spec.StartingDeadlineSeconds)
	check("history", [2]*int32{&okLimit, &failLimit}, [2]*int32{cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit})
	check("suspend", &yes, cj.Spec.Suspend)
	check("restartPolicy", corev1.RestartPolicyNever, cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy)
	check("cronjob serviceAccountName", "harden-report", cj.Spec.JobTemplate.Spec.Template.Spec.ServiceAccountName)
	if _, ok := built["v1/Service/harden-report@"+ns]; ok {
		t.Error("a cronjob got a Service")
	}

	var warned []string
	for _, w := range out.Warnings {
		if w.Code == "no-probe" {
			warned = append(warned, w.Subject)
		}
	}
	check("no-probe warnings", []string{"harden-quiet"}, warned)
}

// TestSecurityRefusals: a root uid with runAsNonRoot and a privileged
// service that says allowPrivilegeEscalation false are errors at the
// field, since the kubelet, or the API server, would refuse the pod.
func TestSecurityRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		svc, path, says string
	}{
		"root uid":   {`security: runAsUser: 0`, `services."harden-quiet".security.runAsUser`, "runs as uid 0 (root) while runAsNonRoot is true"},
		"root user":  {`user: "0"`, `services."harden-quiet".user`, "runs as uid 0 (root) while runAsNonRoot is true"},
		"privileged": {`privileged: true, security: allowPrivilegeEscalation: false`, `services."harden-quiet".security.allowPrivilegeEscalation`, "always allows privilege escalation"},
	} {
		t.Run(name, func(t *testing.T) {
			src := hardenModel + "environments: prod: services: \"harden-quiet\": {" + tc.svc + "}\n"
			m := loadModel(t, tempModel(t, map[string]string{"envs/zz_harden.cue": src}))
			_, err := Target{}.Generate(target.Input{Env: m.Envs["prod"], Base: m.Base})
			var merr *model.Error
			if !errors.As(err, &merr) {
				t.Fatalf("want a model error, got %v", err)
			}
			if merr.Path != tc.path || !strings.Contains(merr.Error(), tc.says) {
				t.Errorf("error at %q: %v; want %q saying %q", merr.Path, merr, tc.path, tc.says)
			}
		})
	}
}
