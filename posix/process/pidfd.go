package process

import (
	"math/bits"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// A pidfd (pidfd_open(2)) refers to one process. It becomes readable when
// the process exits: a host eventfd, written by an exit hook of the
// process, carries that readiness to poll, select and epoll.

const pidfdNonblock = unix.O_NONBLOCK // PIDFD_NONBLOCK

// pidfd_send_signal's scopes (Linux 6.9): one thread, the process (the
// default), its process group.
const (
	pidfdSignalThread       = 1
	pidfdSignalThreadGroup  = 2
	pidfdSignalProcessGroup = 4
	pidfdSignalScopes       = pidfdSignalThread | pidfdSignalThreadGroup | pidfdSignalProcessGroup
)

func registerPidfd(tb *shim.Table) {
	tb.Register(unix.SYS_PIDFD_OPEN, shim.Full, "PIDFD_NONBLOCK; readable (poll, epoll) when the process exits; read and write answer EINVAL", sysPidfdOpen)
	tb.Register(unix.SYS_PIDFD_SEND_SIGNAL, shim.Full, "to the process, its first thread or its group (PIDFD_SIGNAL_*); a siginfo of the app's own (SI_QUEUE…) is checked as rt_sigqueueinfo does", sysPidfdSendSignal)
	tb.Register(unix.SYS_PIDFD_GETFD, shim.Full, "a duplicate of the target's descriptor, close-on-exec", sysPidfdGetfd)
}

// pidFile is an open pidfd.
type pidFile struct {
	*kernel.HostFile
	p *kernel.Process

	mu     sync.Mutex
	closed bool
}

// Read implements kernel.File: a pidfd cannot be read.
func (f *pidFile) Read(t *kernel.Task, b []byte) (int, error) { return 0, unix.EINVAL }

// Write implements kernel.File: a pidfd cannot be written.
func (f *pidFile) Write(t *kernel.Task, b []byte) (int, error) { return 0, unix.EINVAL }

// processExited makes the descriptor readable (the process's exit hook).
func (f *pidFile) processExited() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		unix.Write(f.FD(), []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

func (f *pidFile) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.HostFile.Close()
}

func sysPidfdOpen(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, flags := int(int32(a[0])), a.Int(1)
	if flags&^pidfdNonblock != 0 || pid <= 0 {
		return 0, unix.EINVAL
	}
	p := t.Kernel().ProcessByPID(pid)
	if p == nil {
		if t.Kernel().TaskByTID(pid) != nil {
			return 0, unix.EINVAL // a thread, not a thread-group leader
		}
		return 0, unix.ESRCH
	}
	fd, err := OpenPidfd(t, p, flags)
	return uint64(fd), err
}

// OpenPidfd installs a pidfd for p in t's descriptor table, close-on-exec
// (pidfd_open, and clone's CLONE_PIDFD for the child it makes); flags may
// hold PIDFD_NONBLOCK.
func OpenPidfd(t *kernel.Task, p *kernel.Process, flags int) (int, error) {
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return 0, err
	}
	f := &pidFile{HostFile: kernel.NewOwnedHostFile(efd, "anon_inode:[pidfd]", unix.O_RDWR|flags&pidfdNonblock), p: p}
	f.InitRefs(f.release)
	defer f.DecRef()
	p.OnExit(f, f.processExited)
	return t.Process().Files().Install(f, 0, true)
}

// pidfdProcess is the process pidfd refers to; EBADF when fd is not a
// pidfd.
func pidfdProcess(t *kernel.Task, fd int) (*kernel.Process, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	pf, ok := f.(*pidFile)
	if !ok {
		return nil, unix.EBADF
	}
	return pf.p, nil
}

// signalTarget is the process pidfd_send_signal's descriptor names: a
// pidfd or, as Linux also takes, an open /proc/PID directory (EBADF for
// any other file).
func signalTarget(t *kernel.Task, fd int) (*kernel.Process, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	if pf, ok := f.(*pidFile); ok {
		return pf.p, nil
	}
	if p, ok := kernel.ProcDirProcess(f); ok {
		return p, nil
	}
	return nil, unix.EBADF
}

// alive reports whether p has not been reaped (a zombie still counts, as
// for kill).
func alive(t *kernel.Task, p *kernel.Process) bool {
	return t.Kernel().ProcessByPID(p.PID) == p
}

func sysPidfdSendSignal(t *kernel.Task, a shim.Args) (uint64, error) {
	sig, infoAddr, flags := a.Int(1), a[2], a[3]
	if flags&^pidfdSignalScopes != 0 || bits.OnesCount64(flags) > 1 || sig < 0 || sig > linux.NumSignals {
		return 0, unix.EINVAL
	}
	p, err := signalTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if !alive(t, p) {
		return 0, unix.ESRCH
	}
	si := kernel.NewSigInfo(sig, linux.SI_USER)
	si.SetSender(t.Process().PID, t.Process().UID)
	if infoAddr != 0 {
		if err := t.CopyIn(infoAddr, si[:]); err != nil {
			return 0, err
		}
		if si.Signo() != sig {
			return 0, unix.EINVAL
		}
		// Only the kernel may claim its own codes, unless the target is
		// the caller.
		if c := si.Code(); (c >= 0 || c == linux.SI_TKILL) && p != t.Process() {
			return 0, unix.EPERM
		}
	}
	if err := t.Process().MaySignal(p); err != nil {
		return 0, err // a Landlock signal scope
	}
	if sig == 0 {
		return 0, nil
	}
	switch flags {
	case pidfdSignalThread:
		if leader := t.Kernel().TaskByTID(p.PID); leader != nil {
			leader.SendSignal(si)
		}
	case pidfdSignalProcessGroup:
		for _, q := range t.Kernel().GroupMembers(p.ProcessGroup()) {
			q.SendSignal(si)
		}
	default:
		p.SendSignal(si)
	}
	return 0, nil
}

func sysPidfdGetfd(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[2] != 0 {
		return 0, unix.EINVAL
	}
	p, err := pidfdProcess(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if !alive(t, p) || p.Exiting() {
		return 0, unix.ESRCH
	}
	f, err := p.Files().GetForeign(a.Int(1))
	if err != nil {
		return 0, unix.EBADF
	}
	defer f.DecRef()
	fd, err := t.Process().Files().Install(f, 0, true)
	return uint64(fd), err
}
