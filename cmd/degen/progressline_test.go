package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeProgress makes the progress line draw at every step, at once, with
// no ticker, on a stderr that claims to be a terminal when terminal is set.
func fakeProgress(t *testing.T, terminal bool) {
	t.Helper()
	delay, every, now, term, width := progressDelay, progressEvery, progressNow, stderrTerminal, terminalWidth
	t.Cleanup(func() {
		progressDelay, progressEvery, progressNow, stderrTerminal, terminalWidth = delay, every, now, term, width
	})
	terminalWidth = func(io.Writer) int { return 0 }
	clock := time.Unix(0, 0)
	progressDelay, progressEvery = time.Second, 0
	progressNow = func() time.Time { clock = clock.Add(time.Second); return clock }
	stderrTerminal = func(io.Writer) bool { return terminal }
}

// progressModel is a copy of the repository's model.
func progressModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyModelTo(t, dir)
	return dir
}

var progressText = regexp.MustCompile(`\rdegen (build|check|vet): [0-9]+ environments evaluated, [0-9]+ targets run(, [0-9]+ files written)? \([0-9]+s\)\x1b\[K`)

func TestProgressLineOnTerminal(t *testing.T) {
	fakeProgress(t, true)
	dir := progressModel(t)
	// check runs after build, against the out/ it wrote.
	for _, args := range [][]string{{"build", "--no-cache"}, {"check"}, {"vet"}} {
		cmd := args[0]
		var stdout, stderr bytes.Buffer
		if code := run(append(args, "--dir", dir), &stdout, &stderr); code != 0 {
			t.Fatalf("degen %s: exit %d\n%s", cmd, code, stderr.String())
		}
		got := stderr.String()
		lines := progressText.FindAllStringSubmatch(got, -1)
		if len(lines) == 0 {
			t.Fatalf("degen %s on a terminal showed no progress line: %q", cmd, got)
		}
		last := lines[len(lines)-1]
		if cmd == "build" && last[2] == "" || cmd != "build" && last[2] != "" {
			t.Errorf("degen %s: files written shown %q, want them for build alone", cmd, last[2])
		}
		// The line is cleared before the command ends, and before anything
		// else is written to stderr.
		if !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("degen %s left its progress line on the terminal: %q", cmd, got[max(0, len(got)-120):])
		}
		if rest := progressText.ReplaceAllString(got, ""); strings.ContainsAny(strings.ReplaceAll(rest, "\r\x1b[K", ""), "\r\x1b") {
			t.Errorf("degen %s: stray control characters beside the progress line: %q", cmd, rest)
		}
	}
}

func TestProgressLineSilent(t *testing.T) {
	dir := progressModel(t)
	for _, tc := range []struct {
		name     string
		terminal bool
		args     []string
	}{
		{"quiet", true, []string{"build", "--no-cache", "--quiet", "--dir", dir}},
		{"quiet-vet", true, []string{"vet", "--quiet", "--dir", dir}},
		{"no-terminal", false, []string{"build", "--no-cache", "--dir", dir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeProgress(t, tc.terminal)
			os.RemoveAll(filepath.Join(dir, "out"))
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr.String())
			}
			if strings.ContainsAny(stderr.String(), "\r\x1b") {
				t.Errorf("%v: progress shown: %q", tc.args, stderr.String())
			}
		})
	}
}

// A line shown is cleared before anything else reaches the terminal.
func TestProgressLineClearsBeforeOutput(t *testing.T) {
	fakeProgress(t, true)
	var term bytes.Buffer
	p := newProgressLine(&term)
	out := p.wrap(&term)
	p.begin("build")
	p.fileWritten()
	io.WriteString(out, "warning\n")
	p.end()
	want := "\rdegen build: 0 environments evaluated, 0 targets run, 1 files written (1s)\x1b[K\r\x1b[Kwarning\n"
	if term.String() != want {
		t.Errorf("terminal got %q, want %q", term.String(), want)
	}
}

// A line never wraps: it is cut to the terminal's width.
func TestProgressLineFitsTheTerminal(t *testing.T) {
	fakeProgress(t, true)
	terminalWidth = func(io.Writer) int { return 40 }
	var term bytes.Buffer
	p := newProgressLine(&term)
	p.begin("build")
	p.fileWritten()
	want := "\rdegen build: 0 environments evaluated,…\x1b[K" // 39 columns
	if term.String() != want {
		t.Errorf("terminal got %q, want %q", term.String(), want)
	}
}
