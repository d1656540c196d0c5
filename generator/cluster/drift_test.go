package cluster

import (
	"reflect"
	"testing"
)

// A live object is compared without what only the server writes, and
// without kubectl's copy of the object (a Secret's values among them).
func TestComparable(t *testing.T) {
	live := map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{
			"name": "db", "namespace": "shop", "uid": "u", "resourceVersion": "7", "generation": int64(2),
			"creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": []any{map[string]any{"manager": "kubectl"}},
			"labels": map[string]any{"app.kubernetes.io/managed-by": "degen"},
			"annotations": map[string]any{
				"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"password":"c2VjcmV0"}}`,
				"team": "core",
			},
		},
		"data":   map[string]any{"password": "c2VjcmV0"},
		"status": map[string]any{"phase": "x"},
	}
	want := map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{
			"name": "db", "namespace": "shop",
			"labels":      map[string]any{"app.kubernetes.io/managed-by": "degen"},
			"annotations": map[string]any{"team": "core"},
		},
		"data": map[string]any{"password": "c2VjcmV0"},
	}
	if got := comparable(live); !reflect.DeepEqual(got, want) {
		t.Errorf("comparable:\n got %v\nwant %v", got, want)
	}
	// An object whose only annotation is kubectl's has none left.
	only := map[string]any{"metadata": map[string]any{"name": "a", "annotations": map[string]any{"kubectl.kubernetes.io/last-applied-configuration": "{}"}}}
	if got := comparable(only); !reflect.DeepEqual(got, map[string]any{"metadata": map[string]any{"name": "a"}}) {
		t.Errorf("only kubectl's annotation: %v", got)
	}
}

func TestSelector(t *testing.T) {
	got, err := selector(map[string]bool{"shop": true, "blog": true})
	if err != nil {
		t.Fatal(err)
	}
	if want := "app.kubernetes.io/managed-by=degen,app.kubernetes.io/part-of in (blog,shop)"; got != want {
		t.Errorf("selector %q, want %q", got, want)
	}
	if _, err := selector(map[string]bool{"not a label value!": true}); err == nil {
		t.Error("a project that is no label value is accepted")
	}
}
