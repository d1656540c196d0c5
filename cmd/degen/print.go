package main

import (
	"fmt"
	"io"

	"github.com/degen-dev/degen/generator/diag"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/target"
)

// printDiags is degen's one printer of problems: each diagnostic once,
// the same problem found in several environments one line naming them all
// (diag.Merge), errors first, escaped (diag.Text).
func printDiags(w io.Writer, ds []diag.Diagnostic) {
	for _, d := range diag.Merge(ds) {
		fmt.Fprintln(w, d.Text())
	}
}

// printError prints a command's error: its diagnostics (a model's
// problems: load.Diagnostics) with printDiags, any other error as its text
// (load.Format).
func printError(w io.Writer, err error, root string) {
	if ds := load.Diagnostics(err, root); ds != nil {
		printDiags(w, ds)
		return
	}
	fmt.Fprint(w, load.Format(err, root))
}

// warningDiags are the targets' warnings as diagnostics, for printDiags.
func warningDiags(ws []target.Warning) []diag.Diagnostic {
	ds := make([]diag.Diagnostic, len(ws))
	for i, w := range ws {
		ds[i] = w.Diagnostic()
	}
	return ds
}
