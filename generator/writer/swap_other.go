//go:build !linux

package writer

func swap(staging, out string) error { return swapTwoRenames(staging, out) }

// syncStaging makes the staging tree durable before it is swapped in.
func syncStaging(staging string, written []string) error { return syncFiles(staging, written) }
