package kubernetes

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/degen-dev/degen/generator/load"
)

// patchModel is a prod delta with a strategic patch of one Deployment, a
// JSON patch of its Service and an extra PriorityClass, and a base patch
// of every environment's feature-flags ConfigMap.
const patchModel = `package envs

#Base: kubernetes: patches: "flags-owner": {
	target: {kind: "ConfigMap", name: "feature-flags"}
	json: [{op: "add", path: "/metadata/annotations", value: {"example.com/owner": "platform"}}]
}

environments: prod: kubernetes: {
	patches: "api-placement": {
		target: {kind: "Deployment", name: "graphql-api"}
		strategic: spec: template: spec: {
			priorityClassName: "degen-critical"
			tolerations: [{key: "dedicated", operator: "Equal", value: "api", effect: "NoSchedule"}]
			affinity: nodeAffinity: requiredDuringSchedulingIgnoredDuringExecution: nodeSelectorTerms: [{
				matchExpressions: [{key: "pool", operator: "In", values: ["api"]}]
			}]
		}
	}
	patches: "api-tier": {
		target: {kind: "Service", name: "graphql-api", group: ""}
		json: [
			{op: "add", path: "/metadata/annotations", value: {"example.com/tier": "edge"}},
			{op: "test", path: "/kind", value: "Service"},
		]
	}
	objects: critical: {
		apiVersion: "scheduling.k8s.io/v1"
		kind:       "PriorityClass"
		metadata: name: "degen-critical"
		value:       1000000
		description: "the API's pods"
	}
}
`

// TestPatchChangesOnlyItsObject builds every overlay with and without the
// patches: prod differs in exactly the patched Deployment and Service (at
// the patched fields) and the extra PriorityClass; the base patch changes
// the feature-flags ConfigMap of every environment and nothing else.
func TestPatchChangesOnlyItsObject(t *testing.T) {
	t.Parallel()
	plain := loadModel(t, tempModel(t, nil))
	patched := loadModel(t, tempModel(t, map[string]string{"envs/zz_patch.cue": patchModel}))
	for _, env := range kubeEnvs(patched) {
		t.Run(env, func(t *testing.T) {
			before := krustyBuild(t, writeFS(t, generate(t, plain, env).Files), "/out/kubernetes/overlays/"+env)
			after := krustyBuild(t, writeFS(t, generate(t, patched, env).Files), "/out/kubernetes/overlays/"+env)
			ns := patched.Envs[env].Namespace
			changed := map[string]bool{}
			for id, o := range after {
				if !reflect.DeepEqual(before[id], o) {
					changed[id] = true
				}
			}
			for id := range before {
				if _, ok := after[id]; !ok {
					changed[id] = true
				}
			}
			want := map[string]bool{"v1/ConfigMap/feature-flags@" + ns: true}
			if env == "prod" {
				want["apps/v1/Deployment/graphql-api@"+ns] = true
				want["v1/Service/graphql-api@"+ns] = true
				want["scheduling.k8s.io/v1/PriorityClass/degen-critical@"] = true
			}
			if diff := cmp.Diff(want, changed); diff != "" {
				t.Fatalf("objects the patches changed (-want +got):\n%s", diff)
			}
			flags := after["v1/ConfigMap/feature-flags@"+ns]["metadata"].(map[string]any)["annotations"]
			if diff := cmp.Diff(map[string]any{"example.com/owner": "platform"}, flags); diff != "" {
				t.Errorf("feature-flags annotations (-want +got):\n%s", diff)
			}
			if env != "prod" {
				return
			}
			// The Deployment differs exactly at the three patched fields.
			d0, d1 := before["apps/v1/Deployment/graphql-api@"+ns], after["apps/v1/Deployment/graphql-api@"+ns]
			var ops []op
			diff(d0, d1, "", &ops)
			var paths []string
			for _, o := range ops {
				paths = append(paths, o.Op+" "+o.Path)
			}
			wantPaths := []string{
				"add /spec/template/spec/affinity",
				"add /spec/template/spec/priorityClassName",
				"add /spec/template/spec/tolerations",
			}
			if diff := cmp.Diff(wantPaths, paths); diff != "" {
				t.Errorf("Deployment/graphql-api changes (-want +got):\n%s", diff)
			}
			tol := d1["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["tolerations"]
			if diff := cmp.Diff([]any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "api", "effect": "NoSchedule"}}, tol); diff != "" {
				t.Errorf("tolerations (-want +got):\n%s", diff)
			}
			ann := after["v1/Service/graphql-api@"+ns]["metadata"].(map[string]any)["annotations"]
			if diff := cmp.Diff(map[string]any{"example.com/tier": "edge"}, ann); diff != "" {
				t.Errorf("Service annotations (-want +got):\n%s", diff)
			}
			if pc := after["scheduling.k8s.io/v1/PriorityClass/degen-critical@"]; pc["value"] != float64(1000000) && pc["value"] != 1000000 {
				t.Errorf("PriorityClass value = %v (%T)", pc["value"], pc["value"])
			}
		})
	}
	// The overlay invariant holds with patches: each overlay builds to the
	// objects the model resolves.
	r, err := newRun(t, patched)
	if err != nil {
		t.Fatal(load.Format(err, patched.Root))
	}
	for _, env := range kubeEnvs(patched) {
		want := expected(t, patched.Envs[env])
		// kustomize leaves a cluster-scoped kind it knows without a
		// namespace.
		for id, o := range want {
			if strings.Contains(id, "/PriorityClass/") {
				delete(want, id)
				delete(o["metadata"].(map[string]any), "namespace")
				want[idOf(t, o)] = o
			}
		}
		if diff := cmp.Diff(want, r.built[env]); diff != "" {
			t.Errorf("%s: kustomize build differs from the model (-model +kustomize):\n%s", env, diff)
		}
	}
}

