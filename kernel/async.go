package kernel

import (
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Signal-driven I/O (O_ASYNC): when input arrives on a file with O_ASYNC
// and an owner (F_SETOWN), the owner gets SIGIO, as Linux's kill_fasync
// sends it.
//
// Host-backed files (pipes, sockets) are watched by one goroutine of the
// kernel over a host epoll set. Each watched file has a private epoll set
// of its own, edge-triggered on input, inside the kernel's set: the private
// set is drained once when the file is added, so input already waiting
// then raises no SIGIO (Linux signals only what arrives later), and every
// later arrival is one edge, one SIGIO.

// asyncInputEvents are the host events that raise SIGIO: input, the peer's
// hang-up, an error.
const asyncInputEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLPRI | unix.EPOLLET

// asyncIO is the kernel's watcher of O_ASYNC host files.
type asyncIO struct {
	k       *Kernel
	mu      sync.Mutex
	epfd    int               // the kernel's set; -1 while no file is watched
	wake    int               // an eventfd in the set that ends the watcher when it runs dry
	watched map[int]*HostFile // by private epoll descriptor
}

// asyncWatch is a HostFile's registration: its private epoll descriptor.
type asyncWatch struct {
	a    *asyncIO
	epfd int
}

// async returns the kernel's O_ASYNC watcher.
func (k *Kernel) async() *asyncIO {
	k.asyncOnce.Do(func() { k.asyncIO = &asyncIO{k: k, epfd: -1, wake: -1} })
	return k.asyncIO
}

// UpdateAsync starts or stops the SIGIO watch of f after its status flags
// changed (F_SETFL, FIOASYNC): files the app owns on the host are watched
// while they have O_ASYNC. Other files keep the flag without a watch.
func (k *Kernel) UpdateAsync(f File) error {
	hf, ok := f.(hostBacked)
	if !ok || !hf.hostFile().owned {
		return nil
	}
	h := hf.hostFile()
	if h.StatusFlags()&unix.O_ASYNC == 0 {
		h.stopAsync()
		return nil
	}
	return k.async().add(h)
}

// hostBacked is implemented by HostFile and the files that embed it
// (sockets).
type hostBacked interface {
	hostFile() *HostFile
}

func (h *HostFile) hostFile() *HostFile { return h }

// add watches h.
func (a *asyncIO) add(h *HostFile) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if h.async.Load() != nil {
		return nil
	}
	if err := a.startLocked(); err != nil {
		return err
	}
	priv, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("O_ASYNC watch: %w", err)
	}
	if err := unix.EpollCtl(priv, unix.EPOLL_CTL_ADD, h.fd, &unix.EpollEvent{Events: asyncInputEvents}); err != nil {
		unix.Close(priv)
		return fmt.Errorf("O_ASYNC watch of fd %d: %w", h.fd, err)
	}
	drainEpoll(priv)
	if err := unix.EpollCtl(a.epfd, unix.EPOLL_CTL_ADD, priv, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(priv)}); err != nil {
		unix.Close(priv)
		return fmt.Errorf("O_ASYNC watch: %w", err)
	}
	a.watched[priv] = h
	h.async.Store(&asyncWatch{a: a, epfd: priv})
	return nil
}

// stopAsync ends h's SIGIO watch, if any (O_ASYNC cleared, or the file's
// last reference gone).
func (h *HostFile) stopAsync() {
	w := h.async.Swap(nil)
	if w == nil {
		return
	}
	a := w.a
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.watched, w.epfd)
	unix.EpollCtl(a.epfd, unix.EPOLL_CTL_DEL, w.epfd, nil)
	unix.Close(w.epfd)
	if len(a.watched) == 0 {
		// Let the watcher end; the next add starts another.
		unix.Write(a.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// startLocked creates the kernel's set and starts the watcher if none
// runs.
func (a *asyncIO) startLocked() error {
	if a.epfd >= 0 {
		return nil
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("O_ASYNC watcher: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err == nil {
		err = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)})
	}
	if err != nil {
		unix.Close(epfd)
		if wake >= 0 {
			unix.Close(wake)
		}
		return fmt.Errorf("O_ASYNC watcher: %w", err)
	}
	a.epfd, a.wake, a.watched = epfd, wake, map[int]*HostFile{}
	go a.run(epfd, wake)
	return nil
}

// run waits for input on the watched files and signals their owners; it
// ends when the last watch is gone.
func (a *asyncIO) run(epfd, wake int) {
	defer a.k.RecoverInternal("O_ASYNC watcher")
	events := make([]unix.EpollEvent, 16)
	for {
		n, err := unix.EpollWait(epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			a.k.Log().Error("O_ASYNC watcher stopped", "err", err)
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == wake {
				if a.stopIfIdle(epfd, wake) {
					return
				}
				continue
			}
			a.signalOwner(int(ev.Fd))
		}
	}
}

// stopIfIdle closes the kernel's set when nothing is watched any more.
func (a *asyncIO) stopIfIdle(epfd, wake int) bool {
	var buf [8]byte
	unix.Read(wake, buf[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.watched) > 0 {
		return false
	}
	unix.Close(epfd)
	unix.Close(wake)
	a.epfd, a.wake = -1, -1
	return true
}

// signalOwner consumes the edges of one file's private set and sends one
// SIGIO to the file's owner for them.
func (a *asyncIO) signalOwner(priv int) {
	a.mu.Lock()
	h := a.watched[priv]
	fired := h != nil && drainEpoll(priv)
	a.mu.Unlock()
	if fired {
		a.k.sendSIGIO(h.Owner())
	}
}

// drainEpoll takes every pending event of an edge-triggered set without
// waiting and reports whether there was one.
func drainEpoll(epfd int) bool {
	var events [1]unix.EpollEvent
	fired := false
	for {
		n, err := unix.EpollWait(epfd, events[:], 0)
		if err == unix.EINTR {
			continue
		}
		if n <= 0 {
			return fired
		}
		fired = true
	}
}

// sendSIGIO sends SIGIO to a file's owner as Linux does without F_SETSIG
// (si_code SI_KERNEL): to one thread, one process or every process of a
// group; no owner, no signal.
func (k *Kernel) sendSIGIO(o linux.FOwnerEx) {
	k.SignalOwner(o, NewSigInfo(int(unix.SIGIO), linux.SI_KERNEL))
}

// SignalOwner sends si to a file's owner (send_sigio): one thread, one
// process or every process of a group; no owner, no signal.
func (k *Kernel) SignalOwner(o linux.FOwnerEx, si SigInfo) {
	switch o.Type {
	case linux.F_OWNER_TID:
		if t := k.TaskByTID(int(o.Pid)); t != nil {
			t.SendSignal(si)
		}
	case linux.F_OWNER_PID:
		if p := k.ProcessByPID(int(o.Pid)); p != nil {
			p.SendSignal(si)
		}
	case linux.F_OWNER_PGRP:
		for _, p := range k.GroupMembers(int(o.Pid)) {
			p.SendSignal(si)
		}
	}
}

// asyncState is the HostFile's part: its watch while O_ASYNC is on.
type asyncState struct {
	async atomic.Pointer[asyncWatch]
}
