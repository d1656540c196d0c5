// Package crdcheck checks custom resources against their CustomResourceDefinition's
// schema the way the Kubernetes API server does, for tests whose custom
// resources have no Go types that build here: apiextensions-apiserver's
// pruning finds the fields the schema does not know (what strict field
// validation reports), its schema validator the values it rejects, and a
// version the CRD does not serve is refused.
package crdcheck

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"sigs.k8s.io/yaml"
)

// CRD is one CustomResourceDefinition's served versions.
type CRD struct {
	Group, Kind string
	versions    map[string]*version // served versions only
}

type version struct {
	structural *structuralschema.Structural
	validator  validation.SchemaValidator
}

// Load reads a CustomResourceDefinition from a YAML file (decoded
// strictly).
func Load(path string) (*CRD, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crd apiextv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := &CRD{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind, versions: map[string]*version{}}
	for _, v := range crd.Spec.Versions {
		if !v.Served || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		var in apiextensions.JSONSchemaProps
		if err := apiextv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &in, nil); err != nil {
			return nil, fmt.Errorf("%s: version %s: %w", path, v.Name, err)
		}
		s, err := structuralschema.NewStructural(&in)
		if err != nil {
			return nil, fmt.Errorf("%s: version %s: %w", path, v.Name, err)
		}
		val, _, err := validation.NewSchemaValidator(&in)
		if err != nil {
			return nil, fmt.Errorf("%s: version %s: %w", path, v.Name, err)
		}
		c.versions[v.Name] = &version{structural: s, validator: val}
	}
	if len(c.versions) == 0 {
		return nil, fmt.Errorf("%s: the CRD serves no version with a schema", path)
	}
	return c, nil
}

// Problems returns what the API server would refuse in the object (one
// decoded YAML or JSON document of the CRD's kind): a version the CRD does
// not serve, values the schema rejects, and fields it does not know. The
// object is not changed.
func (c *CRD) Problems(data []byte) ([]string, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if kind != c.Kind {
		return []string{fmt.Sprintf("kind %q, want %s", kind, c.Kind)}, nil
	}
	var v *version
	for name, ver := range c.versions {
		if apiVersion == c.Group+"/"+name {
			v = ver
		}
	}
	if v == nil {
		served := make([]string, 0, len(c.versions))
		for name := range c.versions {
			served = append(served, c.Group+"/"+name)
		}
		sort.Strings(served)
		return []string{fmt.Sprintf("apiVersion %q is not served (served: %v)", apiVersion, served)}, nil
	}
	var problems []string
	for _, e := range validation.ValidateCustomResource(nil, obj, v.validator) {
		problems = append(problems, e.Error())
	}
	for _, p := range pruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		problems = append(problems, "unknown field "+p)
	}
	return problems, nil
}

// Check is Problems as one error: nil when the API server would accept
// the object, else an error that names the CRD's owner (the project that
// publishes it, e.g. "external-secrets") and every problem.
func (c *CRD) Check(owner string, data []byte) error {
	p, err := c.Problems(data)
	if err != nil {
		return err
	}
	if len(p) > 0 {
		return fmt.Errorf("%s's %s CRD refuses it: %s", owner, c.Kind, strings.Join(p, "; "))
	}
	return nil
}
