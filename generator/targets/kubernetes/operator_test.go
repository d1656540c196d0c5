package kubernetes

import "testing"

// TestNamespaceNotPruned: Flux and Argo CD prune what leaves Git; the
// Namespace must never be pruned, since deleting it deletes every
// PersistentVolumeClaim in it.
func TestNamespaceNotPruned(t *testing.T) {
	r := theDefault(t)
	for _, env := range kubeEnvs(r.model) {
		id := "v1/Namespace/" + r.model.Envs[env].Namespace + "@"
		ns, ok := r.built[env][id]
		if !ok {
			t.Fatalf("%s: no %s in the build", env, id)
		}
		md, _ := ns["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		for k, want := range map[string]string{
			"kustomize.toolkit.fluxcd.io/prune": "disabled",
			"argocd.argoproj.io/sync-options":   "Prune=false",
		} {
			if ann[k] != want {
				t.Errorf("%s: Namespace annotation %s = %v, want %q", env, k, ann[k], want)
			}
		}
	}
}
