package writer

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swap puts the staging tree in place of out in one step. With RENAME_EXCHANGE
// the two directories trade places atomically: there is no moment without
// out/. The old tree is left at staging for the caller to delete.
func swap(staging, out string) error {
	if _, err := os.Stat(out); errors.Is(err, os.ErrNotExist) {
		return os.Rename(staging, out)
	}
	err := unix.Renameat2(unix.AT_FDCWD, staging, unix.AT_FDCWD, out, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return swapTwoRenames(staging, out)
	}
	return err
}
