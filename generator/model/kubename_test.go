package model

import "testing"

// TestKubeName pins the documented derivation (docs/TARGETS.md "Names"),
// with each result checked by hand against the DNS-1123 label rule.
func TestKubeName(t *testing.T) {
	for in, want := range map[string]string{
		"db-data":   "db-data",
		"db_data":   "db-data",
		"Front.Net": "front-net",
		"_x_":       "x",
		"a..b":      "a--b",
		"x1.2_y":    "x1-2-y",
		"0abc":      "0abc",
		"A":         "a",
	} {
		if got := KubeName(in); got != want {
			t.Errorf("KubeName(%q) = %q, want %q", in, got, want)
		}
	}
	long := ""
	for i := 0; i < 70; i++ {
		long += "a"
	}
	if got := KubeName(long[:62] + "_b"); got != long[:62] {
		t.Errorf("a 64-character name is cut to 63 without a trailing -: %q", got)
	}
}
