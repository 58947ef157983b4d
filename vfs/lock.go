package vfs

import (
	"context"
	"math"
	"sync"

	"golang.org/x/sys/unix"
)

// Record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, and OFD locks). Locks
// belong to an owner chosen by the caller: the process for classic POSIX
// locks, the *File for OFD locks. They live in a per-inode table in the
// VFS; the last close of a File drops the locks it owns.

type lockKey struct{ dev, ino uint64 }

type recordLock struct {
	owner      any
	pid        int32
	typ        int16 // F_RDLCK or F_WRLCK
	start, end int64 // [start, end); end == math.MaxInt64 means "to EOF and beyond"
}

type lockTable struct {
	mu      sync.Mutex
	locks   []recordLock
	changed chan struct{} // closed and replaced whenever locks are released
}

func (v *VFS) lockTableFor(loc Location, create bool) (*lockTable, error) {
	if !create {
		// Most programs never lock: closing a file then costs no stat.
		v.locksMu.Lock()
		none := len(v.locks) == 0
		v.locksMu.Unlock()
		if none {
			return nil, nil
		}
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return nil, err
	}
	key := lockKey{st.Dev, st.Ino}
	v.locksMu.Lock()
	defer v.locksMu.Unlock()
	t := v.locks[key]
	if t == nil && create {
		t = &lockTable{changed: make(chan struct{})}
		v.locks[key] = t
	}
	return t, nil
}

// lockRange converts a struct flock's whence/start/len into [start, end).
func (f *File) lockRange(lk *unix.Flock_t) (int64, int64, error) {
	var base int64
	switch lk.Whence {
	case unix.SEEK_SET:
	case unix.SEEK_CUR:
		base = f.Offset()
	case unix.SEEK_END:
		st, err := f.Stat()
		if err != nil {
			return 0, 0, err
		}
		base = st.Size
	default:
		return 0, 0, unix.EINVAL
	}
	start := base + lk.Start
	if start < 0 {
		return 0, 0, unix.EINVAL
	}
	switch {
	case lk.Len == 0:
		return start, math.MaxInt64, nil
	case lk.Len > 0:
		if lk.Len > math.MaxInt64-start {
			return 0, 0, unix.EOVERFLOW
		}
		return start, start + lk.Len, nil
	default:
		if start+lk.Len < 0 {
			return 0, 0, unix.EINVAL
		}
		return start + lk.Len, start, nil
	}
}

func (t *lockTable) conflict(owner any, typ int16, start, end int64) *recordLock {
	for i := range t.locks {
		l := &t.locks[i]
		if l.owner == owner || l.end <= start || end <= l.start {
			continue
		}
		if typ == unix.F_WRLCK || l.typ == unix.F_WRLCK {
			return l
		}
	}
	return nil
}

// GetLock implements F_GETLK: lk describes the wanted lock; on return its
// type is F_UNLCK if it could be placed, or it describes a conflicting
// lock (whence SEEK_SET, pid of its owner).
func (f *File) GetLock(owner any, lk *unix.Flock_t) error {
	if !f.loc.Valid() {
		return unix.EINVAL
	}
	if lk.Type != unix.F_RDLCK && lk.Type != unix.F_WRLCK {
		return unix.EINVAL
	}
	start, end, err := f.lockRange(lk)
	if err != nil {
		return err
	}
	t, err := f.loc.Mount.vfs.lockTableFor(f.loc, false)
	if err != nil {
		return err
	}
	if t == nil {
		lk.Type = unix.F_UNLCK
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.conflict(owner, lk.Type, start, end)
	if c == nil {
		lk.Type = unix.F_UNLCK
		return nil
	}
	lk.Type, lk.Whence, lk.Start, lk.Pid = c.typ, unix.SEEK_SET, c.start, c.pid
	lk.Len = 0
	if c.end != math.MaxInt64 {
		lk.Len = c.end - c.start
	}
	return nil
}

// SetLock implements F_SETLK (wait false: EAGAIN on conflict) and
// F_SETLKW (wait true: blocks until the lock can be placed, EINTR when ctx
// is cancelled). pid is recorded for F_GETLK. F_UNLCK releases the range.
func (f *File) SetLock(ctx context.Context, owner any, pid int32, lk unix.Flock_t, wait bool) error {
	if !f.loc.Valid() {
		return unix.EINVAL
	}
	switch lk.Type {
	case unix.F_RDLCK:
		if !f.readable {
			return unix.EBADF
		}
	case unix.F_WRLCK:
		if !f.writable {
			return unix.EBADF
		}
	case unix.F_UNLCK:
	default:
		return unix.EINVAL
	}
	if lk.Type != unix.F_UNLCK {
		f.loc.Mount.vfs.markLocked()
	}
	start, end, err := f.lockRange(&lk)
	if err != nil {
		return err
	}
	t, err := f.loc.Mount.vfs.lockTableFor(f.loc, true)
	if err != nil {
		return err
	}
	for {
		t.mu.Lock()
		if lk.Type == unix.F_UNLCK || t.conflict(owner, lk.Type, start, end) == nil {
			t.replace(owner, pid, lk.Type, start, end)
			t.mu.Unlock()
			return nil
		}
		changed := t.changed
		t.mu.Unlock()
		if !wait {
			return unix.EAGAIN
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return unix.EINTR
		}
	}
}

// replace sets owner's lock state on [start, end) to typ (F_UNLCK
// removes). Caller holds t.mu.
func (t *lockTable) replace(owner any, pid int32, typ int16, start, end int64) {
	kept := t.locks[:0:0]
	released := false
	for _, l := range t.locks {
		if l.owner != owner || l.end <= start || end <= l.start {
			kept = append(kept, l)
			continue
		}
		released = true
		if l.start < start {
			left := l
			left.end = start
			kept = append(kept, left)
		}
		if end < l.end {
			right := l
			right.start = end
			kept = append(kept, right)
		}
	}
	if typ != unix.F_UNLCK {
		kept = append(kept, recordLock{owner: owner, pid: pid, typ: typ, start: start, end: end})
	}
	t.locks = kept
	if released {
		close(t.changed)
		t.changed = make(chan struct{})
	}
}

// ReleaseLocks drops every lock owner holds on this file's inode (POSIX
// semantics: the kernel calls it with the process as owner whenever the
// process closes any fd of the file).
func (f *File) ReleaseLocks(owner any) {
	if f.loc.Valid() {
		f.loc.Mount.vfs.releaseLocks(f.loc, owner)
	}
}

func (v *VFS) releaseLocks(loc Location, owner any) {
	t, err := v.lockTableFor(loc, false)
	if err != nil || t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.replace(owner, 0, unix.F_UNLCK, 0, math.MaxInt64)
}
