package event

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_EPOLL_CREATE, shim.Full, "", sysEpollCreate)
	tb.Register(unix.SYS_EPOLL_CREATE1, shim.Full, "", sysEpollCreate1)
	tb.Register(unix.SYS_EPOLL_CTL, shim.Partial, "host-backed files (pipes, sockets, eventfd, timerfd, signalfd, epoll, console) and ramfs FIFOs; regular files EPERM", sysEpollCtl)
	tb.Register(unix.SYS_EPOLL_WAIT, shim.Full, "", sysEpollWait)
	tb.Register(unix.SYS_EPOLL_PWAIT, shim.Full, "", sysEpollPwait)
	tb.Register(unix.SYS_EPOLL_PWAIT2, shim.Full, "", sysEpollPwait2)
	tb.Register(unix.SYS_EVENTFD, shim.Full, "", sysEventfd)
	tb.Register(unix.SYS_EVENTFD2, shim.Full, "EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC", sysEventfd2)
	tb.Register(unix.SYS_POLL, shim.Full, "", sysPoll)
	tb.Register(unix.SYS_PPOLL, shim.Full, "", sysPpoll)
	tb.Register(unix.SYS_SELECT, shim.Full, "", sysSelect)
	tb.Register(unix.SYS_PSELECT6, shim.Full, "", sysPselect6)
	tb.Register(unix.SYS_TIMERFD_CREATE, shim.Full, "host timerfds: CLOCK_REALTIME, MONOTONIC, BOOTTIME", sysTimerfdCreate)
	tb.Register(unix.SYS_TIMERFD_SETTIME, shim.Full, "", sysTimerfdSettime)
	tb.Register(unix.SYS_TIMERFD_GETTIME, shim.Full, "", sysTimerfdGettime)
}

func newEpoll(t *kernel.Task, cloexec bool) (uint64, error) {
	ep, err := newEpollFile()
	if err != nil {
		return 0, err
	}
	defer ep.DecRef()
	t.PassThroughEpoll(ep.HostFile, ep.inner)
	nfd, err := t.Process().Files().Install(ep, 0, cloexec)
	return uint64(nfd), err
}

func sysEpollCreate(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0) <= 0 {
		return 0, unix.EINVAL
	}
	return newEpoll(t, false)
}

func sysEpollCreate1(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0)&^unix.EPOLL_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	return newEpoll(t, a.Int(0)&unix.EPOLL_CLOEXEC != 0)
}

func getEpoll(t *kernel.Task, fd int) (*epollFile, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, err
	}
	ep, ok := f.(*epollFile)
	if !ok {
		f.DecRef()
		return nil, unix.EINVAL
	}
	return ep, nil
}

func sysEpollCtl(t *kernel.Task, a shim.Args) (uint64, error) {
	epfd, op, fd := a.Int(0), a.Int(1), a.Int(2)
	ep, err := getEpoll(t, epfd)
	if err != nil {
		return 0, err
	}
	defer ep.DecRef()
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if fd == epfd {
		return 0, unix.EINVAL
	}
	// unix.EpollEvent is the kernel's packed 12-byte epoll_event.
	var ev unix.EpollEvent
	if op != unix.EPOLL_CTL_DEL {
		if err := kernel.CopyInStruct(t, a[3], &ev); err != nil {
			return 0, err
		}
	}
	switch pf := f.(type) {
	case kernel.Pollable:
		// The app's epoll_data travels through the host untouched.
		return 0, ep.ctlHost(op, fd, f, pf.HostFD(), &ev)
	case *kernel.VFSFile:
		if pf.F.Waitable() {
			return 0, ep.ctlMemory(op, fd, pf, &ev)
		}
	case kernel.Waitable:
		// Other in-memory files (inotify).
		return 0, ep.ctlMemory(op, fd, pf, &ev)
	}
	return 0, unix.EPERM // regular files and directories: always ready
}

const epollEventSize = linux.SizeofEpollEvent

func epollWait(t *kernel.Task, epfd int, evAddr uint64, max int, deadline time.Time) (uint64, error) {
	if max <= 0 || max > (1<<31-1)/epollEventSize {
		return 0, unix.EINVAL
	}
	ep, err := getEpoll(t, epfd)
	if err != nil {
		return 0, err
	}
	defer ep.DecRef()
	// Linux checks only that the array lies in the user address space;
	// a fault comes when an event is copied out, and the event stays
	// ready. So take at most as many events as the app can receive.
	if !kernel.AccessOK(evAddr, uint64(max*epollEventSize)) {
		return 0, unix.EFAULT
	}
	room := int(t.MM().Prefix(evAddr, uint64(max*epollEventSize), true) / epollEventSize)
	if room == 0 {
		return waitThenFault(t, ep.FD(), deadline)
	}
	k := min(room, 1024)
	events := unsafe.Slice((*unix.EpollEvent)(unsafe.Pointer(&t.Scratch(k * epollEventSize)[0])), k)
	for {
		n, err := ep.collect(events)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			return uint64(n), kernel.CopyOutStructs(t, evAddr, events[:n])
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return 0, nil
		}
		ready, err := t.PollHost([]unix.PollFd{{Fd: int32(ep.FD()), Events: unix.POLLIN}}, deadline)
		if err != nil {
			return 0, interrupted(err)
		}
		if ready == 0 {
			return 0, nil
		}
	}
}

