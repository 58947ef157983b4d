package shim

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
)

// Level is how completely a handler implements its syscall.
type Level int

const (
	// Missing: no handler; the call answers ENOSYS.
	Missing Level = iota
	// Stub: the handler answers without doing the work (documented in its note).
	Stub
	// Partial: real semantics for the common cases; the note says what is not done.
	Partial
	// Full: Linux's semantics.
	Full
)

func (l Level) String() string {
	switch l {
	case Full:
		return "full"
	case Partial:
		return "partial"
	case Stub:
		return "stub"
	}
	return "missing"
}

// Args are a syscall's six raw arguments.
type Args [6]uint64

// Int returns argument i as a C int.
func (a Args) Int(i int) int { return int(int32(a[i])) }

// Long returns argument i as a C long.
func (a Args) Long(i int) int64 { return int64(a[i]) }

// Handler serves one syscall. It returns the result or an error; a
// unix.Errno error becomes -errno for the app.
type Handler func(t *kernel.Task, a Args) (uint64, error)

// Entry is one row of the table.
type Entry struct {
	Nr      uint64 `json:"nr"`
	Name    string `json:"name"`
	Level   Level  `json:"-"`
	Note    string `json:"note,omitempty"`
	Package string `json:"package,omitempty"` // module-relative directory of the handler
	File    string `json:"file,omitempty"`    // the file that holds the handler's code
	Line    int    `json:"line,omitempty"`    // where the handler function starts
	handler Handler
}

// Observer sees every served syscall (coverage counters).
type Observer interface {
	Observe(t *kernel.Task, nr uint64, args Args, ret uint64, site uint64)
}

// Filter decides whether a syscall may be served (profiles); a refused call
// gets ENOSYS, or kills the app when Kill is set. t is the calling task, for
// filters that read an argument struct from app memory (clone3, openat2).
// Refused names what was refused, for the report: "syscall getpid (39)",
// or the sub-operation, "openat O_RDONLY"; "" when the call is allowed.
type Filter interface {
	Refused(t *kernel.Task, nr uint64, args Args) string
	Kill() bool
}

// Override answers chosen calls without their handler (the coverage
// "explore" command: a syscall answered ENOSYS, or a fake success). When ok
// is true, ret is the raw return value the app gets and the handler is not
// called.
type Override interface {
	Override(t *kernel.Task, nr uint64, args Args) (ret uint64, ok bool)
}

// Table is the syscall table.
type Table struct {
	entries  [linux.MaxSyscall + 1]*Entry
	trace    *Tracer
	observer Observer
	filter   Filter
	override Override
	reported sync.Map // nr or "refused WHAT" → struct{}: already reported
}

// New returns an empty table.
func New() *Table { return &Table{} }

// SetTrace makes every call print in strace's format to w (nil: off),
// each line prefixed with the thread id.
func (tb *Table) SetTrace(w io.Writer) {
	if w == nil {
		tb.trace = nil
		return
	}
	tb.trace = NewTracer(w, TraceOptions{AlwaysPID: true})
}

// SetTracer installs a tracer with strace's options (nil: off). The
// kernel should get the same tracer as its kernel.Tracer for the signal
// and exit lines.
func (tb *Table) SetTracer(tr *Tracer) { tb.trace = tr }

// Tracer returns the installed tracer, or nil.
func (tb *Table) Tracer() *Tracer { return tb.trace }

// SetObserver installs the coverage observer.
func (tb *Table) SetObserver(o Observer) { tb.observer = o }

// SetFilter installs a profile filter.
func (tb *Table) SetFilter(f Filter) { tb.filter = f }

// SetOverride installs a hook that may answer calls instead of their
// handlers (nil: off).
func (tb *Table) SetOverride(o Override) { tb.override = o }

// SeesEveryCall reports whether every system call must reach the table:
// a trace, a coverage observer, a filter or a profile is installed (the
// kernel then lets no platform serve calls on its own).
func (tb *Table) SeesEveryCall() bool {
	return tb.trace != nil || tb.observer != nil || tb.filter != nil || tb.override != nil
}

// Register adds a handler for syscall nr. Where the handler's code lives
// (package, file, line) is read from the function value itself when the
// entry is looked up (not at start-up: a run looks up none), so the
// support table points at the handler, not at the registration.
func (tb *Table) Register(nr uint64, level Level, note string, h Handler) {
	if nr > linux.MaxSyscall {
		panic(fmt.Sprintf("shim: syscall number %d out of range", nr))
	}
	if tb.entries[nr] != nil {
		panic(fmt.Sprintf("shim: %s registered twice", linux.SyscallName(nr)))
	}
	tb.entries[nr] = &Entry{Nr: nr, Name: linux.SyscallName(nr), Level: level, Note: note, handler: h}
}

