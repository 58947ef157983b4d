package fs

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerCachestat(tb *shim.Table) {
	tb.Register(unix.SYS_CACHESTAT, shim.Full, "the host's page cache of the file's bytes: an in-memory file's memfd (tmpfs), a host file's own; other files have none", sysCachestat)
}

// sysCachestat is cachestat(fd, range, cstat, flags). Files whose bytes
// have a host descriptor answer from the host's cache, which is where they
// live; pipes, sockets and directories have no page cache (all zeros).
func sysCachestat(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if a[3] != 0 {
		return 0, unix.EINVAL
	}
	var rng [2]uint64 // struct cachestat_range: off, len
	if err := kernel.CopyInStruct(t, a[1], &rng); err != nil {
		return 0, err
	}
	var cs [5]uint64 // struct cachestat: cache, dirty, writeback, evicted, recently evicted
	if vf, ok := f.(*kernel.VFSFile); ok {
		if st, err := vf.F.Stat(); err == nil && st.Type() == unix.S_IFREG {
			if fd, ok := vf.MapFD(); ok {
				if _, _, e := unix.Syscall6(unix.SYS_CACHESTAT, uintptr(fd), uintptr(unsafe.Pointer(&rng)), uintptr(unsafe.Pointer(&cs)), 0, 0, 0); e != 0 {
					return 0, e
				}
			}
		}
	}
	return 0, kernel.CopyOutStruct(t, a[2], &cs)
}
