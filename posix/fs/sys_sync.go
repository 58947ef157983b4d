package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSync(tb *shim.Table) {
	tb.Register(unix.SYS_FSYNC, shim.Full, "", sysFsync)
	tb.Register(unix.SYS_FDATASYNC, shim.Full, "", sysFsync)
	tb.Register(unix.SYS_SYNC, shim.Stub, "returns 0 without flushing: ramfs and overlay data live in memory; writable host mounts are left to the host", sysSync)
	tb.Register(unix.SYS_FALLOCATE, shim.Partial, "mode 0 and FALLOC_FL_KEEP_SIZE", sysFallocate)
	tb.Register(unix.SYS_FADVISE64, shim.Partial, "validated (EBADF, ESPIPE, EINVAL); the advice itself is ignored", sysFadvise64)
}

func sysFsync(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, err := vfsFileOf(t, a.Int(0), unix.EINVAL)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	return 0, vf.F.Sync()
}

func sysSync(t *kernel.Task, a shim.Args) (uint64, error) { return 0, nil }

func sysFallocate(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, err := vfsFileOf(t, a.Int(0), unix.ESPIPE)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	if a.Long(2) < 0 || a.Long(3) <= 0 {
		return 0, unix.EINVAL
	}
	return 0, vf.F.Allocate(uint32(a[1]), a.Long(2), a.Long(3))
}

func sysFadvise64(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if isPipe(f) {
		return 0, unix.ESPIPE
	}
	if a.Int(3) < unix.FADV_NORMAL || a.Int(3) > unix.FADV_NOREUSE || a.Long(2) < 0 {
		return 0, unix.EINVAL
	}
	return 0, nil
}

// isPipe reports whether f is a pipe, FIFO or socket: a host object, or an
// in-memory FIFO.
func isPipe(f kernel.File) bool {
	switch f := f.(type) {
	case kernel.Pollable:
		return true
	case *kernel.VFSFile:
		_, ok := f.F.Impl().(pipeSizer)
		return ok
	}
	return false
}
