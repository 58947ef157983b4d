package signal

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

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

const siginfoSize = 128

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
			encodeSiginfo(p[n:n+siginfoSize], si)
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

// Close implements kernel.File.
func (f *signalFile) Close() error {
	f.p.RemoveSignalWatcher(f.w)
	return f.HostFile.Close()
}

// encodeSiginfo fills a struct signalfd_siginfo from a siginfo.
func encodeSiginfo(b []byte, si kernel.SigInfo) {
	for i := range b {
		b[i] = 0
	}
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(si.Signo()))
	copy(b[4:8], si[4:8]) // errno
	le.PutUint32(b[8:], uint32(int32(si.Code())))
	switch code := si.Code(); {
	case code == kernel.SI_TIMER:
		copy(b[24:28], si[16:20]) // tid
		copy(b[32:36], si[20:24]) // overrun
		copy(b[44:48], si[24:28]) // int
		copy(b[48:56], si[24:32]) // ptr
	default:
		copy(b[12:20], si[16:24]) // pid, uid (or addr's low half for faults)
		copy(b[44:48], si[24:28])
		copy(b[48:56], si[24:32])
		copy(b[72:80], si[16:24]) // addr for faults
	}
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
	mask &^= unblockable
	if fd != -1 {
		f, err := t.Process().Files().Get(fd)
		if err != nil {
			return 0, err
		}
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
	sf.w.Mask.Store(mask)
	t.Process().AddSignalWatcher(sf.w)
	if t.PendingFor(mask) {
		sf.w.Wake()
	}
	nfd, err := t.Process().Files().Install(sf, 0, flags&unix.SFD_CLOEXEC != 0)
	if err != nil {
		sf.Close()
		return 0, err
	}
	return uint64(nfd), nil
}
