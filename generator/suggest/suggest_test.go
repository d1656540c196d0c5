package suggest

import (
	"slices"
	"testing"
)

func TestClosest(t *testing.T) {
	names := []string{"replicas", "restart", "resources", "environments"}
	for want, idx := range map[string][]int{
		"replica":     {0},
		"enviroments": {3},
		"Restart":     {1},
		"image":       nil,
	} {
		if got := Closest(want, names); !slices.Equal(got, idx) {
			t.Errorf("Closest(%q) = %v, want %v", want, got, idx)
		}
	}
}
