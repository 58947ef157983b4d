package kernel

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// File is an open file description: what a descriptor refers to, shared by
// every descriptor dup'd from it, by forked tables and by SCM_RIGHTS
// messages in flight. Every kind of descriptor is one: vfs files (VFSFile,
// including ramfs FIFOs), host-backed objects (HostFile: pipes, sockets,
// eventfd, timerfd, signalfd, epoll, the console).
//
// A File is reference counted: whoever holds one holds a reference. A new
// File comes with one reference for its creator; FDTable.Install takes its
// own, FDTable.Get returns one the caller drops with DecRef; the last DecRef
// releases the description (closes the host descriptor, releases the vfs
// file).
//
// Optional capabilities are separate interfaces: Stater, Seeker, FlagFile,
// Ioctler, CloseNotifier, and for readiness either Pollable (a host
// descriptor host poll and epoll watch) or Waitable (an in-memory object
// with a wait queue).
type File interface {
	Read(t *Task, p []byte) (int, error)
	Write(t *Task, p []byte) (int, error)
	IncRef()
	DecRef()
}

// FileRefs is the reference count of a File implementation; embed it and
// call InitRefs with the function that releases the description.
type FileRefs struct {
	refs    atomic.Int64
	release func()
}

// InitRefs sets the count to one (the creator's reference); release runs
// when the last reference is dropped.
func (r *FileRefs) InitRefs(release func()) {
	r.refs.Store(1)
	r.release = release
}

// IncRef takes a reference.
func (r *FileRefs) IncRef() { r.refs.Add(1) }

// DecRef drops a reference and releases the description on the last one.
func (r *FileRefs) DecRef() {
	switch n := r.refs.Add(-1); {
	case n == 0 && r.release != nil:
		r.release()
	case n < 0:
		panic("kernel: file reference count below zero")
	}
}

// Refs is the current count (tests and /proc).
func (r *FileRefs) Refs() int64 { return r.refs.Load() }

// DefaultFDLimit is the descriptor limit of a new table (RLIMIT_NOFILE).
const DefaultFDLimit = 1024

type fdEntry struct {
	file    File
	cloexec bool
}

// FDTable maps descriptors to open file descriptions with the lowest-free
// rule (gVisor's kernel.FDTable, Linux's files_struct). Each descriptor
// holds one reference on its File; the per-descriptor flag is FD_CLOEXEC.
//
// The table is also the owner of the POSIX record locks its processes take
// (Linux: fl_owner is the files_struct): closing any descriptor of a file
// drops them.
//
// A table is used by one process, or several with CLONE_FILES (Share);
// Fork copies it for a new process.
type FDTable struct {
	mu    sync.Mutex
	fds   []fdEntry // indexed by descriptor; file == nil is free
	limit int
	users atomic.Int32 // processes sharing the table (Share/Release)
	// lowFree is the lowest free descriptor.
	lowFree int
	// mirror is the descriptor table of pass-through (passthrough.go),
	// kept in step with fds under mu once made.
	mirror atomic.Pointer[passMirror]
}

// NewFDTable returns an empty table with the given descriptor limit
// (DefaultFDLimit if limit ≤ 0) and one user.
func NewFDTable(limit int) *FDTable {
	if limit <= 0 {
		limit = DefaultFDLimit
	}
	ft := &FDTable{limit: limit}
	ft.users.Store(1)
	return ft
}

// Limit is the descriptor limit: descriptors are < Limit().
func (ft *FDTable) Limit() int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.limit
}

// SetLimit changes the limit (setrlimit RLIMIT_NOFILE); open descriptors
// above it stay open.
func (ft *FDTable) SetLimit(limit int) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.limit = limit
}

// openLocked reports whether fd is open.
func (ft *FDTable) openLocked(fd int) bool {
	return fd >= 0 && fd < len(ft.fds) && ft.fds[fd].file != nil
}

// Get returns the File at fd with a new reference the caller must drop
// with DecRef, or EBADF.
func (ft *FDTable) Get(fd int) (File, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if !ft.openLocked(fd) {
		return nil, unix.EBADF
	}
	f := ft.fds[fd].file
	f.IncRef()
	return f, nil
}

// GetForeign is Get for a caller outside the table's processes (kcmp,
// pidfd_getfd, /proc/PID/fd): closes the platform deferred for them
// (PassWordClosable), which their own next call would make, are made
// first. The table's own calls need not: the task loop makes them before
// each call.
func (ft *FDTable) GetForeign(fd int) (File, error) {
	ft.drainPassCloses()
	return ft.Get(fd)
}

