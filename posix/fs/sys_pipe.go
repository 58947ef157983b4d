package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// pipe and pipe2 make host pipes, not in-memory ones (ramfs FIFOs are the
// in-memory kind): the host moves the bytes without a copy through Go,
// blocks and wakes in its own scheduler, and a host pipe end can be given
// to the host's sendfile and splice and passed over a host socket with
// SCM_RIGHTS.
func registerPipe(tb *shim.Table) {
	tb.Register(unix.SYS_PIPE, shim.Full, "host pipes: blocking, EOF and EPIPE rules are the host's", sysPipe)
	tb.Register(unix.SYS_PIPE2, shim.Full, "O_CLOEXEC, O_NONBLOCK, O_DIRECT", sysPipe2)
}

func sysPipe(t *kernel.Task, a shim.Args) (uint64, error) { return pipe(t, a[0], 0) }

func sysPipe2(t *kernel.Task, a shim.Args) (uint64, error) { return pipe(t, a[0], a.Int(1)) }

func pipe(t *kernel.Task, addr uint64, flags int) (uint64, error) {
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_DIRECT) != 0 {
		return 0, unix.EINVAL
	}
	var hfd [2]int
	if err := unix.Pipe2(hfd[:], unix.O_CLOEXEC|flags&(unix.O_NONBLOCK|unix.O_DIRECT)); err != nil {
		return 0, err
	}
	r := kernel.NewOwnedHostFile(hfd[0], "pipe", unix.O_RDONLY|flags&unix.O_NONBLOCK)
	defer r.DecRef()
	w := kernel.NewOwnedHostFile(hfd[1], "pipe", unix.O_WRONLY|flags&unix.O_NONBLOCK)
	defer w.DecRef()
	t.PassThrough(r, false)
	t.PassThrough(w, false)
	return 0, t.InstallPair(r, w, flags&unix.O_CLOEXEC != 0, addr)
}
