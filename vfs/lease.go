package vfs

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// File leases (fcntl F_SETLEASE/F_GETLEASE, fcntl(2) "Leases"). A lease
// belongs to an open file description of a regular file. An open that
// conflicts with a lease (any open against a write lease; an open for
// writing or with O_TRUNC against a read lease) breaks it: the holder is
// told (the notify function its F_SETLEASE gave, which sends the signal)
// and the opener waits until the holder downgrades or removes the lease or
// the lease-break time runs out, when the kernel does it for the holder.
// Leases are elfloader's own state, whatever filesystem holds the file
// (another host process opening a hostfs file breaks nothing).
//
// The table also counts the open descriptions of each regular file that
// has been opened since the VFS started (readers: read-only opens,
// writers: opens for writing), as Linux's i_readcount and i_writecount:
// a read lease needs no writers, a write lease no other open at all.

// DefaultLeaseBreakTime is /proc/sys/fs/lease-break-time's default, in
// seconds.
const DefaultLeaseBreakTime = 45

// noBreak is a lease's target while no break is under way (F_RDLCK is 0).
const noBreak = -1

// lease is one file description's lease.
type lease struct {
	file     *File
	typ      int16 // F_RDLCK or F_WRLCK
	target   int16 // during a break: F_RDLCK or F_UNLCK; noBreak otherwise
	deadline time.Time
	notify   func()
}

// inodeOpens is the lease state of one inode.
type inodeOpens struct {
	readers, writers int
	leases           []*lease
	changed          chan struct{} // made by a waiter; closed (and dropped) when a lease changes
}

// leaseTable is the VFS's table of open counts and leases.
type leaseTable struct {
	mu           sync.Mutex
	inodes       map[WatchKey]*inodeOpens
	breakTime    int // seconds, once breakTimeSet
	breakTimeSet bool
}

// LeaseBreakTime returns /proc/sys/fs/lease-break-time in seconds.
func (v *VFS) LeaseBreakTime() int {
	v.leases.mu.Lock()
	defer v.leases.mu.Unlock()
	if !v.leases.breakTimeSet {
		return DefaultLeaseBreakTime
	}
	return v.leases.breakTime
}

// SetLeaseBreakTime sets /proc/sys/fs/lease-break-time (seconds; Linux
// takes any int, and 0 or less breaks leases at once).
func (v *VFS) SetLeaseBreakTime(seconds int) {
	v.leases.mu.Lock()
	defer v.leases.mu.Unlock()
	v.leases.breakTime, v.leases.breakTimeSet = seconds, true
}

func (lt *leaseTable) breakTimeLocked() time.Duration {
	if !lt.breakTimeSet {
		return DefaultLeaseBreakTime * time.Second
	}
	return time.Duration(max(lt.breakTime, 0)) * time.Second
}

// opened counts a new open description of the regular file at loc.
func (lt *leaseTable) opened(key WatchKey, readOnly bool) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.inodes == nil {
		lt.inodes = make(map[WatchKey]*inodeOpens)
	}
	st := lt.inodes[key]
	if st == nil {
		st = &inodeOpens{}
		lt.inodes[key] = st
	}
	if readOnly {
		st.readers++
	} else {
		st.writers++
	}
}

// closed undoes opened, dropping f's lease (the description is gone).
func (lt *leaseTable) closed(key WatchKey, f *File, readOnly bool) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	st := lt.inodes[key]
	if st == nil {
		return
	}
	if readOnly {
		st.readers--
	} else {
		st.writers--
	}
	if f != nil {
		st.removeLocked(f)
	}
	if st.readers == 0 && st.writers == 0 && len(st.leases) == 0 {
		delete(lt.inodes, key)
	}
}

// changedLocked wakes the openers waiting on the inode's leases.
func (st *inodeOpens) changedLocked() {
	if st.changed != nil {
		close(st.changed)
		st.changed = nil
	}
}

func (st *inodeOpens) find(f *File) int {
	for i, l := range st.leases {
		if l.file == f {
			return i
		}
	}
	return -1
}

func (st *inodeOpens) removeLocked(f *File) bool {
	i := st.find(f)
	if i < 0 {
		return false
	}
	st.leases = append(st.leases[:i], st.leases[i+1:]...)
	st.changedLocked()
	return true
}

// expireLocked does for the holders what they did not do in time: a
// lease whose break time ran out is downgraded to a read lease or removed
// (Linux's time_out_leases).
func (st *inodeOpens) expireLocked(now time.Time) {
	for i := 0; i < len(st.leases); i++ {
		l := st.leases[i]
		if l.target == noBreak || now.Before(l.deadline) {
			continue
		}
		if l.target == unix.F_UNLCK {
			st.leases = append(st.leases[:i], st.leases[i+1:]...)
			i--
		} else {
			l.typ, l.target = unix.F_RDLCK, noBreak
		}
		st.changedLocked()
	}
}

