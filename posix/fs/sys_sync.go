package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerSync(tb *shim.Table) {
	tb.Register(unix.SYS_FSYNC, shim.Full, "", sysFsync)
	tb.Register(unix.SYS_FDATASYNC, shim.Full, "", sysFsync)
	tb.Register(unix.SYS_SYNC, shim.Full, "flushes the writable host directories (host syncfs); ramfs and overlay data live in memory", sysSync)
	tb.Register(unix.SYS_SYNCFS, shim.Full, "as sync, for the descriptor's filesystem", sysSyncfs)
	tb.Register(unix.SYS_READAHEAD, shim.Full, "checked as Linux does (EBADF, EINVAL); the data is in memory or the host's page cache already", sysReadahead)
	tb.Register(unix.SYS_FALLOCATE, shim.Full, "Linux's mode rules; in-memory files allocate and punch holes as tmpfs does, host files take what their filesystem takes", sysFallocate)
	tb.Register(unix.SYS_FADVISE64, shim.Full, "host files: the advice goes to the host's page cache; in-memory files have none to take it, as on tmpfs", sysFadvise64)
}

func sysFsync(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, err := vfsFileOf(t, a.Int(0), unix.EINVAL)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	return 0, vf.F.Sync()
}

func sysSync(t *kernel.Task, a shim.Args) (uint64, error) {
	if ctx, err := fsctx(t); err == nil {
		vfs.SyncAll(ctx)
	}
	return 0, nil
}

func sysSyncfs(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if vf, ok := f.(*kernel.VFSFile); ok {
		return 0, vfs.SyncFS(vf.F.Location())
	}
	return 0, nil // pipes and sockets: nothing to flush
}

// sysReadahead is readahead(fd, offset, count): the descriptor must be
// open for reading (EBADF) on a regular file (EINVAL).
func sysReadahead(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if ff, ok := f.(kernel.FlagFile); ok && ff.StatusFlags()&unix.O_ACCMODE == unix.O_WRONLY {
		return 0, unix.EBADF
	}
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return 0, unix.EINVAL
	}
	if !vf.F.Readable() {
		return 0, unix.EBADF
	}
	st, err := vf.F.Stat()
	if err != nil {
		return 0, err
	}
	if st.Type() != unix.S_IFREG {
		return 0, unix.EINVAL
	}
	return 0, nil
}

func sysFallocate(t *kernel.Task, a shim.Args) (uint64, error) {
	if h, ok := hostAttrOf(t, a.Int(0)); ok {
		return 0, h.Allocate(uint32(a[1]), a.Long(2), a.Long(3))
	}
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
	if vf, ok := f.(*kernel.VFSFile); ok {
		return 0, vf.F.Advise(a.Long(1), a.Long(2), a.Int(3))
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
