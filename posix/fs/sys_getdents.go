package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerGetdents(tb *shim.Table) {
	tb.Register(unix.SYS_GETDENTS64, shim.Full, "", sysGetdents64)
}

func sysGetdents64(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, err := vfsFileOf(t, a.Int(0), unix.ENOTDIR)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	// Only records that reach the app are consumed: the directory
	// position stays put for the ones a fault would stop.
	n := int(min(a[2], 1<<20))
	writable := t.MM().Prefix(a[1], uint64(n), true)
	buf := make([]byte, n)
	got, err := vf.F.Getdents64Writable(buf, int(writable))
	if err != nil {
		return 0, err
	}
	return uint64(got), t.CopyOut(a[1], buf[:got])
}
