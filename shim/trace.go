package shim

import (
	"fmt"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim/strace"
)

// printTrace writes one strace-style line for a finished (or non-returning)
// call, prefixed with the thread id like strace -f.
func (tb *Table) printTrace(t *kernel.Task, nr uint64, args Args, ret uint64, noReturn bool) {
	var line string
	if noReturn {
		line = strace.FormatEntry(nr, args, t.MM()) + " = ?"
	} else {
		line = strace.Format(nr, args, int64(ret), t.MM())
	}
	tb.traceMu.Lock()
	defer tb.traceMu.Unlock()
	fmt.Fprintf(tb.trace, "[pid %d] %s\n", t.TID, line)
}
