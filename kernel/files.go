package kernel

import (
	"sort"
	"sync"

	"golang.org/x/sys/unix"
)

// File is an open file description as the kernel core needs it. The vfs
// provides the full implementation; the console files implement it directly.
type File interface {
	Read(t *Task, p []byte) (int, error)
	Write(t *Task, p []byte) (int, error)
	Close() error
}

// Ioctler is implemented by files that answer ioctl requests.
type Ioctler interface {
	Ioctl(t *Task, req uint64, arg uint64) (uint64, error)
}

type fdEntry struct {
	file    File
	cloexec bool
	refs    *int // shared by dup'd descriptors
}

// FDTable maps descriptors to open files with the lowest-free rule.
type FDTable struct {
	mu    sync.Mutex
	fds   map[int]*fdEntry
	limit int
	owner *Process
}

// NewFDTable returns an empty table.
func NewFDTable() *FDTable { return &FDTable{fds: map[int]*fdEntry{}, limit: 1024} }

// Get returns the file behind fd or EBADF.
func (ft *FDTable) Get(fd int) (File, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	e, ok := ft.fds[fd]
	if !ok {
		return nil, unix.EBADF
	}
	return e.file, nil
}

// Install puts f at the lowest free descriptor ≥ min.
func (ft *FDTable) Install(f File, min int, cloexec bool) (int, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	refs := 1
	return ft.installLocked(&fdEntry{file: f, cloexec: cloexec, refs: &refs}, min)
}

func (ft *FDTable) installLocked(e *fdEntry, min int) (int, error) {
	for fd := min; fd < ft.limit; fd++ {
		if _, used := ft.fds[fd]; !used {
			ft.fds[fd] = e
			return fd, nil
		}
	}
	return -1, unix.EMFILE
}

// Close closes fd.
func (ft *FDTable) Close(fd int) error {
	ft.mu.Lock()
	e, ok := ft.fds[fd]
	if !ok {
		ft.mu.Unlock()
		return unix.EBADF
	}
	delete(ft.fds, fd)
	*e.refs--
	last := *e.refs == 0
	ft.mu.Unlock()
	if cn, ok := e.file.(CloseNotifier); ok && ft.owner != nil {
		cn.OnClose(ft.owner)
	}
	if last {
		return e.file.Close()
	}
	return nil
}

// Dup duplicates old to the lowest free descriptor ≥ min (or exactly to
// newfd when exact is set, closing what was there).
func (ft *FDTable) Dup(old, newfd int, exact, cloexec bool) (int, error) {
	ft.mu.Lock()
	e, ok := ft.fds[old]
	if !ok {
		ft.mu.Unlock()
		return -1, unix.EBADF
	}
	ne := &fdEntry{file: e.file, cloexec: cloexec, refs: e.refs}
	if !exact {
		*e.refs++
		fd, err := ft.installLocked(ne, newfd)
		if err != nil {
			*e.refs--
		}
		ft.mu.Unlock()
		return fd, err
	}
	if newfd < 0 || newfd >= ft.limit {
		ft.mu.Unlock()
		return -1, unix.EBADF
	}
	if old == newfd {
		ft.mu.Unlock()
		return newfd, nil
	}
	prev, had := ft.fds[newfd]
	*e.refs++
	ft.fds[newfd] = ne
	var closeFile File
	if had {
		*prev.refs--
		if *prev.refs == 0 {
			closeFile = prev.file
		}
	}
	ft.mu.Unlock()
	if closeFile != nil {
		closeFile.Close()
	}
	return newfd, nil
}

// CloseAll closes every descriptor (process exit).
func (ft *FDTable) CloseAll() {
	ft.mu.Lock()
	fds := make([]int, 0, len(ft.fds))
	for fd := range ft.fds {
		fds = append(fds, fd)
	}
	ft.mu.Unlock()
	for _, fd := range fds {
		ft.Close(fd)
	}
}

// CloexecOf reports the FD_CLOEXEC flag of fd.
func (ft *FDTable) CloexecOf(fd int) (bool, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	e, ok := ft.fds[fd]
	if !ok {
		return false, unix.EBADF
	}
	return e.cloexec, nil
}

// SetCloexec sets the FD_CLOEXEC flag of fd.
func (ft *FDTable) SetCloexec(fd int, on bool) error {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	e, ok := ft.fds[fd]
	if !ok {
		return unix.EBADF
	}
	e.cloexec = on
	return nil
}

// Stater is implemented by files that have attributes (fstat).
type Stater interface {
	Stat(t *Task) (unix.Stat_t, error)
}

// Seeker is implemented by files with a position (lseek).
type Seeker interface {
	Seek(t *Task, off int64, whence int) (int64, error)
}

// Pollable is implemented by files backed by a host descriptor that host
// poll and epoll can watch.
type Pollable interface {
	HostFD() int
}

// FlagFile is implemented by files with status flags (F_GETFL/F_SETFL).
type FlagFile interface {
	StatusFlags() int
	SetStatusFlags(int) error
}

// Fds lists the open descriptors in ascending order.
func (ft *FDTable) Fds() []int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	out := make([]int, 0, len(ft.fds))
	for fd := range ft.fds {
		out = append(out, fd)
	}
	sort.Ints(out)
	return out
}

// CloseRange closes (or with cloexec, marks) descriptors first..last.
func (ft *FDTable) CloseRange(first, last int, cloexec bool) {
	for _, fd := range ft.Fds() {
		if fd < first || fd > last {
			continue
		}
		if cloexec {
			ft.SetCloexec(fd, true)
		} else {
			ft.Close(fd)
		}
	}
}

// Limit is the descriptor limit (RLIMIT_NOFILE).
func (ft *FDTable) Limit() int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.limit
}
