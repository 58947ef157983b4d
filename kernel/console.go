package kernel

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/plat"
)

// HostFile is an app file backed by a host descriptor: the console
// (elfloader's own stdin, stdout and stderr, borrowed) or an object the app
// created and owns (a pipe end, an eventfd, a socket). Owned descriptors are
// non-blocking on the host; the app's O_NONBLOCK is kept here, and blocking
// calls wait with Task.WaitHostFD so that signals interrupt them.
type HostFile struct {
	FileRefs
	FileOwner
	asyncState
	fd    int
	owned bool
	name  string

	mu    sync.Mutex
	flags int // status flags as the app sees them (O_ACCMODE, O_NONBLOCK, O_APPEND, O_ASYNC)
	tty   int // a borrowed descriptor: 1 a terminal, -1 not, 0 not known yet

	// pass and passIndex (index+1 of its word) register the description
	// for pass-through (passthrough.go); set before it gets a descriptor.
	pass         *passThrough
	passIndex    uint32
	unregistered bool // by Unregister, once (the release function runs once)
}

// NewHostFile wraps a borrowed host descriptor (the console); Close leaves
// it open.
func NewHostFile(fd int, name string) *HostFile {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		fl = unix.O_RDWR
	}
	h := &HostFile{fd: fd, name: name, flags: fl}
	h.InitRefs(nil)
	return h
}

// NewOwnedHostFile takes ownership of a host descriptor created for the app.
// appFlags are the status flags the app asked for (O_NONBLOCK, access mode).
func NewOwnedHostFile(fd int, name string, appFlags int) *HostFile {
	unix.SetNonblock(fd, true)
	h := &HostFile{fd: fd, owned: true, name: name, flags: appFlags}
	h.InitRefs(h.Close)
	return h
}

// HostFD implements Pollable: the descriptor for host poll and epoll.
func (h *HostFile) HostFD() int { return h.fd }

// FD is the host descriptor.
func (h *HostFile) FD() int { return h.fd }

// Name is a description for /proc and traces ("pipe:[…]", "/dev/pts/0").
func (h *HostFile) Name() string { return h.name }

// StatusFlags implements FlagFile.
func (h *HostFile) StatusFlags() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.flags
}

// SetStatusFlags implements FlagFile: O_NONBLOCK, O_APPEND and O_ASYNC may
// change. O_ASYNC stays here (the host would signal elfloader): the
// kernel's watcher sends SIGIO (Kernel.UpdateAsync, async.go).
func (h *HostFile) SetStatusFlags(fl int) error {
	const settable = unix.O_NONBLOCK | unix.O_APPEND | unix.O_ASYNC
	h.mu.Lock()
	defer h.mu.Unlock()
	if fl&unix.O_APPEND != h.flags&unix.O_APPEND && h.owned {
		cur, err := unix.FcntlInt(uintptr(h.fd), unix.F_GETFL, 0)
		if err != nil {
			return err
		}
		if _, err := unix.FcntlInt(uintptr(h.fd), unix.F_SETFL, cur&^unix.O_APPEND|fl&unix.O_APPEND); err != nil {
			return err
		}
	}
	h.flags = h.flags&^settable | fl&settable
	if h.pass != nil {
		h.pass.setBit(h.passIndex, plat.PassWordNonblock, h.flags&unix.O_NONBLOCK != 0)
	}
	return nil
}

func (h *HostFile) nonblocking() bool { return h.StatusFlags()&unix.O_NONBLOCK != 0 }

