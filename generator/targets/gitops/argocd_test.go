package gitops_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"sigs.k8s.io/yaml"
)

// argoSchema is Argo CD's own Application schema (testdata/argocd), in the
// two forms the API server checks a custom resource with: the structural
// schema that pruning walks and the OpenAPI validator.
type argoSchema struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
}

var argo = sync.OnceValues(func() (*argoSchema, error) {
	data, err := os.ReadFile(filepath.Join("testdata", "argocd", "application-crd.yaml"))
	if err != nil {
		return nil, err
	}
	var crd apiextv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return nil, err
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1alpha1" || !v.Served {
			continue
		}
		var in apiextensions.JSONSchemaProps
		if err := apiextv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &in, nil); err != nil {
			return nil, err
		}
		s, err := structuralschema.NewStructural(&in)
		if err != nil {
			return nil, err
		}
		val, _, err := validation.NewSchemaValidator(&in)
		if err != nil {
			return nil, err
		}
		return &argoSchema{structural: s, validator: val}, nil
	}
	return nil, os.ErrNotExist
})

// argoProblems returns what the API server would refuse in an Application:
// the fields its schema does not know (pruning, as strict field validation
// reports them) and the values it rejects.
func argoProblems(t *testing.T, data []byte) []string {
	t.Helper()
	s, err := argo()
	if err != nil {
		t.Fatalf("Argo CD's Application CRD: %v", err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatalf("Application: %v", err)
	}
	var problems []string
	for _, e := range validation.ValidateCustomResource(nil, obj, s.validator) {
		problems = append(problems, e.Error())
	}
	unknown := pruning.PruneWithOptions(obj, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range unknown {
		problems = append(problems, "unknown field "+p)
	}
	return problems
}

// TestArgoApplicationSchema: each of the default model's Argo CD
// Applications passes the Application CRD's schema; a misspelt field and a
// wrongly typed value do not, so the check can fail.
func TestArgoApplicationSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "out", "gitops", "argocd", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Application under out/gitops/argocd (%v)", err)
	}
	var good []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p := argoProblems(t, data); len(p) > 0 {
			t.Errorf("%s: %s", f, strings.Join(p, "; "))
		}
		good = data
	}
	for name, c := range map[string]struct{ old, new, want string }{
		"misspelt field": {"targetRevision:", "targetRevison:", "unknown field spec.source.targetRevison"},
		"wrong type":     {"prune: true", "prune: yes-please", "spec.syncPolicy.automated.prune"},
	} {
		if !strings.Contains(string(good), c.old) {
			t.Fatalf("%s: the Application no longer has %q; update the test", name, c.old)
		}
		bad := strings.Replace(string(good), c.old, c.new, 1)
		p := strings.Join(argoProblems(t, []byte(bad)), "; ")
		if !strings.Contains(p, c.want) {
			t.Errorf("%s: problems %q, want one naming %s", name, p, c.want)
		}
	}
}
