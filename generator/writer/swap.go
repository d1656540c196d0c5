package writer

import (
	"os"
	"path/filepath"
)

// swapTwoRenames is the fallback where directories cannot be exchanged: out
// is moved to .degen/previous, staging moved into place, and the previous
// tree moved to staging for deletion. A kill between the first two renames
// leaves no out/; the next run's recoverScratch moves .degen/previous back.
func swapTwoRenames(staging, out string) error {
	prev := filepath.Join(filepath.Dir(staging), "previous")
	if err := os.Rename(out, prev); err != nil {
		return err
	}
	if err := os.Rename(staging, out); err != nil {
		os.Rename(prev, out)
		return err
	}
	return os.Rename(prev, staging)
}
