package event

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// Linux keys an epoll registration by (descriptor number, open file
// description): a descriptor and its dup are two registrations, each with
// its own events and data, added, modified and deleted on its own, and all
// of them stay until the description's last descriptor closes (epoll(7),
// Q6). App descriptors that are dups of one another share one host
// descriptor, and the host epoll keys registrations by (host descriptor,
// host file): the first app descriptor of a host file is registered in
// inner (its primary registration); each further one gets a host epoll of
// its own (a subReg) holding the same host descriptor with the app's
// events and data, watched through the extra host epoll. A host epoll
// holds no reference to what it watches, so the host drops every one of
// these registrations when the host description is released, as Linux
// does.

// regKey names a registration as Linux does.
type regKey struct {
	fd   int
	file kernel.File
}

// primaryReg is the registration of an app descriptor in inner.
type primaryReg struct {
	file   kernel.File
	hostFD int
}

// subReg is a further registration of a host descriptor already in inner.
type subReg struct {
	key    regKey
	hostFD int
	ep     int    // its own host epoll, holding hostFD
	id     uint64 // its data in extra
}

// released reports whether f's last reference is gone (its host
// descriptor closed, the host dropped its registrations).
func released(f kernel.File) bool {
	if r, ok := f.(interface{ Refs() int64 }); ok {
		return r.Refs() <= 0
	}
	return false
}

// ctlHost serves epoll_ctl for a file backed by host descriptor hostFD.
func (ep *epollFile) ctlHost(op, fd int, f kernel.File, hostFD int, ev *unix.EpollEvent) error {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	key := regKey{fd, f}
	if p, ok := ep.primary[fd]; ok && (p.file != f || released(p.file)) {
		// fd was closed and names another file now: the old
		// registration is no longer this descriptor's (and is gone from
		// the host once its file is released).
		delete(ep.primary, fd)
	}
	sub := ep.subs[key]
	isPrimary := ep.primary[fd].file == f
	switch op {
	case unix.EPOLL_CTL_ADD:
		if sub != nil || isPrimary {
			return unix.EEXIST
		}
		err := unix.EpollCtl(ep.inner, op, hostFD, ev)
		if err == unix.EEXIST {
			// Another app descriptor of the same host file holds
			// inner's registration.
			return ep.addSub(key, hostFD, ev)
		}
		if err == nil {
			ep.primary[fd] = primaryReg{file: f, hostFD: hostFD}
		}
		return err
	case unix.EPOLL_CTL_MOD, unix.EPOLL_CTL_DEL:
		switch {
		case sub != nil && op == unix.EPOLL_CTL_DEL:
			ep.dropSub(sub)
			return nil
		case sub != nil:
			return unix.EpollCtl(sub.ep, op, hostFD, ev)
		case !isPrimary:
			return unix.ENOENT
		}
		err := unix.EpollCtl(ep.inner, op, hostFD, ev)
		if op == unix.EPOLL_CTL_DEL && (err == nil || err == unix.ENOENT) {
			delete(ep.primary, fd)
		}
		return err
	}
	return unix.EINVAL
}

// addSub registers key through a host epoll of its own. Called with ep.mu.
func (ep *epollFile) addSub(key regKey, hostFD int, ev *unix.EpollEvent) error {
	ep.pruneSubs()
	if ep.extra < 0 {
		extra, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return err
		}
		if err := unix.EpollCtl(ep.FD(), unix.EPOLL_CTL_ADD, extra, &unix.EpollEvent{Events: unix.EPOLLIN}); err != nil {
			unix.Close(extra)
			return err
		}
		ep.extra = extra
	}
	sfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := unix.EpollCtl(sfd, unix.EPOLL_CTL_ADD, hostFD, ev); err != nil {
		unix.Close(sfd)
		return err
	}
	ep.nextID++
	s := &subReg{key: key, hostFD: hostFD, ep: sfd, id: ep.nextID}
	// The sub-epoll is readable while its registration has an event to
	// report (edge-triggered and one-shot rules apply inside it).
	xev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(s.id), Pad: int32(s.id >> 32)}
	if err := unix.EpollCtl(ep.extra, unix.EPOLL_CTL_ADD, sfd, &xev); err != nil {
		unix.Close(sfd)
		return err
	}
	ep.HostFile.SetPassable(false) // its events are not all in inner now
	ep.subs[key] = s
	ep.subByID[s.id] = s
	return nil
}

// dropSub removes a further registration. Called with ep.mu.
func (ep *epollFile) dropSub(s *subReg) {
	delete(ep.subs, s.key)
	delete(ep.subByID, s.id)
	unix.Close(s.ep) // leaves extra with it
	ep.updatePassableLocked()
}

// pruneSubs drops the further registrations of released files (the host
// already emptied their epolls). Called with ep.mu.
func (ep *epollFile) pruneSubs() {
	for _, s := range ep.subs {
		if released(s.key.file) {
			ep.dropSub(s)
		}
	}
}

// readySubs collects up to len(out) events of the further registrations.
func (ep *epollFile) readySubs(out []unix.EpollEvent) int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if len(ep.subs) == 0 || len(out) == 0 {
		return 0
	}
	ids := make([]unix.EpollEvent, min(len(out), len(ep.subs)))
	m, err := epollPoll(ep.extra, ids)
	if err != nil {
		return 0
	}
	n := 0
	for _, xev := range ids[:m] {
		s := ep.subByID[uint64(uint32(xev.Fd))|uint64(uint32(xev.Pad))<<32]
		if s == nil {
			continue
		}
		if k, err := epollPoll(s.ep, out[n:n+1]); err == nil && k == 1 {
			n++
		}
	}
	return n
}

// closeSubs closes every further registration (the instance's release).
func (ep *epollFile) closeSubs() {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for _, s := range ep.subs {
		ep.dropSub(s)
	}
	if ep.extra >= 0 {
		unix.Close(ep.extra)
		ep.extra = -1
	}
}
