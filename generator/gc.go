package generator

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// GC settings for a build; see TuneGC.
const (
	gcPercent = 400
	// memoryLimit is the soft memory limit while the live heap is small.
	memoryLimit = 900 << 20
	// headroom is the soft limit's ratio to the largest live heap of the
	// process once that has outgrown memoryLimit/headroom.
	headroom = 1.5
)

var (
	gcOnce sync.Once
	// gcCeiling is the highest soft limit TuneGC sets (bytes; 0 is none).
	gcCeiling atomic.Uint64
)

// TuneGC sets the garbage collector for a short-lived build process. A
// build of the default model allocates about 90 MB and keeps little of it:
// collecting when the heap has grown by 4× its live size instead of 2×
// takes a fifth off the build (docs/PERFORMANCE.md). A soft memory limit of
// 900 MiB makes the collector run often again once the heap nears it, so
// that 1,000 services × 4 environments, which keep about 600 MB live, peak
// near the limit instead of growing to five times that.
//
// A fixed limit below the live heap makes the collector run without end
// (it took over half the CPU of 2,000 services, and 5,000 services cost 20
// times 1,000): after each collection the limit is raised to 1.5× the
// largest live heap seen so far when that is more. The limit then scales
// with the model as 900 MiB does with 1,000 services (the largest live heap
// stands for the model's size; the current one, lower between instances,
// would make the collector run as often as GOGC 50), and it never exceeds
// ceiling (bytes; 0 is no ceiling), which the CLI derives from
// --max-memory. GOGC and GOMEMLIMIT, when set in the environment, win.
//
// The CLI calls it at start; a program that embeds the library keeps its
// own settings unless it calls it too. Calling it again only changes the
// ceiling.
func TuneGC(ceiling uint64) {
	gcCeiling.Store(ceiling)
	gcOnce.Do(func() {
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(gcPercent)
		}
		if os.Getenv("GOMEMLIMIT") == "" {
			adaptGC.Store(true)
			armGCHook()
		}
	})
	if adaptGC.Load() {
		setGCLimit()
	}
}

// adaptGC says that TuneGC sets the soft limit (GOMEMLIMIT is not set).
var adaptGC atomic.Bool

// gcLimit is the soft limit for a largest live heap of live bytes under
// ceiling (0 is none).
func gcLimit(live, ceiling uint64) int64 {
	limit := max(uint64(memoryLimit), uint64(float64(live)*headroom))
	if ceiling > 0 {
		limit = min(limit, ceiling)
	}
	return int64(min(limit, math.MaxInt64))
}

var (
	liveMu     sync.Mutex
	liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	// livePeak is the largest live heap a collection has found.
	livePeak uint64
)

// setGCLimit sets the soft limit for the largest live heap so far.
func setGCLimit() {
	liveMu.Lock()
	defer liveMu.Unlock()
	metrics.Read(liveSample)
	if liveSample[0].Value.Kind() == metrics.KindUint64 {
		livePeak = max(livePeak, liveSample[0].Value.Uint64())
	}
	debug.SetMemoryLimit(gcLimit(livePeak, gcCeiling.Load()))
}

// gcSentinel is an object whose finalizer runs after each collection
// (runtime.SetFinalizer runs it once the object is found unreachable, and
// it arms a new one).
type gcSentinel struct{ _ [32]byte }

// armGCHook sets the soft limit after the next collection, and again
// after each one that follows.
func armGCHook() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		setGCLimit()
		armGCHook()
	})
}
