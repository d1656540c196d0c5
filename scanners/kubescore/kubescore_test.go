package kubescore

import (
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/zegl/kube-score/config"
	ks "github.com/zegl/kube-score/domain"
	"github.com/zegl/kube-score/score"
	"github.com/zegl/kube-score/score/checks"
	"github.com/zegl/kube-score/scorecard"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// scored holds the objects of an overlay as kube-score's checks read them
// (kube-score's own parser decodes API versions k8s.io/api no longer
// has, so the test decodes into the current types itself, strictly).
type scored struct {
	metas    []ks.BothMeta
	specers  []ks.PodSpecer
	services []ks.Service
	sets     []ks.StatefulSet
	deploys  []ks.Deployment
	netpols  []ks.NetworkPolicy
	ingress  []ks.Ingress
	crons    []ks.CronJob
	pdbs     []ks.PodDisruptionBudget
	hpas     []ks.HpaTargeter
}

func (s *scored) Metas() []ks.BothMeta                           { return s.metas }
func (s *scored) Pods() []ks.Pod                                 { return nil }
func (s *scored) PodSpeccers() []ks.PodSpecer                    { return s.specers }
func (s *scored) Services() []ks.Service                         { return s.services }
func (s *scored) StatefulSets() []ks.StatefulSet                 { return s.sets }
func (s *scored) Deployments() []ks.Deployment                   { return s.deploys }
func (s *scored) NetworkPolicies() []ks.NetworkPolicy            { return s.netpols }
func (s *scored) Ingresses() []ks.Ingress                        { return s.ingress }
func (s *scored) CronJobs() []ks.CronJob                         { return s.crons }
func (s *scored) PodDisruptionBudgets() []ks.PodDisruptionBudget { return s.pdbs }
func (s *scored) HorizontalPodAutoscalers() []ks.HpaTargeter     { return s.hpas }

// at is what every adapter has: no file location (the test names objects
// by kind and name).
type at struct{}

func (at) FileLocation() ks.FileLocation { return ks.FileLocation{Name: "overlay"} }

type podSpecer struct {
	at
	tm   metav1.TypeMeta
	om   metav1.ObjectMeta
	tmpl corev1.PodTemplateSpec
}

func (p podSpecer) GetTypeMeta() metav1.TypeMeta               { return p.tm }
func (p podSpecer) GetObjectMeta() metav1.ObjectMeta           { return p.om }
func (p podSpecer) GetPodTemplateSpec() corev1.PodTemplateSpec { return p.tmpl }

type cronJob struct {
	podSpecer
	deadline *int64
}

func (c cronJob) StartingDeadlineSeconds() *int64 { return c.deadline }

type service struct {
	at
	obj corev1.Service
}

func (s service) Service() corev1.Service { return s.obj }

type statefulSet struct {
	at
	obj appsv1.StatefulSet
}

func (s statefulSet) StatefulSet() appsv1.StatefulSet { return s.obj }

type deployment struct {
	at
	obj appsv1.Deployment
}

func (d deployment) Deployment() appsv1.Deployment { return d.obj }

type netpol struct {
	at
	obj networkingv1.NetworkPolicy
}

func (n netpol) NetworkPolicy() networkingv1.NetworkPolicy { return n.obj }

type ingress struct {
	at
	networkingv1.Ingress
}

func (i ingress) GetTypeMeta() metav1.TypeMeta      { return i.TypeMeta }
func (i ingress) GetObjectMeta() metav1.ObjectMeta  { return i.ObjectMeta }
func (i ingress) Rules() []networkingv1.IngressRule { return i.Spec.Rules }

type pdb struct {
	at
	policyv1.PodDisruptionBudget
}

func (p pdb) GetTypeMeta() metav1.TypeMeta           { return p.TypeMeta }
func (p pdb) GetObjectMeta() metav1.ObjectMeta       { return p.ObjectMeta }
func (p pdb) Namespace() string                      { return p.ObjectMeta.Namespace }
func (p pdb) Spec() policyv1.PodDisruptionBudgetSpec { return p.PodDisruptionBudget.Spec }
func (p pdb) PodDisruptionBudgetSelector() *metav1.LabelSelector {
	return p.PodDisruptionBudget.Spec.Selector
}

type hpa struct {
	at
	autoscalingv2.HorizontalPodAutoscaler
}

func (h hpa) GetTypeMeta() metav1.TypeMeta     { return h.TypeMeta }
func (h hpa) GetObjectMeta() metav1.ObjectMeta { return h.ObjectMeta }
func (h hpa) MinReplicas() *int32              { return h.Spec.MinReplicas }
func (h hpa) HpaTarget() autoscalingv1.CrossVersionObjectReference {
	r := h.Spec.ScaleTargetRef
	return autoscalingv1.CrossVersionObjectReference{Kind: r.Kind, Name: r.Name, APIVersion: r.APIVersion}
}

// decodeStrict decodes obj into v, refusing unknown fields.
func decodeStrict(t *testing.T, id string, obj map[string]any, v any) {
	t.Helper()
	data, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
}

// forKubeScore decodes the objects of a built overlay into what
// kube-score's checks read.
func forKubeScore(t *testing.T, built map[string]map[string]any) *scored {
	t.Helper()
	s := &scored{}
	ids := make([]string, 0, len(built))
	for id := range built {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	addSpecer := func(p podSpecer) {
		// The API server creates the pods in their controller's
		// namespace; kube-score compares the template's own (empty in
		// every manifest) with the NetworkPolicy's.
		p.tmpl.Namespace = p.om.Namespace
		s.specers = append(s.specers, p)
		s.metas = append(s.metas, ks.BothMeta{TypeMeta: p.tm, ObjectMeta: p.om, FileLocationer: p})
	}
	meta := func(tm metav1.TypeMeta, om metav1.ObjectMeta, l ks.FileLocationer) {
		s.metas = append(s.metas, ks.BothMeta{TypeMeta: tm, ObjectMeta: om, FileLocationer: l})
	}
	for _, id := range ids {
		obj := built[id]
		switch obj["kind"] {
		case "Deployment":
			var d appsv1.Deployment
			decodeStrict(t, id, obj, &d)
			addSpecer(podSpecer{tm: d.TypeMeta, om: d.ObjectMeta, tmpl: d.Spec.Template})
			s.deploys = append(s.deploys, deployment{obj: d})
		case "StatefulSet":
			var d appsv1.StatefulSet
			decodeStrict(t, id, obj, &d)
			addSpecer(podSpecer{tm: d.TypeMeta, om: d.ObjectMeta, tmpl: d.Spec.Template})
			s.sets = append(s.sets, statefulSet{obj: d})
		case "DaemonSet":
			var d appsv1.DaemonSet
			decodeStrict(t, id, obj, &d)
			addSpecer(podSpecer{tm: d.TypeMeta, om: d.ObjectMeta, tmpl: d.Spec.Template})
		case "Job":
			var d batchv1.Job
			decodeStrict(t, id, obj, &d)
			addSpecer(podSpecer{tm: d.TypeMeta, om: d.ObjectMeta, tmpl: d.Spec.Template})
		case "CronJob":
			var d batchv1.CronJob
			decodeStrict(t, id, obj, &d)
			p := podSpecer{tm: d.TypeMeta, om: d.ObjectMeta, tmpl: d.Spec.JobTemplate.Spec.Template}
			addSpecer(p)
			s.crons = append(s.crons, cronJob{podSpecer: p, deadline: d.Spec.StartingDeadlineSeconds})
		case "Service":
			var d corev1.Service
			decodeStrict(t, id, obj, &d)
			s.services = append(s.services, service{obj: d})
			meta(d.TypeMeta, d.ObjectMeta, at{})
		case "NetworkPolicy":
			var d networkingv1.NetworkPolicy
			decodeStrict(t, id, obj, &d)
			s.netpols = append(s.netpols, netpol{obj: d})
			meta(d.TypeMeta, d.ObjectMeta, at{})
		case "Ingress":
			var d networkingv1.Ingress
			decodeStrict(t, id, obj, &d)
			s.ingress = append(s.ingress, ingress{Ingress: d})
			meta(d.TypeMeta, d.ObjectMeta, at{})
		case "PodDisruptionBudget":
			var d policyv1.PodDisruptionBudget
			decodeStrict(t, id, obj, &d)
			s.pdbs = append(s.pdbs, pdb{PodDisruptionBudget: d})
			meta(d.TypeMeta, d.ObjectMeta, at{})
		case "HorizontalPodAutoscaler":
			var d autoscalingv2.HorizontalPodAutoscaler
			decodeStrict(t, id, obj, &d)
			s.hpas = append(s.hpas, hpa{HorizontalPodAutoscaler: d})
			meta(d.TypeMeta, d.ObjectMeta, at{})
		}
	}
	return s
}

// kubeScore runs kube-score's checks (its defaults, as `kube-score score`
// runs them) over the objects of one built overlay and returns the
// findings at WARNING or CRITICAL as "check-id kind/name: comments".
func kubeScore(t *testing.T, built map[string]map[string]any) []string {
	t.Helper()
	objs := forKubeScore(t, built)
	run := &config.RunConfiguration{KubernetesVersion: config.Semver{Major: 1, Minor: 33}}
	card, err := score.Score(objs, score.RegisterAllChecks(objs, &checks.Config{}, run), run)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range *card {
		for _, c := range o.Checks {
			if c.Skipped || c.Grade > scorecard.GradeWarning {
				continue
			}
			var why []string
			for _, cm := range c.Comments {
				why = append(why, strings.TrimSpace(cm.Path+" "+cm.Summary))
			}
			out = append(out, fmt.Sprintf("%s %s/%s: %s", c.Check.ID, o.TypeMeta.Kind, o.ObjectMeta.Name, strings.Join(why, "; ")))
		}
	}
	sort.Strings(out)
	return out
}

// overlays are the Kubernetes overlays kube-score judges, by a name
// (model/env) for the messages: every overlay of the default model's
// committed out/, and every overlay of each stack of testdata/stacks,
// built by degen into a temporary directory.
func overlays(t *testing.T) map[string]string {
	t.Helper()
	outs := map[string]string{"default": filepath.Join("..", "..", "out")}
	stacks, err := filepath.Glob(filepath.Join("..", "..", "testdata", "stacks", "*", "envs"))
	if err != nil || len(stacks) == 0 {
		t.Fatalf("no stack under testdata/stacks (%v)", err)
	}
	bin := degen(t)
	for _, envs := range stacks {
		dir := filepath.Dir(envs)
		out := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(bin, "--dir", dir, "--out", out, "build", "--all", "--no-cache")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("degen build %s: %v\n%s", dir, err, msg)
		}
		outs[filepath.Base(dir)] = out
	}
	found := map[string]string{}
	for model, out := range outs {
		ks, err := filepath.Glob(filepath.Join(out, "kubernetes", "overlays", "*", "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			found[model+"/"+filepath.Base(filepath.Dir(k))] = filepath.Dir(k)
		}
	}
	for _, want := range []string{"default/dev", "default/staging", "default/prod"} {
		if found[want] == "" {
			t.Fatalf("no overlay %s among %v", want, found)
		}
	}
	if len(found) < len(stacks)+3 {
		t.Fatalf("only %d overlays (%v): a stack has none", len(found), found)
	}
	return found
}

// degen builds the repository's degen into a temporary directory (the Go
// build cache makes it cheap after make test's own builds).
func degen(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "degen")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/degen")
	cmd.Dir = filepath.Join("..", "..")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/degen: %v\n%s", err, msg)
	}
	return bin
}