// io runs one host I/O call with Linux's blocking rules.
func (h *HostFile) io(t *Task, events int16, op func() (int, error)) (int, error) {
	if !h.owned && !h.nonblocking() {
		// A borrowed descriptor stays in the mode the user gave it; wait
		// first so that a signal can interrupt the wait.
		if err := t.WaitHostFD(h.fd, events); err != nil {
			return 0, err
		}
	}
	for {
		n, err := op()
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && h.owned && !h.nonblocking():
			if err := t.WaitHostFD(h.fd, events); err != nil {
				return 0, err
			}
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

// Read implements File. A read of the console from a background process
// group gets SIGTTIN (checkTerminalAccess).
func (h *HostFile) Read(t *Task, p []byte) (int, error) {
	if h.terminal() {
		if err := t.checkTerminalAccess(sigTTIN); err != nil {
			return 0, err
		}
	}
	return h.io(t, unix.POLLIN, func() (int, error) { return h.rw(unix.SYS_READ, p) })
}

// terminal reports whether the descriptor is a borrowed terminal (the
// console); owned descriptors never are.
func (h *HostFile) terminal() bool {
	if h.owned {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tty == 0 {
		h.tty = -1
		if _, err := unix.IoctlGetTermios(h.fd, unix.TCGETS); err == nil {
			h.tty = 1
		}
	}
	return h.tty == 1
}

// checkTerminalWrite applies TOSTOP: with it set, a background process
// group writing to the console gets SIGTTOU.
func (h *HostFile) checkTerminalWrite(t *Task) error {
	if !h.terminal() {
		return nil
	}
	return consoleAccess(t, h.fd, sigTTOU)
}

// rw reads or writes the host descriptor. Owned descriptors are
// non-blocking, so the call cannot block and needs no scheduler hand-off
// (RawSyscall); a borrowed one (the console) may block and uses Syscall.
func (h *HostFile) rw(nr uintptr, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	call := unix.Syscall
	if h.owned {
		call = unix.RawSyscall
	}
	n, _, e := call(nr, uintptr(h.fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}

// Write implements File. A blocking write to a pipe or socket writes
// everything (waiting as needed) unless a signal interrupts after part of
// it; a write without readers raises SIGPIPE for the writer, as Linux
// does; a write to the console obeys TOSTOP (checkTerminalWrite).
func (h *HostFile) Write(t *Task, p []byte) (int, error) {
	if err := h.checkTerminalWrite(t); err != nil {
		return 0, err
	}
	n, err := h.io(t, unix.POLLOUT, func() (int, error) { return h.rw(unix.SYS_WRITE, p) })
	for err == nil && n < len(p) && h.owned && !h.nonblocking() {
		m, e := h.io(t, unix.POLLOUT, func() (int, error) { return h.rw(unix.SYS_WRITE, p[n:]) })
		n += m
		if e != nil {
			if n > 0 && e != unix.EPIPE {
				break // a partial write stands when a signal interrupts
			}
			err = e
		}
	}
	if err == unix.EPIPE {
		si := NewSigInfo(int(unix.SIGPIPE), linux.SI_USER)
		si.SetSender(t.p.PID, t.p.UID)
		t.SendSignal(si)
	}
	return n, err
}

// Unregister ends pass-through of the description (kernel/passthrough.go)
// and waits until no call passed through uses its host descriptor; Close
// calls it first. The release function of a description whose word names
// another host descriptor (an epoll instance's inner one) calls it before
// closing that one.
func (h *HostFile) Unregister() {
	if h.pass != nil && !h.unregistered {
		h.unregistered = true
		h.pass.unregister(h.passIndex)
	}
}

// Close closes an owned host descriptor (a borrowed one stays open). It
// is the release function of the description: the last DecRef calls it.
func (h *HostFile) Close() {
	h.stopAsync()
	h.Unregister() // no pass-through call still uses h.fd

	if h.owned {
		unix.Close(h.fd)
	}
}

// Stat implements Stater with the host descriptor's attributes.
func (h *HostFile) Stat(t *Task) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(h.fd, &st)
	return st, err
}

// Seek implements Seeker.
func (h *HostFile) Seek(t *Task, off int64, whence int) (int64, error) {
	return unix.Seek(h.fd, off, whence)
}

// Ioctl serves FIONREAD from the host descriptor and the terminal requests
// (TerminalIoctl) when the descriptor is a terminal; a pipe, socket or
// file answers ENOTTY, as on Linux.
func (h *HostFile) Ioctl(t *Task, req, arg uint64) (uint64, error) {
	if req == linux.FIONREAD {
		n, err := unix.IoctlGetInt(h.fd, linux.FIONREAD)
		if err != nil {
			return 0, err
		}
		ready := int32(n)
		return 0, CopyOutStruct(t, arg, &ready)
	}
	return TerminalIoctl(t, h.fd, req, arg)
}
