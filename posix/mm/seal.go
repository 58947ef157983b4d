package mm

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSeal(tb *shim.Table) {
	tb.Register(unix.SYS_MSEAL, shim.Full, "sealed ranges refuse munmap, mremap, mmap over them, mprotect and brk shrinking (EPERM), and discards of read-only private anonymous memory; kept across fork", sysMseal)
}

// sysMseal is mseal(addr, len, flags): flags must be 0.
func sysMseal(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[2] != 0 {
		return 0, unix.EINVAL
	}
	return 0, t.MM().Seal(a[0], a[1])
}
