package images

import (
	"fmt"
	"io"
	"strings"
)

// Progress receives the progress of a long operation: done bytes out of
// total (-1 when the total is unknown). Calls come from one goroutine, at
// most every 256 KiB of progress and once at the end.
type Progress interface {
	Report(done, total int64)
}

const progressStep = 256 << 10

// progressCounter throttles reports to a Progress; a nil counter is a no-op.
type progressCounter struct {
	p          Progress
	total      int64
	done       int64
	lastReport int64
}

func newProgressCounter(p Progress, total int64) *progressCounter {
	if p == nil {
		return nil
	}
	p.Report(0, total)
	return &progressCounter{p: p, total: total}
}

func (c *progressCounter) add(n int64) {
	if c == nil {
		return
	}
	c.done += n
	if c.done-c.lastReport >= progressStep {
		c.lastReport = c.done
		c.p.Report(c.done, c.total)
	}
}

func (c *progressCounter) finish() {
	if c == nil {
		return
	}
	c.p.Report(c.done, c.total)
}

// progressReader counts bytes read through it.
type progressReader struct {
	r io.Reader
	c *progressCounter
}

func (r progressReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.c.add(int64(n))
	return n, err
}

// TermBar renders progress as a one-line bar on a terminal. When the output
// is not a terminal it stays quiet. Call Finish when the operation ends.
type TermBar struct {
	w        io.Writer
	terminal bool
	label    string
	width    int
	lastCell int
	lastPct  int
	started  bool
}

// NewTermBar returns a bar labelled label writing to w; isTerminal says
// whether w is a terminal (for example from golang.org/x/term.IsTerminal or
// unix.IoctlGetTermios).
func NewTermBar(w io.Writer, isTerminal bool, label string) *TermBar {
	return &TermBar{w: w, terminal: isTerminal, label: label, width: 30, lastCell: -1, lastPct: -1}
}

// Report draws the bar when it changed visibly.
func (b *TermBar) Report(done, total int64) {
	if !b.terminal {
		return
	}
	b.started = true
	if total <= 0 {
		fmt.Fprintf(b.w, "\r%s %s", b.label, FormatBytes(done))
		return
	}
	done = min(done, total)
	pct := int(done * 100 / total)
	cells := int(done * int64(b.width) / total)
	if pct == b.lastPct && cells == b.lastCell {
		return
	}
	b.lastPct, b.lastCell = pct, cells
	bar := strings.Repeat("=", cells) + strings.Repeat(" ", b.width-cells)
	fmt.Fprintf(b.w, "\r%s [%s] %3d%% %s / %s", b.label, bar, pct, FormatBytes(done), FormatBytes(total))
}

// Finish ends the bar's line.
func (b *TermBar) Finish() {
	if b.terminal && b.started {
		fmt.Fprintln(b.w)
	}
}

// FormatBytes renders a byte count with a binary unit (12.3 MiB).
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
