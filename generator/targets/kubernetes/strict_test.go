package kubernetes

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/degen-dev/degen/generator/internal/crdcheck"
	"github.com/degen-dev/degen/generator/target"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// argoApplication is argoproj.io/v1alpha1 Application, reduced to the
// fields degen may write; decoding refuses anything else. Argo CD's own
// type (github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1) is
// not imported: it needs Argo CD's gitops-engine module, which does not
// build with this Go, and the whole argo-cd module's dependency set.
type argoApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Project string `json:"project"`
		Source  struct {
			RepoURL        string `json:"repoURL"`
			TargetRevision string `json:"targetRevision"`
			Path           string `json:"path"`
		} `json:"source"`
		Destination struct {
			Server    string `json:"server"`
			Namespace string `json:"namespace"`
		} `json:"destination"`
		SyncPolicy struct {
			Automated struct {
				Prune    bool `json:"prune"`
				SelfHeal bool `json:"selfHeal"`
			} `json:"automated"`
			SyncOptions []string `json:"syncOptions"`
		} `json:"syncPolicy"`
	} `json:"spec"`
}

// typed returns an empty value of the Go type that the API server decodes
// apiVersion/kind into, or nil for a kind degen does not know.
func typed(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}
	case "apps/v1 DaemonSet":
		return &appsv1.DaemonSet{}
	case "batch/v1 Job":
		return &batchv1.Job{}
	case "batch/v1 CronJob":
		return &batchv1.CronJob{}
	case "v1 ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1 Service":
		return &corev1.Service{}
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}
	case "v1 PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	case "v1 Namespace":
		return &corev1.Namespace{}
	case "v1 ResourceQuota":
		return &corev1.ResourceQuota{}
	case "v1 LimitRange":
		return &corev1.LimitRange{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}
	case "networking.k8s.io/v1 NetworkPolicy":
		return &networkingv1.NetworkPolicy{}
	case "external-secrets.io/v1 ExternalSecret":
		return &externalSecretV1{}
	case "argoproj.io/v1alpha1 Application":
		return &argoApplication{}
	case "kustomize.toolkit.fluxcd.io/v1 Kustomization":
		return &kustomizev1.Kustomization{}
	case "source.toolkit.fluxcd.io/v1 GitRepository":
		return &sourcev1.GitRepository{}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		return &types.Kustomization{}
	}
	return nil
}

// decodeStrict decodes one YAML document into its typed form, refusing
// unknown fields, duplicate keys and wrong types (quantities included).
func decodeStrict(data []byte) error {
	var head metav1.TypeMeta
	if err := yaml.Unmarshal(data, &head); err != nil {
		return err
	}
	if head.APIVersion == monitoringAPI {
		return monitoringCRDCheck(head.Kind, data)
	}
	v := typed(head.APIVersion, head.Kind)
	if v == nil {
		return &unknownKind{head.APIVersion, head.Kind}
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		return err
	}
	if v, ok := v.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return err
		}
	}
	if head.Kind == "ExternalSecret" {
		return externalSecretCRDCheck(data)
	}
	return nil
}

// esCRD is external-secrets' own ExternalSecret CRD (testdata/crds).
var esCRD = sync.OnceValues(func() (*crdcheck.CRD, error) {
	return crdcheck.Load(filepath.Join("testdata", "crds", "external-secrets.io_externalsecrets.yaml"))
})

// externalSecretCRDCheck checks an ExternalSecret against the CRD's schema
// as the API server would.
func externalSecretCRDCheck(data []byte) error {
	crd, err := esCRD()
	if err != nil {
		return err
	}
	return crd.Check("external-secrets", data)
}

