package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerWrite(tb *shim.Table) {
	tb.Register(unix.SYS_WRITE, shim.Full, "", sysWrite)
	tb.Register(unix.SYS_WRITEV, shim.Full, "", sysWritev)
	tb.Register(unix.SYS_PWRITE64, shim.Full, "", sysPwrite64)
	tb.Register(unix.SYS_PWRITEV, shim.Full, "", sysPwritev)
}

func sysWrite(t *kernel.Task, a shim.Args) (uint64, error)  { return transfer(t, a, true) }
func sysWritev(t *kernel.Task, a shim.Args) (uint64, error) { return vectorIO(t, a, true) }

func sysPwrite64(t *kernel.Task, a shim.Args) (uint64, error) { return positionalIO(t, a, false) }

func sysPwritev(t *kernel.Task, a shim.Args) (uint64, error) {
	return positionalVectorIO(t, a, false)
}
