package explain

import (
	"encoding/json"
	"testing"

	"github.com/degen-dev/degen/generator/model"
)

// TestPatchPath maps fields of a patched object to the patch that sets
// them: a strategic field, a field below one the patch sets whole, a
// container selected by name, a JSON operation's target or a child of
// it; fields no patch sets, and other objects, are not mapped.
func TestPatchPath(t *testing.T) {
	var env model.Environment
	if err := json.Unmarshal([]byte(`{"kubernetes": {"patches": {
		"a-place": {"target": {"kind": "Deployment", "name": "web"}, "strategic": {"spec": {"template": {"spec": {
			"priorityClassName": "high",
			"affinity": {"nodeAffinity": {}},
			"containers": [{"name": "side"}, {"name": "web", "image": "web:2"}]
		}}}}},
		"b-json": {"target": {"kind": "Deployment", "name": "web"}, "json": [
			{"op": "test", "path": "/spec/replicas", "value": 2},
			{"op": "add", "path": "/spec/template/spec/containers/1/args", "value": ["-v"]}
		]}
	}}}`), &env); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{
		"Deployment/web.spec.template.spec.priorityClassName":              `kubernetes.patches."a-place".strategic.spec.template.spec.priorityClassName`,
		"Deployment/web.spec.template.spec.affinity.nodeAffinity":          `kubernetes.patches."a-place".strategic.spec.template.spec.affinity.nodeAffinity`,
		"Deployment/web.spec.template.spec.containers[name=web].image":     `kubernetes.patches."a-place".strategic.spec.template.spec.containers[1].image`,
		"Deployment/web.spec.template.spec.containers[name=web].args":      `kubernetes.patches."b-json".json[1]`,
		"Deployment/web.spec.template.spec.priorityClassName.x":            `kubernetes.patches."a-place".strategic.spec.template.spec.priorityClassName`,
		"Deployment/web.spec.replicas":                                     "",
		"Deployment/web.spec.template.spec.containers[name=web].resources": "",
		"Deployment/api.spec.template.spec.priorityClassName":              "",
		"services.web.replicas":                                            "",
	} {
		got, ok := PatchPath(&env, field)
		if ok != (want != "") || got != want {
			t.Errorf("PatchPath(%s) = %q, %v; want %q", field, got, ok, want)
		}
	}
}