// Install puts f at the lowest free descriptor ≥ min, taking a reference of
// its own (the caller keeps its reference). EMFILE when no descriptor below
// the limit is free, EINVAL when min is not below the limit.
func (ft *FDTable) Install(f File, min int, cloexec bool) (int, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if min < 0 || min >= ft.limit {
		return -1, unix.EINVAL
	}
	fd := min
	for fd < len(ft.fds) && ft.fds[fd].file != nil {
		fd++
	}
	if fd >= ft.limit {
		return -1, unix.EMFILE
	}
	f.IncRef()
	ft.setLocked(fd, fdEntry{file: f, cloexec: cloexec})
	return fd, nil
}

// setLocked stores e at fd and returns the File it replaced (the caller
// drops that reference outside the lock).
func (ft *FDTable) setLocked(fd int, e fdEntry) File {
	for fd >= len(ft.fds) {
		ft.fds = append(ft.fds, fdEntry{})
	}
	old := ft.fds[fd].file
	ft.fds[fd] = e
	ft.mirrorLocked(fd, e.file)
	switch {
	case e.file == nil && fd < ft.lowFree:
		ft.lowFree = fd
	case e.file != nil && fd == ft.lowFree:
		ft.advanceLowFreeLocked()
	default:
		return old
	}
	ft.publishLowFreeLocked()
	return old
}

// advanceLowFreeLocked moves lowFree to the next free descriptor.
func (ft *FDTable) advanceLowFreeLocked() {
	for ft.lowFree < len(ft.fds) && ft.fds[ft.lowFree].file != nil {
		ft.lowFree++
	}
}

// release drops the table's reference on a File that left it, after
// telling the file that one of its descriptors closed (record locks).
func (ft *FDTable) release(f File) {
	if cn, ok := f.(CloseNotifier); ok {
		cn.OnClose(ft)
	}
	f.DecRef()
}

// Close removes fd (EBADF if it is not open) and drops its reference.
func (ft *FDTable) Close(fd int) error {
	ft.mu.Lock()
	if !ft.openLocked(fd) {
		ft.mu.Unlock()
		return unix.EBADF
	}
	f := ft.setLocked(fd, fdEntry{})
	ft.mu.Unlock()
	ft.release(f)
	return nil
}

// Dup implements dup(2) and F_DUPFD/F_DUPFD_CLOEXEC: the lowest free
// descriptor ≥ min gets the same File.
func (ft *FDTable) Dup(oldfd, min int, cloexec bool) (int, error) {
	f, err := ft.Get(oldfd)
	if err != nil {
		return -1, err
	}
	defer f.DecRef()
	return ft.Install(f, min, cloexec)
}

// Dup2 implements dup2(2): newfd == oldfd returns newfd if it is open;
// otherwise newfd is closed first and gets oldfd's File, without
// FD_CLOEXEC.
func (ft *FDTable) Dup2(oldfd, newfd int) (int, error) {
	if oldfd == newfd {
		ft.mu.Lock()
		defer ft.mu.Unlock()
		if !ft.openLocked(oldfd) {
			return -1, unix.EBADF
		}
		return newfd, nil
	}
	return ft.dupTo(oldfd, newfd, false)
}

// Dup3 implements dup3(2): like Dup2 with O_CLOEXEC as the only flag, and
// EINVAL when newfd == oldfd.
func (ft *FDTable) Dup3(oldfd, newfd, flags int) (int, error) {
	if flags&^unix.O_CLOEXEC != 0 || oldfd == newfd {
		return -1, unix.EINVAL
	}
	return ft.dupTo(oldfd, newfd, flags&unix.O_CLOEXEC != 0)
}

func (ft *FDTable) dupTo(oldfd, newfd int, cloexec bool) (int, error) {
	ft.mu.Lock()
	if !ft.openLocked(oldfd) || newfd < 0 || newfd >= ft.limit {
		ft.mu.Unlock()
		return -1, unix.EBADF
	}
	f := ft.fds[oldfd].file
	f.IncRef()
	old := ft.setLocked(newfd, fdEntry{file: f, cloexec: cloexec})
	ft.mu.Unlock()
	if old != nil {
		ft.release(old)
	}
	return newfd, nil
}

