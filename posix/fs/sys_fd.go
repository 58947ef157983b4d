package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// The descriptor-table calls: they change which descriptor refers to which
// open file description, never the description itself.
func registerFD(tb *shim.Table) {
	tb.Register(unix.SYS_CLOSE, shim.Full, "", sysClose)
	tb.Register(unix.SYS_CLOSE_RANGE, shim.Full, "CLOSE_RANGE_CLOEXEC; CLOSE_RANGE_UNSHARE gives the process a copy of a table it shares with another process (CLONE_FILES) first; the process's other threads keep sharing it with the caller (Linux unshares for the calling thread only)", sysCloseRange)
	tb.Register(unix.SYS_DUP, shim.Full, "", sysDup)
	tb.Register(unix.SYS_DUP2, shim.Full, "", sysDup2)
	tb.Register(unix.SYS_DUP3, shim.Full, "", sysDup3)
}

func sysClose(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.Process().Files().Close(a.Int(0))
}

func sysCloseRange(t *kernel.Task, a shim.Args) (uint64, error) {
	first, last, flags := uint32(a[0]), uint32(a[1]), a[2]
	if flags&^(unix.CLOSE_RANGE_UNSHARE|unix.CLOSE_RANGE_CLOEXEC) != 0 || first > last {
		return 0, unix.EINVAL
	}
	if flags&unix.CLOSE_RANGE_UNSHARE != 0 {
		t.Process().UnshareFiles()
	}
	t.Process().Files().CloseRange(uint(first), uint(last), flags&unix.CLOSE_RANGE_CLOEXEC != 0)
	return 0, nil
}

func sysDup(t *kernel.Task, a shim.Args) (uint64, error) {
	fd, err := t.Process().Files().Dup(a.Int(0), 0, false)
	return uint64(fd), err
}

func sysDup2(t *kernel.Task, a shim.Args) (uint64, error) {
	fd, err := t.Process().Files().Dup2(a.Int(0), a.Int(1))
	return uint64(fd), err
}

func sysDup3(t *kernel.Task, a shim.Args) (uint64, error) {
	fd, err := t.Process().Files().Dup3(a.Int(0), a.Int(1), a.Int(2))
	return uint64(fd), err
}
