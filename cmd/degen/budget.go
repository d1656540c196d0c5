package main

import (
	"fmt"
	"io"
	"runtime/metrics"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Defaults of the budget every command runs under. A CUE model is a
// program: a comprehension or a recursion written by a pull request can run
// or allocate without end, and CUE's evaluation cannot be interrupted. The
// defaults are far above what a real model needs (the default model builds
// in under a second in under 200 MiB; 1,000 services × 4 environments in
// under 20 s and 1 GiB; docs/PERFORMANCE.md).
const (
	defaultTimeout   = 10 * time.Minute
	defaultMaxMemory = "8Gi"
	// budgetTick is how often the memory in use is read.
	budgetTick = 50 * time.Millisecond
)

// budget stops the process when a command runs longer than timeout or its
// Go heap grows past maxMemory, with a message that says which limit and
// how to raise it. Stopping the process is safe at any moment: the writer
// swaps out/ in one atomic rename (TestKillDuringBuild), so out/ is the old
// tree or the new one, never a mix, and the build cache is written by
// rename too.
type budget struct {
	timeout   time.Duration
	maxMemory string
	// exit ends the process (os.Exit in the CLI).
	exit func(int)
}

// limit parses --max-memory: a Kubernetes quantity (8Gi, 512Mi) or bytes.
func (b *budget) limit() (uint64, error) {
	q, err := resource.ParseQuantity(b.maxMemory)
	if err != nil || q.Sign() <= 0 {
		return 0, usageErr("--max-memory %q is not a size: give one like 8Gi or 512Mi", b.maxMemory)
	}
	return uint64(q.Value()), nil
}

// start watches the command until the returned stop is called. what names
// the work (the command and its environments) for the message.
func (b *budget) start(stderr io.Writer, what string) (stop func(), err error) {
	if b.timeout <= 0 {
		return nil, usageErr("--timeout %s is not a duration above zero: give one like 10m", b.timeout)
	}
	max, err := b.limit()
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go b.watch(done, stderr, what, max)
	return func() { close(done) }, nil
}

func (b *budget) watch(done <-chan struct{}, stderr io.Writer, what string, max uint64) {
	deadline := time.NewTimer(b.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(budgetTick)
	defer tick.Stop()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		select {
		case <-done:
			return
		case <-deadline.C:
			fmt.Fprintf(stderr, "degen: %s did not finish within %s (--timeout): stopped, out/ unchanged. A comprehension or recursion of the model that does not end keeps CUE evaluating: look at what changed in the model; a model that needs longer can raise --timeout\n", what, b.timeout)
			b.exit(exitFailure)
			return
		case <-tick.C:
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > max {
				fmt.Fprintf(stderr, "degen: %s used more than %s of memory (--max-memory): stopped, out/ unchanged. A comprehension of the model that builds an unbounded list or struct makes CUE allocate without end: look at what changed in the model; a model that needs more can raise --max-memory\n", what, b.maxMemory)
				b.exit(exitFailure)
				return
			}
		}
	}
}

// describe names the work of a command for the budget's message.
func describe(cmd string, envs []string) string {
	if len(envs) == 0 {
		return "degen " + cmd
	}
	return fmt.Sprintf("degen %s of %s", cmd, strings.Join(envs, ", "))
}