// TestExternalSecretCRD: the CRD check alone refuses an unserved version,
// an unknown field and a value outside an enum, and accepts the default
// model's ExternalSecrets (TestStrictDecoding runs it on every one).
func TestExternalSecretCRD(t *testing.T) {
	good := "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {secretStoreRef: {name: s, kind: ClusterSecretStore}, target: {name: x}, data: [{secretKey: k, remoteRef: {key: r}}]}\n"
	if err := externalSecretCRDCheck([]byte(good)); err != nil {
		t.Fatalf("a valid ExternalSecret: %v", err)
	}
	for name, c := range map[string]struct{ old, new, want string }{
		"v1beta1":       {"external-secrets.io/v1\n", "external-secrets.io/v1beta1\n", `apiVersion "external-secrets.io/v1beta1" is not served`},
		"unknown field": {"target: {name: x}", "target: {name: x, nmae: y}", "unknown field spec.target.nmae"},
		"enum":          {"kind: ClusterSecretStore", "kind: Vault", "spec.secretStoreRef.kind"},
	} {
		bad := strings.Replace(good, c.old, c.new, 1)
		if bad == good {
			t.Fatalf("%s: %q not in the document", name, c.old)
		}
		err := externalSecretCRDCheck([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %s", name, err, c.want)
		}
	}
	r := theDefault(t)
	n := 0
	for _, env := range kubeEnvs(r.model) {
		for id, obj := range r.built[env] {
			if obj["kind"] != "ExternalSecret" {
				continue
			}
			data, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			if err := externalSecretCRDCheck(data); err != nil {
				t.Errorf("%s: %s: %v", env, id, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Error("the default model builds no ExternalSecret; the test proves nothing")
	}
}

type unknownKind struct{ apiVersion, kind string }

func (e *unknownKind) Error() string {
	return "no typed decoder for " + e.apiVersion + " " + e.kind + ": add it to typed()"
}

// TestStrictDecoding decodes every file degen writes and every object
// kustomize builds into its k8s.io/api (or kustomize, or CRD) type.
func TestStrictDecoding(t *testing.T) { checkStrictDecoding(t, theDefault(t)) }

// checkStrictDecoding decodes the files and the built objects of r strictly.
func checkStrictDecoding(t *testing.T, r *modelRun) {
	t.Helper()
	for _, env := range kubeEnvs(r.model) {
		out := r.out[env]
		for _, f := range append(append([]target.File(nil), out.Files...), r.entry[env]...) {
			if strings.Contains(f.Path, "/patches/") {
				continue // patches are checked by building the overlay
			}
			for _, doc := range yamlDocs(t, f.Data) {
				if err := decodeStrict(doc); err != nil {
					t.Errorf("%s: %s: %v", env, f.Path, err)
				}
			}
		}
		for id, obj := range r.built[env] {
			if obj["kind"] == "Secret" {
				t.Errorf("%s: %s: degen wrote a Secret; secrets must stay references (ExternalSecret)", env, id)
			}
			data, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			if err := decodeStrict(data); err != nil {
				t.Errorf("%s: built object %s: %v", env, id, err)
			}
			for _, msg := range validMeta(obj) {
				t.Errorf("%s: built object %s: %s", env, id, msg)
			}
		}
	}
}

// TestStrictDecodingRefuses proves the decoder is strict: an unknown
// field, a wrong type and a bad quantity each fail.
func TestStrictDecodingRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nfoo: bar\n",
		"wrong type":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: \"three\"}\n",
		"bad quantity":  "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: x}\nspec: {hard: {cpu: 2 cores}}\n",
		"unknown kind":  "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n",
		"crd field":     "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {stringData: {a: b}}\n",
		"crd v1beta1":   "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {secretStoreRef: {name: s}}\n",
		"flux field":    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\nspec: {interval: 10m, path: ./x, sourceRef: {kind: GitRepository, name: x}, source: x}\n",
		"flux type":     "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: x}\nspec: {interval: 5m, url: x, ref: main}\n",
		"crd enum":      "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {secretStoreRef: {name: s, kind: Vault}}\n",
	} {
		if err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// validMeta checks names and labels with the API server's own validation
// functions: a name is a DNS subdomain (a DNS label for Services), label
// keys are qualified names and values at most 63 characters.
func validMeta(obj map[string]any) []string {
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	var errs []string
	if obj["kind"] == "Service" || obj["kind"] == "Namespace" {
		errs = append(errs, validation.IsDNS1123Label(name)...)
	} else {
		errs = append(errs, validation.IsDNS1123Subdomain(name)...)
	}
	labels, _ := md["labels"].(map[string]any)
	for k, v := range labels {
		errs = append(errs, validation.IsQualifiedName(k)...)
		s, _ := v.(string)
		errs = append(errs, validation.IsValidLabelValue(s)...)
	}
	return errs
}