// collect takes the ready events without waiting: in-memory files first,
// then host descriptors in the room left.
func (ep *epollFile) collect(events []unix.EpollEvent) (int, error) {
	n := ep.readyMemory(events)
	if n == len(events) {
		return n, nil
	}
	for {
		m, err := epollPoll(ep.inner, events[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil && n == 0 {
			return 0, err
		}
		n += m
		if n < len(events) {
			n += ep.readySubs(events[n:])
		}
		return n, nil
	}
}

// waitThenFault serves an epoll_wait whose array cannot take a single
// event: it waits like epoll_wait and answers EFAULT once an event is ready,
// without taking it.
func waitThenFault(t *kernel.Task, epfd int, deadline time.Time) (uint64, error) {
	ready, err := t.PollHost([]unix.PollFd{{Fd: int32(epfd), Events: unix.POLLIN}}, deadline)
	if err != nil {
		return 0, interrupted(err)
	}
	if ready > 0 {
		return 0, unix.EFAULT
	}
	return 0, nil
}

// interrupted maps an interrupted wait to EINTR: these calls never restart.
func interrupted(err error) error {
	if err == kernel.ERESTARTSYS {
		return unix.EINTR
	}
	return err
}

func msDeadline(ms int) time.Time {
	switch {
	case ms < 0:
		return time.Time{}
	case ms == 0:
		return time.Now()
	}
	return time.Now().Add(time.Duration(ms) * time.Millisecond)
}

func sysEpollWait(t *kernel.Task, a shim.Args) (uint64, error) {
	return epollWait(t, a.Int(0), a[1], a.Int(2), msDeadline(a.Int(3)))
}

func sysEpollPwait(t *kernel.Task, a shim.Args) (uint64, error) {
	return t.WithTemporaryMask(a[4], a[5], func() (uint64, error) {
		return epollWait(t, a.Int(0), a[1], a.Int(2), msDeadline(a.Int(3)))
	})
}

func readTimeout(t *kernel.Task, addr uint64) (time.Time, error) {
	if addr == 0 {
		return time.Time{}, nil
	}
	var ts unix.Timespec
	if err := kernel.CopyInStruct(t, addr, &ts); err != nil {
		return time.Time{}, err
	}
	sec, nsec := ts.Sec, ts.Nsec
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return time.Time{}, unix.EINVAL
	}
	return time.Now().Add(time.Duration(sec)*time.Second + time.Duration(nsec)), nil
}

func sysEpollPwait2(t *kernel.Task, a shim.Args) (uint64, error) {
	deadline, err := readTimeout(t, a[3])
	if err != nil {
		return 0, err
	}
	return t.WithTemporaryMask(a[4], a[5], func() (uint64, error) {
		return epollWait(t, a.Int(0), a[1], a.Int(2), deadline)
	})
}

func sysEventfd(t *kernel.Task, a shim.Args) (uint64, error) {
	return eventfd(t, uint(a[0]), 0)
}

func sysEventfd2(t *kernel.Task, a shim.Args) (uint64, error) {
	return eventfd(t, uint(a[0]), a.Int(1))
}

func eventfd(t *kernel.Task, initval uint, flags int) (uint64, error) {
	if flags&^(unix.EFD_CLOEXEC|unix.EFD_NONBLOCK|unix.EFD_SEMAPHORE) != 0 {
		return 0, unix.EINVAL
	}
	fd, err := unix.Eventfd(initval, unix.EFD_CLOEXEC|flags&unix.EFD_SEMAPHORE)
	if err != nil {
		return 0, err
	}
	f := kernel.NewOwnedHostFile(fd, "anon_inode:[eventfd]", unix.O_RDWR|flags&unix.O_NONBLOCK)
	defer f.DecRef()
	nfd, err := t.Process().Files().Install(f, 0, flags&unix.EFD_CLOEXEC != 0)
	return uint64(nfd), err
}

// epollPoll collects ready events without waiting: a call that cannot
// block, so RawSyscall spares the scheduler a P hand-off.
func epollPoll(epfd int, events []unix.EpollEvent) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
