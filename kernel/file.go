package kernel

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/vfs"
)

// Ioctler is implemented by files that answer ioctl requests.
type Ioctler interface {
	Ioctl(t *Task, req uint64, arg uint64) (uint64, error)
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

// Waitable is implemented by in-memory files (ramfs FIFOs, and every vfs
// file through VFSFile): poll and epoll read their readiness and register
// on their wait queue instead of watching a host descriptor.
type Waitable interface {
	Readiness(mask uint32) uint32
	EventRegister(w *vfs.Waiter)
	EventUnregister(w *vfs.Waiter)
	// Released reports that the last reference is gone (epoll drops the
	// file from its set then).
	Released() bool
}

// CloseNotifier is implemented by files that must hear about every close
// of one of their descriptors: the table is the owner of the POSIX record
// locks that the close drops.
type CloseNotifier interface {
	OnClose(owner *FDTable)
}

// OwnedFile is implemented by files that record the owner that F_SETOWN
// and F_SETOWN_EX name (the receiver of SIGIO and SIGURG on Linux).
type OwnedFile interface {
	Owner() linux.FOwnerEx
	SetOwner(owner linux.FOwnerEx)
}

// FileOwner holds a file's owner: a thread, a process or a process group,
// none while the ID is 0. Embedding it makes a file an OwnedFile.
type FileOwner struct {
	mu    sync.Mutex
	owner linux.FOwnerEx
	sig   int // F_SETSIG: the signal sent instead of SIGIO (0: SIGIO)
}

// Sig is F_GETSIG's answer.
func (o *FileOwner) Sig() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sig
}

// SetSig records F_SETSIG's signal (0 restores SIGIO).
func (o *FileOwner) SetSig(sig int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sig = sig
}

// Owner implements OwnedFile.
func (o *FileOwner) Owner() linux.FOwnerEx {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.owner
}

// SetOwner implements OwnedFile.
func (o *FileOwner) SetOwner(owner linux.FOwnerEx) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.owner = owner
}
