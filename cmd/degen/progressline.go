package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/textesc"
)

// How the progress line of build, check and vet behaves. Tests change
// them (no test waits on a clock).
var (
	// progressDelay is how long a command runs before its progress shows:
	// a quick build prints nothing but its summary.
	progressDelay = time.Second
	// progressEvery is how often the line is redrawn at most, and how
	// often a ticker redraws it when nothing else happens (its seconds
	// go on); 0 starts no ticker.
	progressEvery = 200 * time.Millisecond
	// progressNow is the clock.
	progressNow = time.Now
	// stderrTerminal reports whether stderr is a terminal: the only place
	// a line that rewrites itself is welcome (never a pipe or a CI log).
	stderrTerminal = isTerminal
	// terminalWidth is the width of the terminal w, 0 when unknown.
	terminalWidth = func(w io.Writer) int {
		if f, ok := unwrap(w).(*os.File); ok {
			if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
				return cols
			}
		}
		return 0
	}
)

// progressLine shows, on one line of stderr that rewrites itself, what a
// long build, check or vet has done so far: environments evaluated,
// targets run and (build) files written. It shows after progressDelay, only
// when stderr is a terminal and the command was not given --quiet. Every
// other write to the command's stdout or stderr goes through wrap, which
// clears the line first, so that a warning or the summary is never mixed
// with it; end clears it for good.
type progressLine struct {
	w io.Writer // the real stderr

	mu     sync.Mutex
	active bool
	shown  bool // the line is on the terminal
	what   string
	files  bool // count files written (build)
	start  time.Time
	drawn  time.Time
	stop   chan struct{}

	envs, targets, written atomic.Int64
}

// registerQuiet adds --quiet to a command that shows a progress line.
func registerQuiet(cmd *cobra.Command) {
	cmd.Flags().Bool("quiet", false, "show no progress line (on a terminal, a command that runs over a second shows what it has done so far on stderr)")
}

func newProgressLine(stderr io.Writer) *progressLine {
	return &progressLine{w: stderr}
}

// begin starts the line for the command cmd ("build"), unless stderr is
// no terminal.
func (p *progressLine) begin(cmd string) {
	if p == nil || !stderrTerminal(p.w) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active, p.what, p.files, p.start = true, "degen "+cmd, cmd == "build", progressNow()
	if progressEvery > 0 {
		p.stop = make(chan struct{})
		go p.tick(p.stop)
	}
}

func (p *progressLine) tick(stop <-chan struct{}) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.update()
		}
	}
}

// step counts a step of generator.Build (Options.Progress).
func (p *progressLine) step(s generator.Step) {
	switch s {
	case generator.StepEnvironment:
		p.envs.Add(1)
	case generator.StepTarget:
		p.targets.Add(1)
	}
	p.update()
}

// fileWritten counts a file the writer staged (writer.Plan.Progress).
func (p *progressLine) fileWritten() {
	p.written.Add(1)
	p.update()
}

// steps is what generator.Options.Progress is given: nil when there is
// no line to feed.
func (p *progressLine) steps() func(generator.Step) {
	if p == nil {
		return nil
	}
	return p.step
}

// filesWritten is what writer.Plan.Progress is given: nil when there is no line.
func (p *progressLine) filesWritten() func() {
	if p == nil {
		return nil
	}
	return p.fileWritten
}

// update redraws the line, once the command has run progressDelay, at
// most every progressEvery.
func (p *progressLine) update() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	now := progressNow()
	if now.Sub(p.start) < progressDelay || p.shown && now.Sub(p.drawn) < progressEvery {
		return
	}
	text := fmt.Sprintf("%s: %d environments evaluated, %d targets run", p.what, p.envs.Load(), p.targets.Load())
	if p.files {
		text += fmt.Sprintf(", %d files written", p.written.Load())
	}
	text += fmt.Sprintf(" (%ds)", int(now.Sub(p.start).Seconds()))
	line := textesc.Line(text)
	if cols := terminalWidth(p.w); cols > 1 {
		// A line that wraps could not be rewritten in place.
		line = textesc.Truncate(line, cols-2)
	}
	// \r to the start of the line, the text, then erase what a longer
	// line left behind.
	fmt.Fprint(p.w, "\r"+line+"\033[K")
	p.shown, p.drawn = true, now
}

// clear erases the line, when it is shown; p.mu is held.
func (p *progressLine) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// end clears the line for good: the command is done.
func (p *progressLine) end() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	p.clear()
	p.active = false
}

// wrap returns w, writing through which first clears the line.
func (p *progressLine) wrap(w io.Writer) io.Writer {
	return &progressWriter{p: p, w: w}
}

// progressWriter is a stdout or stderr of the command, beside the line.
type progressWriter struct {
	p *progressLine
	w io.Writer
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	pw.p.mu.Lock()
	defer pw.p.mu.Unlock()
	pw.p.clear()
	return pw.w.Write(b)
}

// Unwrap is the writer written to (isTerminal looks through it).
func (pw *progressWriter) Unwrap() io.Writer { return pw.w }