// build runs kustomize (krusty, as Argo CD and Flux do) over the overlay
// in dir and returns its objects by kind/name.
func build(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out := map[string]map[string]any{}
	for _, r := range res.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		out[r.GetKind()+"/"+r.GetName()] = m
	}
	if len(out) == 0 {
		t.Fatalf("%s: the overlay has no objects", dir)
	}
	return out
}

// stackOverlays are the overlays of the testdata stacks, whose
// environments ask for no egress policy and give no ephemeral storage.
func stackOverlays() []string {
	return []string{"bookshelf/prod", "dispatch/prod", "dispatch/staging", "gateway/prod", "observatory/prod", "solo/prod"}
}

// acceptedCheck is a kube-score check degen deliberately does not follow,
// with its reason, the objects (kind/name) it is accepted for (none: every
// object) and the overlays (model/env) it is accepted in (none: every
// overlay).
type acceptedCheck struct {
	reason   string
	objects  []string
	overlays []string
}

// accepted are the kube-score checks degen deliberately does not follow.
// docs/TARGETS.md ("kube-score") lists them too. An entry no finding uses
// fails the test, so the list stays what degen needs.
func accepted() map[string]acceptedCheck {
	return map[string]acceptedCheck{
		"container-image-pull-policy":                       {reason: "degen pulls an image pinned by digest or by a release tag IfNotPresent (a node reuses what it has, and a registry outage does not stop restarts) and a mutable tag Always; kube-score wants Always everywhere"},
		"container-security-context-user-group-id":          {reason: "the uid and gid are the ones the images are built to run as (postgres 70, mysql 999, grafana 472, Confluent and MinIO 1000): a uid above 10000 that the image does not know breaks their file ownership"},
		"container-security-context-readonlyrootfilesystem": {reason: "these images write to their root file system (PID and socket files, caches, Flink's and Kafka's scratch directories); the services that do not (prometheus, node-exporter, kafka-exporter) run read-only by the model's readOnlyRootFilesystem"},
		"pod-probes-identical":                              {reason: "degen derives liveness from readiness on the same endpoint but less aggressive (3x the failures, a longer timeout): an overloaded pod leaves the Service long before it is restarted; kube-score compares only the endpoint"},
		"deployment-has-host-podantiaffinity":               {reason: "replicas are spread over nodes by topologySpreadConstraints (ScheduleAnyway), which kube-score's own podtopologyspreadconstraints check passes; a required anti-affinity would leave replicas pending on a cluster with fewer nodes than replicas"},
		"statefulset-has-host-podantiaffinity":              {reason: "as deployment-has-host-podantiaffinity: topologySpreadConstraints spread the brokers and the ZooKeeper ensemble"},
		"deployment-strategy": {
			reason:  "these Deployments mount a ReadWriteOnce claim: a rolling update would start the new pod while the old one holds the volume, and it would wait for ever on another node; they are replaced (Recreate)",
			objects: []string{"Deployment/grafana", "Deployment/minio", "Deployment/prometheus", "Deployment/superset-redis"},
		},
		"pod-networkpolicy": {
			reason:   "degen writes egress NetworkPolicies where the environment asks (kubernetes.egress): the default model's staging and prod do; its dev and the stacks, whose clusters leave egress open, do not, and their ingress policies are still written",
			overlays: append([]string{"default/dev"}, stackOverlays()...),
		},
		"container-ephemeral-storage-request-and-limit": {
			reason:   "ephemeral storage is written as the model gives it (resources.*.ephemeralStorage), as the default model does; the stacks give none, and degen invents no size for scratch space it cannot know",
			overlays: stackOverlays(),
		},
		"service-type": {
			reason:   "the model asks for it: dev reaches Kafka UI from the host through a NodePort (seed §4.3)",
			objects:  []string{"Service/kafka-ui"},
			overlays: []string{"default/dev"},
		},
	}
}

// TestKubeScore runs kube-score v1.20.0's default checks over every
// overlay of the default model and of the testdata stacks: every finding
// at WARNING or CRITICAL is a failure unless its check is accepted above.
func TestKubeScore(t *testing.T) {
	all := overlays(t)
	skip := accepted()
	used := map[string]bool{}
	for _, env := range slices.Sorted(maps.Keys(all)) {
		for _, f := range kubeScore(t, build(t, all[env])) {
			id, rest, _ := strings.Cut(f, " ")
			obj, _, _ := strings.Cut(rest, ":")
			if a, ok := skip[id]; ok && (a.objects == nil || slices.Contains(a.objects, obj)) && (a.overlays == nil || slices.Contains(a.overlays, env)) {
				used[id] = true
				continue
			}
			t.Errorf("%s: %s", env, f)
		}
	}
	for id := range skip {
		if !used[id] {
			t.Errorf("accepted check %s matches no finding: remove it from the list (and from docs/TARGETS.md)", id)
		}
	}
}
