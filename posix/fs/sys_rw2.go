package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// preadv2 and pwritev2: preadv/pwritev with per-call flags, and an offset
// of -1 meaning the file's own position (readv/writev).

func registerRW2(tb *shim.Table) {
	tb.Register(unix.SYS_PREADV2, shim.Partial, "offset -1 uses the file position; RWF_HIPRI, RWF_DSYNC, RWF_SYNC and RWF_NOWAIT are accepted (the call may wait where Linux answers EAGAIN); others EOPNOTSUPP", sysPreadv2)
	tb.Register(unix.SYS_PWRITEV2, shim.Partial, "offset -1 uses the file position; RWF_HIPRI, RWF_DSYNC, RWF_SYNC and RWF_NOWAIT are accepted; RWF_APPEND and others EOPNOTSUPP", sysPwritev2)
}

const rwf2Served = unix.RWF_HIPRI | unix.RWF_DSYNC | unix.RWF_SYNC | unix.RWF_NOWAIT

func sysPreadv2(t *kernel.Task, a shim.Args) (uint64, error)  { return vectorIO2(t, a, true) }
func sysPwritev2(t *kernel.Task, a shim.Args) (uint64, error) { return vectorIO2(t, a, false) }

// vectorIO2 serves preadv2 (read) and pwritev2. Arguments: fd, iov, iovcnt,
// the offset (all 64 bits in the low half on x86-64), its high half, flags.
func vectorIO2(t *kernel.Task, a shim.Args, read bool) (uint64, error) {
	if a.Int(5)&^rwf2Served != 0 {
		return 0, unix.EOPNOTSUPP
	}
	if a.Long(3) == -1 {
		return vectorIO(t, a, !read)
	}
	return positionalVectorIO(t, a, read)
}