// InstallPair installs two new files (pipe, socketpair) at the lowest
// free descriptors and writes the pair as an int[2] at addr; on any error
// neither descriptor stays. The table takes its own references.
func (t *Task) InstallPair(a, b File, cloexec bool, addr uint64) error {
	ft := t.p.files
	fa, err := ft.Install(a, 0, cloexec)
	if err != nil {
		return err
	}
	fb, err := ft.Install(b, 0, cloexec)
	if err != nil {
		ft.Close(fa)
		return err
	}
	pair := [2]int32{int32(fa), int32(fb)}
	if err := CopyOutStruct(t, addr, &pair); err != nil {
		ft.Close(fa)
		ft.Close(fb)
		return err
	}
	return nil
}

// InstallAt puts f at exactly fd (the initial console descriptors),
// closing what was there; the table takes its own reference.
func (ft *FDTable) InstallAt(fd int, f File, cloexec bool) error {
	ft.mu.Lock()
	if fd < 0 || fd >= ft.limit {
		ft.mu.Unlock()
		return unix.EBADF
	}
	f.IncRef()
	old := ft.setLocked(fd, fdEntry{file: f, cloexec: cloexec})
	ft.mu.Unlock()
	if old != nil {
		ft.release(old)
	}
	return nil
}

// CloseOnExec reports fd's FD_CLOEXEC flag (EBADF if it is not open).
func (ft *FDTable) CloseOnExec(fd int) (bool, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if !ft.openLocked(fd) {
		return false, unix.EBADF
	}
	return ft.fds[fd].cloexec, nil
}

// SetCloseOnExec sets fd's FD_CLOEXEC flag (F_SETFD, FIOCLEX, FIONCLEX).
func (ft *FDTable) SetCloseOnExec(fd int, on bool) error {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if !ft.openLocked(fd) {
		return unix.EBADF
	}
	ft.fds[fd].cloexec = on
	return nil
}

// CloseRange implements close_range(2) on descriptors first..last
// (inclusive): it closes them, or with cloexec only sets FD_CLOEXEC. The
// caller validates the flags.
func (ft *FDTable) CloseRange(first, last uint, cloexec bool) {
	ft.removeIf(func(fd int, e *fdEntry) bool {
		if uint(fd) < first || uint(fd) > last {
			return false
		}
		if cloexec {
			e.cloexec = true
			return false
		}
		return true
	})
}

// ExecCloseOnExec closes every descriptor marked FD_CLOEXEC (execve).
func (ft *FDTable) ExecCloseOnExec() {
	ft.removeIf(func(_ int, e *fdEntry) bool { return e.cloexec })
}

// CloseAll closes every descriptor.
func (ft *FDTable) CloseAll() {
	ft.removeIf(func(int, *fdEntry) bool { return true })
}

// removeIf closes the descriptors for which remove says so; remove may
// change the entry (it runs under the table's lock).
func (ft *FDTable) removeIf(remove func(fd int, e *fdEntry) bool) {
	var closed []File
	ft.mu.Lock()
	for fd := range ft.fds {
		e := &ft.fds[fd]
		if e.file != nil && remove(fd, e) {
			closed = append(closed, e.file)
			*e = fdEntry{}
			ft.mirrorLocked(fd, nil)
			ft.lowFree = min(ft.lowFree, fd)
		}
	}
	ft.publishLowFreeLocked()
	ft.mu.Unlock()
	for _, f := range closed {
		ft.release(f)
	}
}

// Fork returns a copy of the table for a new process (fork, or clone
// without CLONE_FILES): the same open file descriptions, each with a new
// reference, and the same FD_CLOEXEC flags. The copy has one user.
func (ft *FDTable) Fork() *FDTable {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := &FDTable{limit: ft.limit, fds: make([]fdEntry, len(ft.fds))}
	n.users.Store(1)
	for fd, e := range ft.fds {
		if e.file != nil {
			e.file.IncRef()
			n.fds[fd] = e
		}
	}
	n.lowFree = ft.lowFree
	return n
}

// Share returns the table itself for another process that shares it
// (clone with CLONE_FILES); each user calls Release when it is done.
func (ft *FDTable) Share() *FDTable {
	ft.users.Add(1)
	return ft
}

// Shared reports whether another process uses the table too.
func (ft *FDTable) Shared() bool { return ft.users.Load() > 1 }

// Release ends one user's use of the table (process exit, or execve of a
// process that shared it); the last user closes every descriptor.
func (ft *FDTable) Release() {
	if ft.users.Add(-1) == 0 {
		ft.CloseAll()
		ft.dropMirror()
	}
}

// Fds lists the open descriptors in increasing order (/proc/PID/fd).
func (ft *FDTable) Fds() []int {
	ft.drainPassCloses()
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var out []int
	for fd, e := range ft.fds {
		if e.file != nil {
			out = append(out, fd)
		}
	}
	return out
}
