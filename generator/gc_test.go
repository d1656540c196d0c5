package generator

import "testing"

func TestGCLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, ceiling uint64
		want          int64
	}{
		{0, 0, memoryLimit},                  // a small model: the fixed limit
		{500 * mib, 0, memoryLimit},          // 1.5× is still under it
		{1000 * mib, 0, 1500 * mib},          // outgrown: 1.5× the live heap
		{4000 * mib, 3000 * mib, 3000 * mib}, // never above the ceiling
		{0, 512 * mib, 512 * mib},            // a small --max-memory lowers it
	} {
		if got := gcLimit(tc.live, tc.ceiling); got != tc.want {
			t.Errorf("gcLimit(%d MiB, %d MiB) = %d MiB, want %d MiB", tc.live/mib, tc.ceiling/mib, got/mib, tc.want/mib)
		}
	}
}
