// Command synth writes a synthetic model of N services × 4 environments
// (package synth) into DIR, for scripts/bench-vs-cue.sh and by hand:
//
//	go run ./generator/internal/synth/cmd/synth DIR N
//
// Run it from the repository root: the model reuses its cue.mod and
// policies/.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/degen-dev/degen/generator/internal/synth"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: synth DIR N (run from the repository root)")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "synth: N must be a number of services above zero, not %q\n", os.Args[2])
		os.Exit(2)
	}
	if err := synth.Write(os.Args[1], ".", n); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}
