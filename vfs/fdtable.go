package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// DefaultFDLimit is the initial RLIMIT_NOFILE of a new FDTable.
const DefaultFDLimit = 1024

type fdEntry struct {
	file    *File
	cloexec bool
}

// FDTable maps file descriptors to open file descriptions. Each installed
// fd holds one reference on its File.
type FDTable struct {
	mu    sync.Mutex
	fds   []fdEntry
	limit int
}

// NewFDTable returns an empty table with the given RLIMIT_NOFILE (fds
// must be < limit).
func NewFDTable(limit int) *FDTable {
	if limit <= 0 {
		limit = DefaultFDLimit
	}
	return &FDTable{limit: limit}
}

// SetLimit changes RLIMIT_NOFILE; existing fds above it stay open.
func (t *FDTable) SetLimit(limit int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limit = limit
}

// Limit returns RLIMIT_NOFILE.
func (t *FDTable) Limit() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit
}

// Install puts f at the lowest free fd ≥ min, taking a new reference. It
// returns EMFILE when no fd below the limit is free and EINVAL if min is
// out of range.
func (t *FDTable) Install(f *File, min int, cloexec bool) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if min < 0 || min >= t.limit {
		return -1, unix.EINVAL
	}
	fd := min
	for ; fd < len(t.fds); fd++ {
		if t.fds[fd].file == nil {
			break
		}
	}
	if fd >= t.limit {
		return -1, unix.EMFILE
	}
	t.setLocked(fd, f, cloexec)
	return fd, nil
}

// setLocked stores f at fd and returns the File it replaced.
func (t *FDTable) setLocked(fd int, f *File, cloexec bool) *File {
	for fd >= len(t.fds) {
		t.fds = append(t.fds, fdEntry{})
	}
	old := t.fds[fd].file
	f.IncRef()
	t.fds[fd] = fdEntry{file: f, cloexec: cloexec}
	return old
}

// Get returns the File at fd with a new reference that the caller must
// drop with DecRef, or EBADF.
func (t *FDTable) Get(fd int) (*File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		return nil, unix.EBADF
	}
	f := t.fds[fd].file
	f.IncRef()
	return f, nil
}

// Close removes fd (EBADF if it is not open) and drops its reference.
// If lockOwner is not nil, the POSIX record locks it holds on the file are
// released first (pass the process: closing any fd drops its locks).
func (t *FDTable) Close(fd int, lockOwner any) error {
	t.mu.Lock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		t.mu.Unlock()
		return unix.EBADF
	}
	f := t.fds[fd].file
	t.fds[fd] = fdEntry{}
	t.mu.Unlock()
	if lockOwner != nil {
		f.ReleaseLocks(lockOwner)
	}
	f.DecRef()
	return nil
}

// Dup implements dup(2) and F_DUPFD/F_DUPFD_CLOEXEC: the lowest free fd
// ≥ min gets the same File.
func (t *FDTable) Dup(oldfd, min int, cloexec bool) (int, error) {
	f, err := t.Get(oldfd)
	if err != nil {
		return -1, err
	}
	defer f.DecRef()
	return t.Install(f, min, cloexec)
}

// Dup2 implements dup2(2): newfd == oldfd returns newfd if it is valid.
func (t *FDTable) Dup2(oldfd, newfd int) (int, error) {
	if oldfd == newfd {
		f, err := t.Get(oldfd)
		if err != nil {
			return -1, err
		}
		f.DecRef()
		return newfd, nil
	}
	return t.dupTo(oldfd, newfd, false)
}

// Dup3 implements dup3(2): EINVAL when newfd == oldfd or for flags other
// than O_CLOEXEC.
func (t *FDTable) Dup3(oldfd, newfd int, flags int) (int, error) {
	if flags&^unix.O_CLOEXEC != 0 || oldfd == newfd {
		return -1, unix.EINVAL
	}
	return t.dupTo(oldfd, newfd, flags&unix.O_CLOEXEC != 0)
}

func (t *FDTable) dupTo(oldfd, newfd int, cloexec bool) (int, error) {
	t.mu.Lock()
	if oldfd < 0 || oldfd >= len(t.fds) || t.fds[oldfd].file == nil {
		t.mu.Unlock()
		return -1, unix.EBADF
	}
	if newfd < 0 || newfd >= t.limit {
		t.mu.Unlock()
		return -1, unix.EBADF
	}
	old := t.setLocked(newfd, t.fds[oldfd].file, cloexec)
	t.mu.Unlock()
	if old != nil {
		old.DecRef()
	}
	return newfd, nil
}

// CloseOnExec reports fd's FD_CLOEXEC flag (EBADF if not open).
func (t *FDTable) CloseOnExec(fd int) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		return false, unix.EBADF
	}
	return t.fds[fd].cloexec, nil
}

// SetCloseOnExec sets fd's FD_CLOEXEC flag (F_SETFD).
func (t *FDTable) SetCloseOnExec(fd int, cloexec bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		return unix.EBADF
	}
	t.fds[fd].cloexec = cloexec
	return nil
}

// CloseRange implements close_range(2) for fds first..last (inclusive);
// with CLOSE_RANGE_CLOEXEC it only sets FD_CLOEXEC. CLOSE_RANGE_UNSHARE
// is accepted (the caller unshares the table first).
func (t *FDTable) CloseRange(first, last uint, flags uint) error {
	if flags&^uint(unix.CLOSE_RANGE_CLOEXEC|unix.CLOSE_RANGE_UNSHARE) != 0 || first > last {
		return unix.EINVAL
	}
	var closed []*File
	t.mu.Lock()
	for fd := first; fd <= last && fd < uint(len(t.fds)); fd++ {
		e := &t.fds[fd]
		if e.file == nil {
			continue
		}
		if flags&unix.CLOSE_RANGE_CLOEXEC != 0 {
			e.cloexec = true
			continue
		}
		closed = append(closed, e.file)
		*e = fdEntry{}
	}
	t.mu.Unlock()
	for _, f := range closed {
		f.DecRef()
	}
	return nil
}

// ExecCloseOnExec closes every fd marked FD_CLOEXEC (at execve).
func (t *FDTable) ExecCloseOnExec() {
	var closed []*File
	t.mu.Lock()
	for i := range t.fds {
		if t.fds[i].file != nil && t.fds[i].cloexec {
			closed = append(closed, t.fds[i].file)
			t.fds[i] = fdEntry{}
		}
	}
	t.mu.Unlock()
	for _, f := range closed {
		f.DecRef()
	}
}

// Fork returns a copy of the table sharing the same Files (fork without
// CLONE_FILES).
func (t *FDTable) Fork() *FDTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := &FDTable{limit: t.limit, fds: make([]fdEntry, len(t.fds))}
	for i, e := range t.fds {
		if e.file != nil {
			e.file.IncRef()
			n.fds[i] = e
		}
	}
	return n
}

// CloseAll closes every fd (process exit).
func (t *FDTable) CloseAll() {
	_ = t.CloseRange(0, ^uint(0)>>1, 0)
}

// Fds returns the open fd numbers in increasing order (for /proc/self/fd).
func (t *FDTable) Fds() []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []int
	for i, e := range t.fds {
		if e.file != nil {
			out = append(out, i)
		}
	}
	return out
}
