package generator

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
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

// GCTuner is the garbage collector's settings for one build process; see
// TuneGC. It holds the largest live heap seen so far, so that nothing of it
// is package state.
type GCTuner struct {
	mu sync.Mutex
	// ceiling is the highest soft limit the tuner sets (bytes; 0 is none).
	ceiling uint64
	// adapt says that the tuner sets the soft limit (GOMEMLIMIT is not set).
	adapt  bool
	sample []metrics.Sample
	// peak is the largest live heap a collection has found.
	peak uint64
}

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
// The CLI calls it once at start; a program that embeds the library keeps
// its own settings unless it calls it too. The tuner it returns lives as
// long as the process collects garbage.
func TuneGC(ceiling uint64) *GCTuner {
	t := &GCTuner{ceiling: ceiling, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		t.adapt = true
		t.setLimit()
		t.arm()
	}
	return t
}

// gcLimit is the soft limit for a largest live heap of live bytes under
// ceiling (0 is none).
func gcLimit(live, ceiling uint64) int64 {
	limit := max(uint64(memoryLimit), uint64(float64(live)*headroom))
	if ceiling > 0 {
		limit = min(limit, ceiling)
	}
	return int64(min(limit, math.MaxInt64))
}

// setLimit sets the soft limit for the largest live heap so far.
func (t *GCTuner) setLimit() {
	t.mu.Lock()
	defer t.mu.Unlock()
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		t.peak = max(t.peak, t.sample[0].Value.Uint64())
	}
	debug.SetMemoryLimit(gcLimit(t.peak, t.ceiling))
}

// gcSentinel is an object whose finalizer runs after each collection
// (runtime.SetFinalizer runs it once the object is found unreachable, and
// it arms a new one).
type gcSentinel struct{ _ [32]byte }

// arm sets the soft limit after the next collection, and again after each
// one that follows.
func (t *GCTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		t.setLimit()
		t.arm()
	})
}
