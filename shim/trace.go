package shim

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
)

// printTrace writes one strace-style line for a finished (or non-returning) call.
func (tb *Table) printTrace(t *kernel.Task, nr uint64, args Args, ret uint64, noReturn bool) {
	var line string
	if noReturn {
		line = formatEntry(t, nr, args) + " = ?"
	} else {
		line = formatCall(t, nr, args, int64(ret))
	}
	tb.traceMu.Lock()
	defer tb.traceMu.Unlock()
	fmt.Fprintf(tb.trace, "[pid %d] %s\n", t.TID, line)
}

func formatEntry(t *kernel.Task, nr uint64, args Args) string {
	var b strings.Builder
	b.WriteString(linux.SyscallName(nr))
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#x", a)
	}
	b.WriteByte(')')
	return b.String()
}

func formatCall(t *kernel.Task, nr uint64, args Args, ret int64) string {
	s := formatEntry(t, nr, args)
	if ret < 0 && ret >= -4095 {
		e := unix.Errno(-ret)
		return fmt.Sprintf("%s = -1 %s (%s)", s, linux.ErrnoName(e), linux.ErrnoMessage(e))
	}
	return fmt.Sprintf("%s = %d", s, ret)
}
