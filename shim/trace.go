package shim

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim/strace"
	"golang.org/x/sys/unix"
)

// Timestamp formats of strace's -t, -tt and -ttt.
const (
	TimestampNone    = iota
	TimestampSeconds // -t: 15:04:05
	TimestampMicros  // -tt: 15:04:05.000000
	TimestampEpoch   // -ttt: 1700000000.000000
)

// TraceOptions are strace's options that change what a trace shows.
type TraceOptions struct {
	// Printer formats calls (its StringLimit is strace -s).
	Printer strace.Printer
	// Calls selects the syscalls shown (strace -e trace=SET); nil shows all.
	Calls func(nr uint64) bool
	// OnlyTID, when not 0, shows only that task (strace without -f).
	OnlyTID int
	// Timestamp is one of the Timestamp constants (strace -t, -tt, -ttt).
	Timestamp int
	// CallTime appends the time spent in each call (strace -T).
	CallTime bool
	// FDNames prints descriptors with what they refer to (strace -y).
	FDNames bool
	// AlwaysPID prefixes every line with "[pid N]"; otherwise the prefix
	// appears, as with strace -f, while more than one task is traced.
	AlwaysPID bool
	// Summary, when set, counts calls instead of printing them (strace -c).
	Summary *strace.Summary
}

// alignColumn is the column strace pads a call to before " = ".
const alignColumn = 39

// Tracer prints system calls, delivered signals and task ends in strace's
// format. It implements kernel.Tracer.
type Tracer struct {
	w    io.Writer
	opts TraceOptions

	mu      sync.Mutex
	open    *pendingCall         // the call whose line is written up to its inputs
	pending map[int]*pendingCall // calls in progress by tid
	live    map[int]bool         // tasks seen and not ended
}

// pendingCall is a call between its entry and its return.
type pendingCall struct {
	tid        int
	nr         uint64
	name       string
	start      time.Time
	column     int             // length of the line written so far
	before     strace.Snapshot // value-result arguments as they were at entry
	unfinished bool            // its line was ended with "<unfinished ...>"
	shown      bool            // its entry was written
}

// NewTracer returns a tracer writing to w.
func NewTracer(w io.Writer, opts TraceOptions) *Tracer {
	return &Tracer{w: w, opts: opts, pending: map[int]*pendingCall{}, live: map[int]bool{}}
}

// printer is the printer for t's calls: with t's descriptors under -y.
func (tr *Tracer) printer(t *kernel.Task) strace.Printer {
	p := tr.opts.Printer
	if tr.opts.FDNames {
		p.FDName = t.FDName
	}
	return p
}

// follows reports whether the task's events are traced at all.
func (tr *Tracer) follows(tid int) bool {
	return tr.opts.OnlyTID == 0 || tr.opts.OnlyTID == tid
}

// shows reports whether the task's call nr is printed.
func (tr *Tracer) shows(tid int, nr uint64) bool {
	return tr.opts.Summary == nil && tr.follows(tid) && (tr.opts.Calls == nil || tr.opts.Calls(nr))
}

// prefixLocked returns the "[pid N] " and timestamp that start a line.
func (tr *Tracer) prefixLocked(tid int, now time.Time) string {
	var b strings.Builder
	if tr.opts.AlwaysPID || len(tr.live) > 1 {
		b.WriteString("[pid " + strconv.Itoa(tid) + "] ")
	}
	switch tr.opts.Timestamp {
	case TimestampSeconds:
		b.WriteString(now.Format("15:04:05 "))
	case TimestampMicros:
		b.WriteString(now.Format("15:04:05.000000 "))
	case TimestampEpoch:
		fmt.Fprintf(&b, "%d.%06d ", now.Unix(), now.Nanosecond()/1000)
	}
	return b.String()
}

// interruptLocked ends the open line of another task with
// "<unfinished ...>" before a new line starts.
func (tr *Tracer) interruptLocked() {
	if tr.open == nil {
		return
	}
	io.WriteString(tr.w, " <unfinished ...>\n")
	tr.open.unfinished = true
	tr.open = nil
}

