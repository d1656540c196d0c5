package kubernetes

// The types below mirror external-secrets.io/v1 ExternalSecret as the
// upstream project declares it in apis/externalsecrets/v1/externalsecret_types.go
// of github.com/external-secrets/external-secrets v0.16.2 (Apache-2.0),
// copied field for field with the doc comments left out. That module is
// not imported: v0.16.2 pulls in every provider SDK (a go.mod of ~350
// modules) and its controller-runtime v0.20.4 does not compile against the
// k8s.io/client-go this module needs; the module proxy serves no separate
// apis module. The kubebuilder enum markers of the same file, which a
// Go decoder does not see, are checked by validate.

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/degen-dev/degen/generator/target"
)

type esSecretStoreRef struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind,omitempty"`
}

type esTemplateMetadata struct {
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

type esTemplate struct {
	Type          corev1.SecretType  `json:"type,omitempty"`
	EngineVersion string             `json:"engineVersion,omitempty"`
	Metadata      esTemplateMetadata `json:"metadata,omitempty"`
	MergePolicy   string             `json:"mergePolicy,omitempty"`
	Data          map[string]string  `json:"data,omitempty"`
	TemplateFrom  []esTemplateFrom   `json:"templateFrom,omitempty"`
}

type esTemplateFrom struct {
	ConfigMap *esTemplateRef `json:"configMap,omitempty"`
	Secret    *esTemplateRef `json:"secret,omitempty"`
	Target    string         `json:"target,omitempty"`
	Literal   *string        `json:"literal,omitempty"`
}

type esTemplateRef struct {
	Name  string              `json:"name"`
	Items []esTemplateRefItem `json:"items"`
}

type esTemplateRefItem struct {
	Key        string `json:"key"`
	TemplateAs string `json:"templateAs,omitempty"`
}

type esTarget struct {
	Name           string      `json:"name,omitempty"`
	CreationPolicy string      `json:"creationPolicy,omitempty"`
	DeletionPolicy string      `json:"deletionPolicy,omitempty"`
	Template       *esTemplate `json:"template,omitempty"`
	Immutable      bool        `json:"immutable,omitempty"`
}

type esData struct {
	SecretKey string            `json:"secretKey"`
	RemoteRef esRemoteRef       `json:"remoteRef"`
	SourceRef *esStoreSourceRef `json:"sourceRef,omitempty"`
}

type esRemoteRef struct {
	Key                string `json:"key"`
	MetadataPolicy     string `json:"metadataPolicy,omitempty"`
	Property           string `json:"property,omitempty"`
	Version            string `json:"version,omitempty"`
	ConversionStrategy string `json:"conversionStrategy,omitempty"`
	DecodingStrategy   string `json:"decodingStrategy,omitempty"`
}

type esDataFrom struct {
	Extract   *esRemoteRef               `json:"extract,omitempty"`
	Find      *esFind                    `json:"find,omitempty"`
	Rewrite   []esRewrite                `json:"rewrite,omitempty"`
	SourceRef *esStoreGeneratorSourceRef `json:"sourceRef,omitempty"`
}

type esRewrite struct {
	Regexp *struct {
		Source string `json:"source"`
		Target string `json:"target"`
	} `json:"regexp,omitempty"`
	Transform *struct {
		Template string `json:"template"`
	} `json:"transform,omitempty"`
}

type esFind struct {
	Path *string `json:"path,omitempty"`
	Name *struct {
		RegExp string `json:"regexp,omitempty"`
	} `json:"name,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	ConversionStrategy string            `json:"conversionStrategy,omitempty"`
	DecodingStrategy   string            `json:"decodingStrategy,omitempty"`
}

type esStoreSourceRef struct {
	SecretStoreRef esSecretStoreRef `json:"storeRef,omitempty"`
	GeneratorRef   *esGeneratorRef  `json:"generatorRef,omitempty"`
}

type esStoreGeneratorSourceRef struct {
	SecretStoreRef *esSecretStoreRef `json:"storeRef,omitempty"`
	GeneratorRef   *esGeneratorRef   `json:"generatorRef,omitempty"`
}

type esGeneratorRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

type esSpec struct {
	SecretStoreRef  esSecretStoreRef `json:"secretStoreRef,omitempty"`
	Target          esTarget         `json:"target,omitempty"`
	RefreshPolicy   string           `json:"refreshPolicy,omitempty"`
	RefreshInterval *metav1.Duration `json:"refreshInterval,omitempty"`
	Data            []esData         `json:"data,omitempty"`
	DataFrom        []esDataFrom     `json:"dataFrom,omitempty"`
}

type esStatus struct {
	RefreshTime           metav1.Time `json:"refreshTime,omitempty"`
	SyncedResourceVersion string      `json:"syncedResourceVersion,omitempty"`
	Conditions            []struct {
		Type               string                 `json:"type"`
		Status             corev1.ConditionStatus `json:"status"`
		Reason             string                 `json:"reason,omitempty"`
		Message            string                 `json:"message,omitempty"`
		LastTransitionTime metav1.Time            `json:"lastTransitionTime,omitempty"`
	} `json:"conditions,omitempty"`
	Binding corev1.LocalObjectReference `json:"binding,omitempty"`
}

// externalSecretV1 is external-secrets.io/v1 ExternalSecret.
type externalSecretV1 struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              esSpec   `json:"spec,omitempty"`
	Status            esStatus `json:"status,omitempty"`
}

// validate checks the enums the upstream file declares with
// +kubebuilder:validation:Enum and the CRD enforces, for the fields degen
// writes, plus the store name's MinLength.
func (e *externalSecretV1) validate() error {
	s := e.Spec
	if s.SecretStoreRef.Name == "" {
		return fmt.Errorf("spec.secretStoreRef.name is empty")
	}
	for _, c := range []struct {
		field, value string
		allowed      []string
	}{
		{"spec.secretStoreRef.kind", s.SecretStoreRef.Kind, []string{"SecretStore", "ClusterSecretStore"}},
		{"spec.target.creationPolicy", s.Target.CreationPolicy, []string{"Owner", "Orphan", "Merge", "None"}},
		{"spec.target.deletionPolicy", s.Target.DeletionPolicy, []string{"Delete", "Merge", "Retain"}},
		{"spec.refreshPolicy", s.RefreshPolicy, []string{"CreatedOnce", "Periodic", "OnChange"}},
	} {
		if c.value != "" && !slices.Contains(c.allowed, c.value) {
			return fmt.Errorf("%s: %q is not one of %v", c.field, c.value, c.allowed)
		}
	}
	return nil
}

// TestExternalSecretStoreFromModel checks that every ExternalSecret is
// external-secrets.io/v1 and reads from the store the model names, of the
// kind it names, for the default kind and for a namespaced SecretStore.
func TestExternalSecretStoreFromModel(t *testing.T) {
	if checkExternalSecretStore(t, theDefault(t)) == 0 {
		t.Error("the default model has no ExternalSecret")
	}
}

// checkExternalSecretStore checks, for each Kubernetes environment of r,
// one ExternalSecret per model secret, external-secrets.io/v1, reading from
// the model's store, as built for the model's store kind and for a
// namespaced SecretStore; it returns how many it checked.
func checkExternalSecretStore(t *testing.T, r *modelRun) int {
	t.Helper()
	total := 0
	for _, name := range kubeEnvs(r.model) {
		for _, kind := range []string{"", "SecretStore"} {
			env := *r.model.Envs[name]
			if kind != "" {
				env.Kubernetes.SecretStoreKind = kind
			}
			out, err := Target{}.Generate(target.Input{Env: &env, Base: r.model.Base})
			if err != nil {
				t.Fatal(err)
			}
			want := esSecretStoreRef{Name: env.Kubernetes.SecretStore, Kind: env.Kubernetes.SecretStoreKind}
			n := 0
			for id, obj := range krustyBuild(t, writeFS(t, out.Files), "/out/kubernetes/overlays/"+name) {
				if obj["kind"] != "ExternalSecret" {
					continue
				}
				n++
				var es externalSecretV1
				data, _ := yaml.Marshal(obj)
				if err := yaml.UnmarshalStrict(data, &es); err != nil {
					t.Fatalf("%s: %s: %v", name, id, err)
				}
				if es.APIVersion != "external-secrets.io/v1" {
					t.Errorf("%s: %s: apiVersion %s, want external-secrets.io/v1", name, id, es.APIVersion)
				}
				if es.Spec.SecretStoreRef != want {
					t.Errorf("%s: %s: secretStoreRef %+v, want %+v", name, id, es.Spec.SecretStoreRef, want)
				}
			}
			if n != len(env.Secrets) {
				t.Errorf("%s: %d ExternalSecrets for %d model secrets", name, n, len(env.Secrets))
			}
			total += n
		}
	}
	return total
}