// handlerSource returns the directory (relative to the module: posix/mm,
// vfs/sys), file name and first line of the handler function h.
func handlerSource(h Handler) (pkg, file string, line int) {
	fn := runtime.FuncForPC(reflect.ValueOf(h).Pointer())
	if fn == nil {
		return "", "", 0
	}
	path, line := fn.FileLine(fn.Entry())
	dir := filepath.Dir(path)
	pkg = filepath.Base(dir)
	for _, top := range []string{"/posix/", "/vfs/", "/kernel/", "/shim/"} {
		if i := strings.LastIndex(dir+"/", top); i >= 0 {
			pkg = strings.TrimSuffix(dir[i+1:], "/")
			break
		}
	}
	return pkg, filepath.Base(path), line
}

// Lookup returns the entry for nr; a missing syscall gives a Missing entry.
func (tb *Table) Lookup(nr uint64) Entry {
	if nr <= linux.MaxSyscall && tb.entries[nr] != nil {
		e := *tb.entries[nr]
		e.Package, e.File, e.Line = handlerSource(e.handler)
		return e
	}
	return Entry{Nr: nr, Name: linux.SyscallName(nr), Level: Missing}
}

// Served reports whether nr has a handler that serves it, fully or in
// part (a stub only answers an error).
func (tb *Table) Served(nr uint64) bool {
	if nr > linux.MaxSyscall || tb.entries[nr] == nil {
		return false
	}
	l := tb.entries[nr].Level
	return l == Full || l == Partial
}

// Entries lists every syscall number the ABI defines, registered or not.
func (tb *Table) Entries() []Entry {
	var out []Entry
	for nr := uint64(0); nr <= linux.MaxSyscall; nr++ {
		if !linux.IsSyscall(nr) {
			continue
		}
		out = append(out, tb.Lookup(nr))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Nr < out[j].Nr })
	return out
}

// errnoOf maps a handler error to an errno.
func errnoOf(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e // most handlers' errors: no errors.As walk (reflection) per call
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EIO
}

// Dispatch implements kernel.Dispatcher.
func (tb *Table) Dispatch(t *kernel.Task) {
	r := t.Regs()
	nr := r.OrigRax
	args := Args(r.SyscallArgs())
	site := r.Rip - 2
	t.SyscallNr = nr
	var e *Entry
	if nr <= linux.MaxSyscall {
		e = tb.entries[nr]
	}
	refused := tb.filterRefused(t, nr, args)
	if refused != "" {
		tb.reportRefused(t, refused)
		if tb.filter.Kill() {
			t.KillBySignal(int(unix.SIGSYS))
			return
		}
		e = nil
	}
	var traced *pendingCall
	if tb.trace != nil {
		traced = tb.trace.enter(t, nr, args)
	}
	var ret uint64
	overridden := false
	if tb.override != nil {
		ret, overridden = tb.override.Override(t, nr, args)
	}
	switch {
	case overridden:
		// ret is the override's answer.
	case e == nil || e.Level == Missing:
		// A Missing entry only documents why; the call is not served.
		if refused == "" {
			tb.reportMissing(t, nr) // a refused call was reported as such
		}
		ret = errnoReturn(unix.ENOSYS)
	default:
		v, err := e.handler(t, args)
		if err != nil {
			ret = errnoReturn(errnoOf(err))
		} else {
			ret = v
		}
	}
	if tb.observer != nil {
		tb.observer.Observe(t, nr, args, ret, site)
	}
	if t.Exited() {
		// The tracer's TaskExited closed the line (" = ?"); strace -c
		// does not count calls that never return.
		return
	}
	if traced != nil {
		tb.trace.exit(t, traced, args, ret)
	}
	if t.SkipReturn() {
		return
	}
	r.SetSyscallReturn(ret)
}

func (tb *Table) reportMissing(t *kernel.Task, nr uint64) {
	if _, seen := tb.reported.LoadOrStore(nr, struct{}{}); seen {
		return
	}
	fmt.Fprintf(t.Kernel().Report(), "elfloader: unsupported syscall %s (%d): answered ENOSYS\n", linux.SyscallName(nr), nr)
}

// filterRefused is what the profile filter refuses of the call ("": it
// may be served).
func (tb *Table) filterRefused(t *kernel.Task, nr uint64, args Args) string {
	if tb.filter == nil {
		return ""
	}
	return tb.filter.Refused(t, nr, args)
}

// reportRefused says once per syscall or sub-operation that the profile
// refused it.
func (tb *Table) reportRefused(t *kernel.Task, what string) {
	if _, seen := tb.reported.LoadOrStore("refused "+what, struct{}{}); seen {
		return
	}
	fmt.Fprintf(t.Kernel().Report(), "elfloader: %s is not in the profile\n", what)
}

// errnoReturn is the raw return value of a failed call: -errno.
func errnoReturn(e unix.Errno) uint64 { return uint64(-int64(e)) }
