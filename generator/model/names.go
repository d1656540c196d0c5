package model

import (
	"strings"
)

// KubeName is the Kubernetes name of a volume or network named as Compose
// allows ("db_data", "Front.Net"): lower case, each character other than
// a-z, 0-9 and "-" replaced by "-", leading and trailing "-" dropped, at
// most 63 characters ("db-data", "front-net"). A DNS-1123 label is its own
// KubeName.
func KubeName(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "-")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

// IsDNSLabel reports whether s is a DNS-1123 label, the schema's #Name: 1
// to 63 characters of a-z, 0-9 and "-", starting and ending with a letter
// or digit ("web", "db-data"). It is the one home of the rule in Go.
func IsDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
