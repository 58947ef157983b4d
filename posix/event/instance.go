package event

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// epollFile is an epoll instance. Host descriptors are registered in a
// host epoll (inner), which carries the app's epoll_data untouched;
// in-memory files (ramfs FIFOs) are registered here, on their wait queues.
// The descriptor the app sees polled (HostFD, for poll, select and nested
// epoll) is an outer host epoll watching inner and a wake eventfd that the
// in-memory registrations write to, so it is readable whenever either kind
// has events.
type epollFile struct {
	*kernel.HostFile // the outer epoll
	inner            int
	wake             *wakeFD

	mu  sync.Mutex
	mem map[int]*memoryReg // by app descriptor

	// Host-backed registrations (hostreg.go): primary is by app
	// descriptor; subs are further registrations of a host descriptor
	// already in inner, watched through extra (-1 until the first).
	primary map[int]primaryReg
	subs    map[regKey]*subReg
	subByID map[uint64]*subReg
	extra   int
	nextID  uint64
}

// memoryReg is an in-memory file registered in an epoll instance.
type memoryReg struct {
	file   kernel.Waitable
	ev     unix.EpollEvent // the app's events (with EPOLLET, EPOLLONESHOT) and data
	waiter *vfs.Waiter
	// pending says an event came since the last report (edge-triggered
	// registrations report only then).
	pending atomic.Bool
	// disabled is an EPOLLONESHOT registration that has reported.
	disabled bool
}

func newEpollFile() (*epollFile, error) {
	outer, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	ep := &epollFile{HostFile: kernel.NewOwnedHostFile(outer, "anon_inode:[eventpoll]", unix.O_RDWR), inner: -1, mem: map[int]*memoryReg{},
		primary: map[int]primaryReg{}, subs: map[regKey]*subReg{}, subByID: map[uint64]*subReg{}, extra: -1}
	ep.InitRefs(ep.release)
	if ep.inner, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		ep.DecRef()
		return nil, err
	}
	if ep.wake, err = newWakeFD(); err != nil {
		ep.DecRef()
		return nil, err
	}
	for _, fd := range []int{ep.inner, ep.wake.fd} {
		if err := unix.EpollCtl(outer, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN}); err != nil {
			ep.DecRef()
			return nil, err
		}
	}
	return ep, nil
}

// release closes the instance with its last reference.
func (ep *epollFile) release() {
	ep.mu.Lock()
	for fd, r := range ep.mem {
		r.file.EventUnregister(r.waiter)
		delete(ep.mem, fd)
	}
	ep.mu.Unlock()
	ep.closeSubs()
	if ep.wake != nil {
		ep.wake.close()
	}
	// No pass-through call may use inner once it is closed (its number
	// could name another host descriptor then).
	ep.HostFile.Unregister()
	if ep.inner >= 0 {
		unix.Close(ep.inner)
	}
	ep.HostFile.Close()
}

// updatePassableLocked lets the platform take the instance's events from
// inner directly while every registration is there (kernel.HostFile.SetPassable).
// Called with ep.mu.
func (ep *epollFile) updatePassableLocked() {
	ep.HostFile.SetPassable(len(ep.mem) == 0 && len(ep.subs) == 0)
}

// epollAlways are the events every registration reports.
const epollAlways = unix.EPOLLERR | unix.EPOLLHUP

// ctlMemory serves epoll_ctl for an in-memory file.
func (ep *epollFile) ctlMemory(op, fd int, f kernel.Waitable, ev *unix.EpollEvent) error {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	r, exists := ep.mem[fd]
	if exists && (r.file != f || r.file.Released()) {
		// The descriptor was closed and now names another file: Linux
		// keys registrations by file and descriptor, the old one is gone
		// from this descriptor's point of view.
		r.file.EventUnregister(r.waiter)
		delete(ep.mem, fd)
		exists = false
	}
	switch {
	case op == unix.EPOLL_CTL_ADD && exists:
		return unix.EEXIST
	case op != unix.EPOLL_CTL_ADD && !exists:
		return unix.ENOENT
	case op == unix.EPOLL_CTL_DEL:
		r.file.EventUnregister(r.waiter)
		delete(ep.mem, fd)
		ep.updatePassableLocked()
		return nil
	case op != unix.EPOLL_CTL_ADD && op != unix.EPOLL_CTL_MOD:
		return unix.EINVAL
	}
	if exists {
		r.file.EventUnregister(r.waiter)
	}
	r = &memoryReg{file: f, ev: *ev}
	r.waiter = vfs.NewCallbackWaiter(ev.Events&^(unix.EPOLLET|unix.EPOLLONESHOT), func(uint32) {
		r.pending.Store(true)
		ep.wake.wake()
	})
	// A file already ready reports once, edge-triggered or not.
	r.pending.Store(true)
	ep.HostFile.SetPassable(false) // its events are not all in inner now
	ep.mem[fd] = r
	f.EventRegister(r.waiter)
	ep.wake.wake()
	return nil
}

// readyMemory collects up to len(out) events of in-memory registrations,
// and leaves the wake eventfd readable exactly when some remain ready.
func (ep *epollFile) readyMemory(out []unix.EpollEvent) int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if len(ep.mem) == 0 {
		return 0
	}
	ep.wake.drain()
	n, more := 0, false
	for fd, r := range ep.mem {
		if r.file.Released() {
			// Its last descriptor closed: Linux drops it from the set.
			r.file.EventUnregister(r.waiter)
			delete(ep.mem, fd)
			continue
		}
		if r.disabled {
			continue
		}
		edge := r.ev.Events&unix.EPOLLET != 0
		if edge && !r.pending.Load() {
			continue
		}
		mask := r.ev.Events &^ (unix.EPOLLET | unix.EPOLLONESHOT)
		got := r.file.Readiness(mask|epollAlways) & (mask | epollAlways)
		if got == 0 {
			if edge {
				r.pending.Store(false)
			}
			continue
		}
		if n == len(out) {
			more = true
			continue
		}
		out[n] = unix.EpollEvent{Events: got, Fd: r.ev.Fd, Pad: r.ev.Pad}
		n++
		if edge {
			r.pending.Store(false)
		}
		if r.ev.Events&unix.EPOLLONESHOT != 0 {
			r.disabled = true
		} else if !edge {
			more = true // level-triggered: still ready next time
		}
	}
	if more {
		ep.wake.wake()
	}
	return n
}
