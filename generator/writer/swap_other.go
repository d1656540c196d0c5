//go:build !linux

package writer

func swap(staging, out string) error { return swapTwoRenames(staging, out) }