// leaseKey returns the key of f's inode if f can hold a lease.
func (f *File) leaseKey() (WatchKey, bool) {
	if !f.loc.Valid() || f.impl == nil || f.loc.Dentry.typ != unix.S_IFREG {
		return WatchKey{}, false
	}
	return f.loc.WatchKey(), true
}

// SetLease implements F_SETLEASE on f: typ is F_RDLCK, F_WRLCK or
// F_UNLCK; notify is called (without locks held) when an open breaks the
// lease. The caller checks the ownership rule (EACCES). EINVAL for a file
// that is no regular file; EAGAIN when the opens of the file or another
// lease forbid it, or when F_UNLCK finds no lease.
func (f *File) SetLease(typ int16, notify func()) error {
	key, ok := f.leaseKey()
	if !ok {
		return unix.EINVAL
	}
	if typ != unix.F_UNLCK {
		f.loc.Mount.vfs.markLocked()
	}
	lt := &f.loc.Mount.vfs.leases
	lt.mu.Lock()
	defer lt.mu.Unlock()
	st := lt.inodes[key]
	if st == nil {
		return unix.EAGAIN // not counted: cannot happen for an open file
	}
	st.expireLocked(time.Now())
	if typ == unix.F_UNLCK {
		if !st.removeLocked(f) {
			return unix.EAGAIN
		}
		return nil
	}
	// Linux's check_conflicting_open: a read lease needs no writer, a
	// write lease no open but this one.
	switch typ {
	case unix.F_RDLCK:
		if st.writers > 0 {
			return unix.EAGAIN
		}
	case unix.F_WRLCK:
		selfR, selfW := 0, 0
		if f.writable {
			selfW = 1
		} else {
			selfR = 1
		}
		if st.readers != selfR || st.writers != selfW {
			return unix.EAGAIN
		}
	default:
		return unix.EINVAL
	}
	var mine *lease
	for _, l := range st.leases {
		if l.file == f {
			mine = l
			continue
		}
		if typ == unix.F_WRLCK || l.target == unix.F_UNLCK {
			return unix.EAGAIN
		}
	}
	if mine == nil {
		st.leases = append(st.leases, &lease{file: f, typ: typ, target: noBreak, notify: notify})
		return nil
	}
	// Changing one's own lease answers a pending downgrade (lease_modify).
	mine.typ = typ
	if mine.target == unix.F_RDLCK {
		mine.target = noBreak
	}
	mine.notify = notify
	st.changedLocked()
	return nil
}

// GetLease implements F_GETLEASE: the type of f's lease, or during a
// break the type it is being broken to; F_UNLCK without a lease.
func (f *File) GetLease() int16 {
	key, ok := f.leaseKey()
	if !ok {
		return unix.F_UNLCK
	}
	lt := &f.loc.Mount.vfs.leases
	lt.mu.Lock()
	defer lt.mu.Unlock()
	st := lt.inodes[key]
	if st == nil {
		return unix.F_UNLCK
	}
	st.expireLocked(time.Now())
	i := st.find(f)
	if i < 0 {
		return unix.F_UNLCK
	}
	if l := st.leases[i]; l.target != noBreak {
		return l.target
	}
	return st.leases[i].typ
}

// breakLeases breaks the leases of the inode key that an open conflicts
// with (write: an open for writing or truncating, which breaks every
// lease; else only write leases, downgraded to read leases), then waits
// until none is left or ctx ends (EINTR). A non-blocking opener starts the
// break and gets EWOULDBLOCK (Linux's __break_lease).
func (lt *leaseTable) breakLeases(ctx context.Context, key WatchKey, write, nonblock bool) error {
	for {
		lt.mu.Lock()
		st := lt.inodes[key]
		if st == nil || len(st.leases) == 0 {
			lt.mu.Unlock()
			return nil
		}
		now := time.Now()
		st.expireLocked(now)
		var notify []func()
		var next time.Time
		conflicts := false
		for _, l := range st.leases {
			if !write && l.typ != unix.F_WRLCK {
				continue
			}
			conflicts = true
			switch {
			case write && l.target != unix.F_UNLCK:
				l.target, l.deadline = unix.F_UNLCK, now.Add(lt.breakTimeLocked())
				notify = append(notify, l.notify)
			case !write && l.target == noBreak:
				l.target, l.deadline = unix.F_RDLCK, now.Add(lt.breakTimeLocked())
				notify = append(notify, l.notify)
			}
			if next.IsZero() || l.deadline.Before(next) {
				next = l.deadline
			}
		}
		if st.changed == nil {
			st.changed = make(chan struct{})
		}
		ch := st.changed
		lt.mu.Unlock()
		for _, n := range notify {
			if n != nil {
				n()
			}
		}
		if !conflicts {
			return nil
		}
		if nonblock {
			return unix.EWOULDBLOCK
		}
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ch:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return unix.EINTR
		}
		timer.Stop()
	}
}
