package event

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// pollEntry is one app descriptor being watched.
type pollEntry struct {
	fd      int
	events  int16
	revents int16
	file    kernel.File // held for the call; nil for a negative or bad fd
	host    int         // index in the host poll set, -1 for other files
}

// pollFiles takes a reference on each entry's file and builds the host
// poll set of the host-backed ones; a bad descriptor polls as POLLNVAL.
func pollFiles(t *kernel.Task, entries []pollEntry) []unix.PollFd {
	var hostSet []unix.PollFd
	for i := range entries {
		e := &entries[i]
		e.host, e.file = -1, nil
		if e.fd < 0 {
			continue
		}
		f, err := t.Process().Files().Get(e.fd)
		if err != nil {
			continue
		}
		e.file = f
		if pf, ok := f.(kernel.Pollable); ok {
			e.host = len(hostSet)
			hostSet = append(hostSet, unix.PollFd{Fd: int32(pf.HostFD()), Events: e.events})
		}
	}
	return hostSet
}

// releaseFiles drops the references pollFiles took.
func releaseFiles(entries []pollEntry) {
	for _, e := range entries {
		if e.file != nil {
			e.file.DecRef()
		}
	}
}

// alwaysReady is what a file without readiness reports (Linux's
// DEFAULT_POLLMASK).
const alwaysReady = vfs.EventIn | vfs.EventOut | vfs.EventRdNorm | vfs.EventWrNorm

// memoryReadiness sets revents of the entries that are not host
// descriptors (bad descriptors, in-memory files, files always ready) and
// counts the ready ones; waitable says whether any can change.
func memoryReadiness(entries []pollEntry) (ready int, waitable bool) {
	for i := range entries {
		e := &entries[i]
		e.revents = 0
		switch f := e.file.(type) {
		case nil:
			if e.fd >= 0 {
				e.revents = unix.POLLNVAL
			}
		case kernel.Pollable:
			continue
		case kernel.Waitable:
			e.revents = int16(f.Readiness(uint32(uint16(e.events))))
			waitable = true
		default:
			// Files without readiness are always readable and writable.
			e.revents = int16(uint32(uint16(e.events)) & alwaysReady)
		}
		if e.revents != 0 {
			ready++
		}
	}
	return ready, waitable
}

// doPoll waits for readiness of app descriptors; results land in entries.
// Host descriptors are watched by a host poll; in-memory files wake the
// same poll through a wakeFD registered on their wait queues.
func doPoll(t *kernel.Task, entries []pollEntry, deadline time.Time) (int, error) {
	hostSet := pollFiles(t, entries)
	defer releaseFiles(entries)
	var wake *wakeFD
	defer func() {
		if wake != nil {
			wake.close()
		}
	}()
	for {
		ready, waitable := memoryReadiness(entries)
		expired := !deadline.IsZero() && !time.Now().Before(deadline)
		if ready == 0 && waitable && wake == nil && !expired {
			var err error
			if wake, err = newWakeFD(); err != nil {
				return 0, err
			}
			for _, e := range entries {
				if w, ok := e.file.(kernel.Waitable); ok && e.host < 0 {
					wake.add(w, uint32(uint16(e.events)))
				}
			}
			continue // registered: look again, so no wake-up is lost
		}
		set := hostSet
		if wake != nil {
			set = append(hostSet[:len(hostSet):len(hostSet)], unix.PollFd{Fd: int32(wake.fd), Events: unix.POLLIN})
		}
		if len(set) == 0 {
			if ready == 0 && !deadline.IsZero() {
				// Nothing to watch: sleep until the deadline or a signal.
				if err := t.Block(nil, deadline); err != nil && err != unix.ETIMEDOUT {
					return 0, err
				}
			}
			return ready, nil
		}
		wait := deadline
		if ready > 0 {
			wait = time.Now()
		}
		n, err := t.PollHost(set, wait)
		if err != nil {
			return 0, err
		}
		if wake != nil && set[len(set)-1].Revents != 0 {
			wake.drain()
		}
		for i := range entries {
			if h := entries[i].host; h >= 0 && hostSet[h].Revents != 0 {
				entries[i].revents = hostSet[h].Revents
				ready++
			}
		}
		if ready > 0 || n == 0 {
			return ready, nil
		}
	}
}

func pollCall(t *kernel.Task, addr uint64, n uint64, deadline time.Time) (uint64, error) {
	if n > uint64(t.Process().Rlimit(unix.RLIMIT_NOFILE).Cur) {
		return 0, unix.EINVAL
	}
	fds := make([]unix.PollFd, n) // struct pollfd
	if err := kernel.CopyInStructs(t, addr, fds); err != nil {
		return 0, err
	}
	entries := make([]pollEntry, n)
	for i, p := range fds {
		entries[i].fd, entries[i].events = int(p.Fd), p.Events
	}
	ready, err := doPoll(t, entries, deadline)
	if err != nil {
		return 0, err
	}
	for i, e := range entries {
		fds[i].Revents = e.revents
	}
	return uint64(ready), kernel.CopyOutStructs(t, addr, fds)
}

func sysPoll(t *kernel.Task, a shim.Args) (uint64, error) {
	n, err := pollCall(t, a[0], a[1], msDeadline(a.Int(2)))
	if err == kernel.ERESTARTSYS {
		return 0, kernel.ERESTART_RESTARTBLOCK
	}
	return n, err
}

