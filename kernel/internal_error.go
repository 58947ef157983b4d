package kernel

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// InternalErrorStatus is elfloader's exit status after an internal error:
// a Go panic inside elfloader while it served the app (BSD sysexits'
// EX_SOFTWARE). The app's own statuses pass through unchanged, so the
// "elfloader: internal error" line on stderr is what tells them apart.
const InternalErrorStatus = 70

// InternalError is a panic recovered in elfloader's own code: a bug, never
// the app's fault. Kernel.Run returns it, and the whole run ends.
type InternalError struct {
	Where string // what was running: "task 12", "timer", "elfloader pack"
	Value any    // the panic value
	At    string // the function and file:line that panicked, "" if unknown
	Stack []byte // the panicking goroutine's stack, for ELFLOADER_TRACEBACK
}

func (e *InternalError) Error() string {
	msg := fmt.Sprintf("internal error in %s: %s", e.Where, oneLineValue(e.Value))
	if e.At != "" {
		msg += " (at " + e.At + ")"
	}
	return msg + ": please report this elfloader bug"
}

// NewInternalError describes the panic value r recovered while where was
// running. Call it from the deferred function that recovered, so that the
// panicking frames are still on the stack.
func NewInternalError(where string, r any) *InternalError {
	return &InternalError{Where: where, Value: r, At: panicSite(), Stack: debug.Stack()}
}

// Report writes the error as elfloader's one line on w, and the stack
// below it only when ELFLOADER_TRACEBACK is set (a developer aid).
func (e *InternalError) Report(w io.Writer) {
	fmt.Fprintf(w, "elfloader: %v\n", e)
	if os.Getenv("ELFLOADER_TRACEBACK") != "" {
		w.Write(e.Stack)
	}
}

// oneLineValue prints a panic value on one line.
func oneLineValue(v any) string {
	s := fmt.Sprint(v)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// panicSite returns the first non-runtime frame below runtime.gopanic:
// where the panic happened.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic" || strings.HasPrefix(f.Function, "runtime.panic"):
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return fmt.Sprintf("%s %s:%d", shortFunc(f.Function), shortFile(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func shortFile(file string) string {
	parts := strings.Split(file, "/")
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return strings.Join(parts, "/")
}

// RecoverInternal turns a panic in a kernel goroutine into an internal
// error that ends the run: defer it first thing in every goroutine that
// runs kernel code (a task, a timer, a helper). The goroutine then just
// returns: locks it held stay held, so nothing else in the kernel is
// trusted; Run returns the error and elfloader exits.
func (k *Kernel) RecoverInternal(where string) {
	r := recover()
	if r == nil {
		return
	}
	k.failInternal(NewInternalError(where, r))
}

// failInternal records the first internal error and wakes Run.
func (k *Kernel) failInternal(e *InternalError) {
	k.internalOnce.Do(func() {
		k.internalErr = e
		close(k.internal)
	})
}
