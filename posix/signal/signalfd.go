package signal

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSignalfd(tb *shim.Table) {
	tb.Register(unix.SYS_SIGNALFD, shim.Full, "", sysSignalfd)
	tb.Register(unix.SYS_SIGNALFD4, shim.Full, "SFD_NONBLOCK, SFD_CLOEXEC; readiness through a host eventfd, so poll and epoll work", sysSignalfd4)
}

// signalFile is a signalfd: reading takes pending signals of its mask; a
// host eventfd carries readiness for poll and epoll.
type signalFile struct {
	*kernel.HostFile
	p *kernel.Process
	w *kernel.SignalWatcher
}

const siginfoSize = linux.SizeofSignalfdSiginfo

func (f *signalFile) drain() {
	var b [8]byte
	unix.Read(f.FD(), b[:])
}

// Read implements kernel.File: signalfd_siginfo records.
func (f *signalFile) Read(t *kernel.Task, p []byte) (int, error) {
	if len(p) < siginfoSize {
		return 0, unix.EINVAL
	}
	for {
		mask := f.w.Mask.Load()
		n := 0
		for n+siginfoSize <= len(p) {
			si, ok := t.TakeSignal(mask)
			if !ok {
				break
			}
			info := signalfdInfo(si)
			copy(p[n:n+siginfoSize], kernel.StructBytes(&info))
			n += siginfoSize
		}
		if !t.PendingFor(mask) {
			f.drain()
		}
		if n > 0 {
			return n, nil
		}
		if f.StatusFlags()&unix.O_NONBLOCK != 0 {
			return 0, unix.EAGAIN
		}
		if err := t.WaitHostFD(f.FD(), unix.POLLIN); err != nil {
			return 0, err
		}
	}
}

// Write implements kernel.File: signalfds cannot be written.
func (f *signalFile) Write(t *kernel.Task, p []byte) (int, error) { return 0, unix.EINVAL }

// release ends the signalfd with its last reference.
func (f *signalFile) release() {
	f.p.RemoveSignalWatcher(f.w)
	f.HostFile.Close()
}

// siginfoLayout is which union member of a siginfo is in use, decided from
// the signal and its code as the kernel's siginfo_layout does.
type siginfoLayout int

const (
	silKill siginfoLayout = iota
	silTimer
	silPoll
	silFault
	silChld
	silRT
	silSys
)

func layoutOf(sig, code int) siginfoLayout {
	if code > linux.SI_USER && code < linux.SI_KERNEL {
		switch unix.Signal(sig) {
		case unix.SIGILL, unix.SIGFPE, unix.SIGSEGV, unix.SIGBUS, unix.SIGTRAP:
			return silFault
		case unix.SIGCHLD:
			return silChld
		case unix.SIGPOLL:
			return silPoll
		case unix.SIGSYS:
			return silSys
		}
		return silKill
	}
	switch {
	case code == linux.SI_TIMER:
		return silTimer
	case code == linux.SI_SIGIO:
		return silPoll
	case code < 0:
		return silRT
	}
	return silKill
}

// signalfdInfo converts a siginfo to a struct signalfd_siginfo, filling
// the fields of the siginfo's layout only (as the kernel's
// signalfd_copyinfo does). The siginfo is read at its union's offsets, as
// kernel.SigInfo explains.
func signalfdInfo(si kernel.SigInfo) unix.SignalfdSiginfo {
	le := binary.LittleEndian
	u32 := func(off int) uint32 { return le.Uint32(si[off:]) }
	u64 := func(off int) uint64 { return le.Uint64(si[off:]) }
	out := unix.SignalfdSiginfo{Signo: uint32(si.Signo()), Errno: int32(u32(4)), Code: int32(si.Code())}
	switch layoutOf(si.Signo(), si.Code()) {
	case silKill:
		out.Pid, out.Uid = u32(16), u32(20)
	case silTimer:
		out.Tid, out.Overrun = u32(16), u32(20)
		out.Ptr, out.Int = u64(24), int32(u32(24))
	case silPoll:
		out.Band, out.Fd = uint32(u64(16)), int32(u32(24))
	case silFault:
		out.Addr = u64(16)
	case silChld:
		out.Pid, out.Uid, out.Status = u32(16), u32(20), int32(u32(24))
		out.Utime, out.Stime = u64(32), u64(40)
	case silRT:
		out.Pid, out.Uid = u32(16), u32(20)
		out.Ptr, out.Int = u64(24), int32(u32(24))
	case silSys:
		out.Call_addr, out.Syscall, out.Arch = u64(16), int32(u32(24)), u32(28)
	}
	return out
}

func sysSignalfd(t *kernel.Task, a shim.Args) (uint64, error) {
	return signalfd(t, a.Int(0), a[1], a[2], 0)
}

func sysSignalfd4(t *kernel.Task, a shim.Args) (uint64, error) {
	return signalfd(t, a.Int(0), a[1], a[2], a.Int(3))
}

func signalfd(t *kernel.Task, fd int, maskAddr, size uint64, flags int) (uint64, error) {
	if flags&^(unix.SFD_NONBLOCK|unix.SFD_CLOEXEC) != 0 || size != sigsetSize {
		return 0, unix.EINVAL
	}
	mask, err := readSigset(t, maskAddr, size)
	if err != nil {
		return 0, err
	}
	mask &^= kernel.Unblockable
	if fd != -1 {
		f, err := t.Process().Files().Get(fd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		sf, ok := f.(*signalFile)
		if !ok {
			return 0, unix.EINVAL
		}
		sf.w.Mask.Store(mask)
		if t.PendingFor(mask) {
			sf.w.Wake()
		}
		return uint64(fd), nil
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return 0, err
	}
	sf := &signalFile{HostFile: kernel.NewOwnedHostFile(efd, "anon_inode:[signalfd]", unix.O_RDWR|flags&unix.O_NONBLOCK), p: t.Process()}
	sf.w = &kernel.SignalWatcher{Wake: func() { unix.Write(efd, []byte{1, 0, 0, 0, 0, 0, 0, 0}) }}
	sf.InitRefs(sf.release)
	sf.w.Mask.Store(mask)
	t.Process().AddSignalWatcher(sf.w)
	if t.PendingFor(mask) {
		sf.w.Wake()
	}
	defer sf.DecRef()
	nfd, err := t.Process().Files().Install(sf, 0, flags&unix.SFD_CLOEXEC != 0)
	return uint64(nfd), err
}