func sysPpoll(t *kernel.Task, a shim.Args) (uint64, error) {
	deadline, err := readTimeout(t, a[2])
	if err != nil {
		return 0, err
	}
	left := leftTimespec(t, a[2])
	return t.WithTemporaryMask(a[3], a[4], func() (uint64, error) {
		n, err := pollCall(t, a[0], a[1], deadline)
		left.write(t, deadline)
		return n, interrupted(err)
	})
}

// timeLeft writes the time left until the deadline back into the app's
// timeout when the call ends, as Linux does for select, pselect6 and ppoll
// (poll_select_finish): not for a zero timeout, and a failed write is
// ignored.
type timeLeft struct {
	addr  uint64
	usecs bool // a struct timeval (select), else a struct timespec
}

// leftTimespec is the timeLeft of a struct timespec timeout at addr (zero
// addr: none).
func leftTimespec(t *kernel.Task, addr uint64) timeLeft {
	var ts unix.Timespec
	if addr == 0 || kernel.CopyInStruct(t, addr, &ts) != nil || ts == (unix.Timespec{}) {
		return timeLeft{}
	}
	return timeLeft{addr: addr}
}

func (l timeLeft) write(t *kernel.Task, deadline time.Time) {
	if l.addr == 0 {
		return
	}
	left := max(time.Until(deadline), 0)
	if l.usecs {
		tv := unix.NsecToTimeval(left.Nanoseconds())
		_ = kernel.CopyOutStruct(t, l.addr, &tv)
		return
	}
	ts := unix.NsecToTimespec(left.Nanoseconds())
	_ = kernel.CopyOutStruct(t, l.addr, &ts)
}

// fd_set helpers: n descriptors, one bit each, in longs.
func readFdSet(t *kernel.Task, addr uint64, n int) ([]byte, error) {
	if addr == 0 {
		return nil, nil
	}
	b := make([]byte, (n+63)/64*8)
	return b, t.CopyIn(addr, b)
}

func selectCall(t *kernel.Task, n int, rAddr, wAddr, eAddr uint64, deadline time.Time) (uint64, error) {
	if n < 0 || n > 1<<20 {
		return 0, unix.EINVAL
	}
	sets := [3][]byte{}
	for i, addr := range []uint64{rAddr, wAddr, eAddr} {
		s, err := readFdSet(t, addr, n)
		if err != nil {
			return 0, err
		}
		sets[i] = s
	}
	events := [3]int16{unix.POLLIN | unix.POLLHUP | unix.POLLERR, unix.POLLOUT | unix.POLLERR, unix.POLLPRI}
	var entries []pollEntry
	for fd := 0; fd < n; fd++ {
		var ev int16
		for i, s := range sets {
			if s != nil && s[fd/8]&(1<<(fd%8)) != 0 {
				ev |= events[i]
			}
		}
		if ev != 0 {
			entries = append(entries, pollEntry{fd: fd, events: ev})
		}
	}
	for _, e := range entries {
		f, err := t.Process().Files().Get(e.fd)
		if err != nil {
			return 0, unix.EBADF
		}
		f.DecRef()
	}
	if _, err := doPoll(t, entries, deadline); err != nil {
		return 0, err
	}
	for i := range sets {
		for j := range sets[i] {
			sets[i][j] = 0
		}
	}
	count := 0
	for _, e := range entries {
		in := [3]bool{
			e.revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0,
			e.revents&(unix.POLLOUT|unix.POLLERR) != 0,
			e.revents&unix.POLLPRI != 0,
		}
		for i, s := range sets {
			if s != nil && in[i] && e.events&events[i] != 0 {
				s[e.fd/8] |= 1 << (e.fd % 8)
				count++
			}
		}
	}
	for i, addr := range []uint64{rAddr, wAddr, eAddr} {
		if addr != 0 {
			if err := t.CopyOut(addr, sets[i]); err != nil {
				return 0, err
			}
		}
	}
	return uint64(count), nil
}

func sysSelect(t *kernel.Task, a shim.Args) (uint64, error) {
	var deadline time.Time
	var left timeLeft
	if a[4] != 0 {
		var tv unix.Timeval
		if err := kernel.CopyInStruct(t, a[4], &tv); err != nil {
			return 0, err
		}
		if tv.Sec < 0 || tv.Usec < 0 {
			return 0, unix.EINVAL
		}
		deadline = time.Now().Add(time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond)
		if tv != (unix.Timeval{}) {
			left = timeLeft{addr: a[4], usecs: true}
		}
	}
	n, err := selectCall(t, a.Int(0), a[1], a[2], a[3], deadline)
	left.write(t, deadline)
	return n, interrupted(err)
}

func sysPselect6(t *kernel.Task, a shim.Args) (uint64, error) {
	deadline, err := readTimeout(t, a[4])
	if err != nil {
		return 0, err
	}
	// pselect6's sixth argument: struct { const sigset_t *ss; size_t ss_len; }.
	var sigmask [2]uint64
	if a[5] != 0 {
		if err := kernel.CopyInStruct(t, a[5], &sigmask); err != nil {
			return 0, err
		}
	}
	maskAddr, size := sigmask[0], sigmask[1]
	left := leftTimespec(t, a[4])
	return t.WithTemporaryMask(maskAddr, size, func() (uint64, error) {
		n, err := selectCall(t, a.Int(0), a[1], a[2], a[3], deadline)
		left.write(t, deadline)
		return n, interrupted(err)
	})
}
