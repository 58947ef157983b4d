package mm

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerRemap(tb *shim.Table) {
	tb.Register(unix.SYS_MREMAP, shim.Full, "shrink, grow in place, MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP within one mapping; the host remaps in-process, other platforms copy private memory (shared or file mappings cannot move there: ENOMEM)", sysMremap)
	tb.Register(unix.SYS_REMAP_FILE_PAGES, shim.Partial, "Linux 4.0+'s emulation: the range of a MAP_SHARED file mapping maps the file again at pgoff (MAP_FIXED, the mapping's protection); MAP_SHARED|MAP_ANONYMOUS mappings are refused with EINVAL (Linux remaps their shmem object)", sysRemapFilePages)
	tb.Register(unix.SYS_MSYNC, shim.Full, "the host writes back the app's range in-process; range and flag rules everywhere", sysMsync)
	tb.Register(unix.SYS_MINCORE, shim.Partial, "the host's answer in-process; other platforms report every mapped page resident", sysMincore)
	tb.Register(unix.SYS_MLOCK, shim.Partial, "RLIMIT_MEMLOCK and CAP_IPC_LOCK rules; the host pins the pages in-process, other platforms only check the range", sysMlock)
	tb.Register(unix.SYS_MLOCK2, shim.Partial, "as mlock; MLOCK_ONFAULT", sysMlock2)
	tb.Register(unix.SYS_MUNLOCK, shim.Partial, "as mlock", sysMunlock)
	tb.Register(unix.SYS_MLOCKALL, shim.Partial, "flags and RLIMIT_MEMLOCK checked and recorded; elfloader's own memory is never pinned with the app's", sysMlockall)
	tb.Register(unix.SYS_MUNLOCKALL, shim.Partial, "as mlockall", sysMunlockall)
}

func sysMremap(t *kernel.Task, a shim.Args) (uint64, error) {
	return t.MM().Remap(a[0], a[1], a[2], a.Int(3), a[4])
}

func sysRemapFilePages(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.MM().RemapFilePages(a[0], a[1], a.Int(2), a[3], a.Int(4))
}

func sysMsync(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.MM().Sync(a[0], a[1], a.Int(2))
}

func sysMincore(t *kernel.Task, a shim.Args) (uint64, error) {
	vec, err := t.MM().Residency(a[0], a[1])
	if err != nil {
		return 0, err
	}
	return 0, t.CopyOut(a[2], vec)
}

// mayLock applies mlock(2)'s privilege rules to locking n more bytes.
func mayLock(t *kernel.Task, n uint64) error {
	p := t.Process()
	if p.HasCap(kernel.CapIpcLock) {
		return nil
	}
	limit := p.Rlimit(unix.RLIMIT_MEMLOCK).Cur
	switch {
	case limit == 0:
		return unix.EPERM
	case n > limit:
		return unix.ENOMEM
	}
	return nil
}

func lock(t *kernel.Task, addr, length uint64, onFault bool) error {
	if err := mayLock(t, length); err != nil {
		return err
	}
	return t.MM().LockRange(addr, length, true, onFault)
}

func sysMlock(t *kernel.Task, a shim.Args) (uint64, error) { return 0, lock(t, a[0], a[1], false) }

func sysMlock2(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[2]&^unix.MLOCK_ONFAULT != 0 {
		return 0, unix.EINVAL
	}
	return 0, lock(t, a[0], a[1], a[2] != 0)
}

func sysMunlock(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.MM().LockRange(a[0], a[1], false, false)
}

func sysMlockall(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := a.Int(0)
	if flags == 0 || flags&^(unix.MCL_CURRENT|unix.MCL_FUTURE|unix.MCL_ONFAULT) != 0 || flags == unix.MCL_ONFAULT {
		return 0, unix.EINVAL
	}
	if flags&unix.MCL_CURRENT != 0 {
		return 0, mayLock(t, t.MM().MappedBytes())
	}
	return 0, mayLock(t, 0)
}

func sysMunlockall(t *kernel.Task, a shim.Args) (uint64, error) { return 0, nil }