// TestPatchBadInput expects each bad patch or extra object to fail at its
// own line, saying what is wrong.
func TestPatchBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		cue  string
		want []string
		line string
	}{
		"unknown target": {
			cue: `environments: prod: kubernetes: patches: p: {
	target: {kind: "Deployment", name: "graphql-apy"}
	strategic: spec: replicas: 2
}`,
			want: []string{"Deployment/graphql-apy names no object degen generates", "the closest are Deployment/graphql-api"},
			line: ":4:",
		},
		"invalid object": {
			cue: `environments: prod: kubernetes: patches: p: {
	target: {kind: "Deployment", name: "graphql-api"}
	strategic: spec: template: spec: priorityClass: "high"
}`,
			want: []string{"Deployment/graphql-api an object Kubernetes refuses", `unknown field "spec.template.spec.priorityClass"`},
			line: ":5:",
		},
		"wrong type": {
			cue: `environments: prod: kubernetes: patches: p: {
	target: {kind: "Deployment", name: "graphql-api"}
	json: [{op: "add", path: "/spec/replicas", value: "three"}]
}`,
			want: []string{"an object Kubernetes refuses", "replicas"},
			line: ":5:",
		},
		"failing json op": {
			cue: `environments: prod: kubernetes: patches: p: {
	target: {kind: "Service", name: "graphql-api"}
	json: [
		{op: "add", path: "/metadata/labels/tier", value: "edge"},
		{op: "remove", path: "/spec/nothere"},
	]
}`,
			want: []string{"operation 1 (remove /spec/nothere) of the JSON patch of Service/graphql-api fails"},
			line: ":7:",
		},
		"both kinds of patch": {
			cue: `environments: prod: kubernetes: patches: p: {
	target: {kind: "Service", name: "graphql-api"}
	strategic: metadata: labels: tier: "edge"
	json: [{op: "add", path: "/metadata/labels/tier", value: "edge"}]
}`,
			want: []string{"exactly one of strategic"},
			line: ":3:",
		},
		"renaming patch": {
			cue: `environments: prod: kubernetes: patches: p: {
	target: {kind: "Service", name: "graphql-api"}
	json: [{op: "replace", path: "/metadata/name", value: "api"}]
}`,
			want: []string{"may not change apiVersion, kind or metadata.name"},
			line: ":5:",
		},
		"extra object without a name": {
			cue: `environments: prod: kubernetes: objects: o: {
	apiVersion: "scheduling.k8s.io/v1"
	kind:       "PriorityClass"
	value:      10
}`,
			want: []string{"kubernetes.objects.o needs apiVersion, kind and metadata.name"},
			line: ":3:",
		},
		"extra object strict decoding refuses": {
			cue: `environments: prod: kubernetes: objects: o: {
	apiVersion: "scheduling.k8s.io/v1"
	kind:       "PriorityClass"
	metadata: name: "high"
	valu: 10
}`,
			want: []string{"PriorityClass/high is not an object Kubernetes accepts", `unknown field "valu"`},
			line: ":3:",
		},
		"extra object colliding with a generated one": {
			cue: `environments: prod: kubernetes: objects: o: {
	apiVersion: "v1"
	kind:       "ConfigMap"
	metadata: name: "feature-flags"
}`,
			want: []string{"ConfigMap/feature-flags is an object degen generates: patch it"},
			line: ":3:",
		},
		"patch of an extra object": {
			cue: `environments: prod: kubernetes: {
	objects: mine: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "mine"}
	patches: p: {
		target: {kind: "ConfigMap", name: "mine"}
		strategic: data: a: "b"
	}
}`,
			want: []string{"is the model's own object kubernetes.objects.mine"},
			line: ":6:",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := tempModel(t, map[string]string{"envs/zz_bad.cue": "package envs\n\n" + tc.cue + "\n"})
			err := buildModel(dir, "prod")
			if err == nil {
				t.Fatal("the bad model built without error")
			}
			msg := load.Format(err, dir)
			first, _, _ := strings.Cut(msg, "\n")
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
			if !strings.HasPrefix(first, "./envs/zz_bad.cue"+tc.line) {
				t.Errorf("first line does not start at ./envs/zz_bad.cue%s:\n%s", tc.line, msg)
			}
		})
	}
}

// TestPatchPodSecurity refuses a patch that makes a pod break the level
// its namespace enforces, at the patch's line, with the checker's reason.
func TestPatchPodSecurity(t *testing.T) {
	t.Parallel()
	dir := tempModel(t, map[string]string{"envs/zz_bad.cue": `package envs

environments: prod: services: "node-exporter": enabled: false
environments: prod: kubernetes: patches: p: {
	target: {kind: "Deployment", name: "graphql-api"}
	strategic: spec: template: spec: hostNetwork: true
}
`})
	prod := filepath.Join(dir, "envs", "prod.cue")
	data, err := os.ReadFile(prod)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `kubernetes: podSecurity: "privileged"`, `kubernetes: podSecurity: "baseline"`, 1)
	if edited == string(data) {
		t.Fatal("envs/prod.cue no longer sets podSecurity privileged: update the test")
	}
	if err := os.WriteFile(prod, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	err = buildModel(dir, "prod")
	if err == nil {
		t.Fatal("a patch adding hostNetwork built in a baseline namespace")
	}
	msg := load.Format(err, dir)
	if !strings.HasPrefix(msg, "./envs/zz_bad.cue:6:") || !strings.Contains(msg, `break Pod Security level "baseline"`) || !strings.Contains(msg, "hostNetwork=true") {
		t.Errorf("error is not at the patch or does not give the checker's reason:\n%s", msg)
	}
}
