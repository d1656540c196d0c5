package generator

import (
	"os"
	"runtime/debug"
)

// GC settings for a build; see TuneGC.
const (
	gcPercent   = 400
	memoryLimit = 900 << 20
)

// TuneGC sets the garbage collector for a short-lived build process. A
// build of the default model allocates about 90 MB and keeps little of it:
// collecting when the heap has grown by 4× its live size instead of 2×
// takes a fifth off the build (docs/PERFORMANCE.md). A soft memory limit of
// 900 MiB makes the collector run often again once the heap nears it, so
// that the process stays under about 1 GiB: 1,000 services × 4
// environments keep about 600 MB live, and their peak stays near the limit
// instead of growing to five times that. A model that keeps more
// than the limit live is slower (the collector then takes up to half the
// CPU): set GOMEMLIMIT higher for it. GOGC and GOMEMLIMIT, when set in the
// environment, win.
//
// The CLI calls it at start; a program that embeds the library keeps its
// own settings unless it calls it too.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
