// Package suggest is the one home of degen's "did you mean": the names
// nearest to a misspelt one.
package suggest

import (
	"strings"

	"github.com/agext/levenshtein"
)

// Closest returns the indices of the names nearest to want by edit
// distance (ignoring case), when they are near enough to be a typo: at
// most a third of the longer name's length, and at least 2 (a swap of two
// letters), apart; at most
// three, in the order of names.
func Closest(want string, names []string) []int {
	best := -1
	var out []int
	for i, l := range names {
		d := levenshtein.Distance(strings.ToLower(want), strings.ToLower(l), nil)
		if d > max(2, max(len(want), len(l))/3) {
			continue
		}
		switch {
		case best < 0 || d < best:
			best, out = d, []int{i}
		case d == best && len(out) < 3:
			out = append(out, i)
		}
	}
	return out
}
