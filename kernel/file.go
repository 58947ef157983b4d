package kernel

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

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

// OwnedFile is implemented by files that record the process or group that
// F_SETOWN names (the receiver of SIGIO and SIGURG on Linux).
type OwnedFile interface {
	Owner() int
	SetOwner(owner int)
}

// FileOwner holds a file's F_SETOWN owner: a PID, or a negated process
// group ID, 0 for none. Embedding it makes a file an OwnedFile.
type FileOwner struct {
	owner atomic.Int32
}

// Owner implements OwnedFile.
func (o *FileOwner) Owner() int { return int(o.owner.Load()) }

// SetOwner implements OwnedFile.
func (o *FileOwner) SetOwner(owner int) { o.owner.Store(int32(owner)) }