// enter records the start of a call and writes its inputs.
func (tr *Tracer) enter(t *kernel.Task, nr uint64, args Args) *pendingCall {
	now := time.Now()
	pc := &pendingCall{tid: t.TID, nr: nr, start: now}
	if !tr.shows(t.TID, nr) {
		return pc
	}
	name, parts, firstOut := tr.printer(t).Parts(nr, args, 0, false, t.MM())
	pc.name, pc.shown = name, true
	pc.before = strace.Save(t.MM(), strace.SavedRanges(nr, args))
	head := name + "(" + strings.Join(parts[:firstOut], ", ")
	if firstOut > 0 && firstOut < len(parts) {
		head += ", "
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.interruptLocked()
	tr.live[t.TID] = true
	line := tr.prefixLocked(t.TID, now) + head
	io.WriteString(tr.w, line)
	pc.column = len(line)
	tr.open = pc
	tr.pending[t.TID] = pc
	return pc
}

// exit writes the rest of a call's line once it returned ret.
func (tr *Tracer) exit(t *kernel.Task, pc *pendingCall, args Args, ret uint64) {
	elapsed := time.Since(pc.start)
	if s := tr.opts.Summary; s != nil {
		if tr.follows(pc.tid) {
			s.Add(pc.nr, int64(ret), elapsed)
		}
		return
	}
	if !pc.shown {
		return
	}
	p := tr.printer(t)
	if pc.before != nil {
		p.Before = pc.before
	}
	_, parts, firstOut := p.Parts(pc.nr, args, int64(ret), true, t.MM())
	rest := strings.Join(parts[firstOut:], ", ") + ")"
	result := p.Return(pc.nr, args, int64(ret))
	if tr.opts.CallTime {
		result += fmt.Sprintf(" <%.6f>", elapsed.Seconds())
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if createsTask(pc.nr) && int64(ret) > 0 && tr.opts.OnlyTID == 0 {
		tr.live[int(ret)] = true // traced from now on, as strace attaches
	}
	tr.finishLocked(pc, rest, result)
}

// createsTask reports whether a successful nr returns a new task's id.
func createsTask(nr uint64) bool {
	switch nr {
	case unix.SYS_CLONE, unix.SYS_CLONE3, unix.SYS_FORK, unix.SYS_VFORK:
		return true
	}
	return false
}

// finishLocked writes the end of pc's line: on the open line, or on a new
// "<... NAME resumed>" line when other lines came in between.
func (tr *Tracer) finishLocked(pc *pendingCall, rest, result string) {
	delete(tr.pending, pc.tid)
	var line string
	column := 0
	if tr.open == pc {
		column = pc.column
		tr.open = nil
	} else {
		tr.interruptLocked()
		line = tr.prefixLocked(pc.tid, time.Now()) + "<... " + pc.name + " resumed>"
	}
	line += rest
	if pad := alignColumn - column - len(line); pad > 0 {
		line += strings.Repeat(" ", pad)
	}
	io.WriteString(tr.w, line+result+"\n")
}

// SignalDelivered implements kernel.Tracer.
func (tr *Tracer) SignalDelivered(t *kernel.Task, si *kernel.SigInfo) {
	if tr.opts.Summary != nil || !tr.follows(t.TID) {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.interruptLocked()
	io.WriteString(tr.w, tr.prefixLocked(t.TID, time.Now())+strace.SignalLine(si[:])+"\n")
}

// TaskExited implements kernel.Tracer: a call the task was in ends with
// " = ?", then strace's "+++ exited with N +++" line.
func (tr *Tracer) TaskExited(t *kernel.Task, waitStatus int) {
	if tr.opts.Summary != nil || !tr.follows(t.TID) {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if pc := tr.pending[t.TID]; pc != nil {
		tr.finishLocked(pc, ")", " = ?")
	}
	io.WriteString(tr.w, tr.prefixLocked(t.TID, time.Now())+strace.ExitLine(waitStatus)+"\n")
	delete(tr.live, t.TID)
}
