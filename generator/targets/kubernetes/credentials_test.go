package kubernetes

import (
	"slices"
	"testing"
)

// TestMinIORootCredentialsStayWithMinIO: in every Kubernetes environment of
// the default model, only MinIO itself and its init job (which creates the
// applications' users) read the MinIO root password; graphql-api and the
// Iceberg catalog read secrets of their own.
func TestMinIORootCredentialsStayWithMinIO(t *testing.T) {
	r := theDefault(t)
	const root = "minio-root-password"
	for _, env := range kubeEnvs(r.model) {
		readers := map[string][]string{}
		for _, obj := range r.built[env] {
			tmpl := podTemplate(t, obj)
			if tmpl == nil {
				continue
			}
			name := obj["metadata"].(map[string]any)["name"].(string)
			for _, c := range slices.Concat(tmpl.Spec.InitContainers, tmpl.Spec.Containers) {
				for _, e := range c.Env {
					if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
						readers[e.ValueFrom.SecretKeyRef.Name] = append(readers[e.ValueFrom.SecretKeyRef.Name], name)
					}
				}
			}
		}
		got := slices.Sorted(slices.Values(readers[root]))
		if want := []string{"minio", "minio-init"}; !slices.Equal(got, want) {
			t.Errorf("%s: %s is read by %v, want only %v", env, root, got, want)
		}
		for _, c := range []struct{ svc, secret string }{{"graphql-api", "graphql-api-s3-secret-key"}, {"iceberg-rest-catalog", "iceberg-s3-secret-key"}} {
			if !slices.Contains(readers[c.secret], c.svc) || !slices.Contains(readers[c.secret], "minio-init") {
				t.Errorf("%s: %s is read by %v, want %s and minio-init (which creates its user)", env, c.secret, readers[c.secret], c.svc)
			}
		}
	}
}
