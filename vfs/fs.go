package vfs

import (
	"context"

	"golang.org/x/sys/unix"
)

// FileSystem is a mounted filesystem instance.
type FileSystem interface {
	// Root returns the root directory inode.
	Root() (Inode, error)
	// Statfs reports the filesystem statistics (struct statfs).
	Statfs() (Statfs, error)
	// ReadOnly reports whether the filesystem refuses every modification.
	// The vfs then returns EROFS before calling any modifying method.
	ReadOnly() bool
}

// Inode is a file, directory, symlink or special file of a FileSystem.
//
// Directory methods receive a single path component that is never "", "."
// or "..": the vfs handles those. Directory methods called on a
// non-directory return ENOTDIR (embed NotDir to get that for free). Link,
// Rename and the newDir of Rename always receive inodes of the same
// FileSystem (the vfs returns EXDEV otherwise).
//
// The vfs compares Stat().Ino of a looked-up inode with the one it has
// cached for that name, so inode numbers must be stable and unique within
// the filesystem.
type Inode interface {
	Stat() (Stat, error)
	SetAttr(attr SetAttr) error

	// Lookup returns the child called name, or ENOENT.
	Lookup(name string) (Inode, error)
	// Create makes a non-directory child (S_IFREG, S_IFIFO, S_IFCHR, ...
	// in mode's type bits; permission bits already masked by the umask).
	// It returns EEXIST if name exists.
	Create(name string, mode uint32, rdev uint64, cred Cred) (Inode, error)
	// Mkdir makes a child directory; EEXIST if name exists.
	Mkdir(name string, mode uint32, cred Cred) (Inode, error)
	// Symlink makes a symbolic link to target; EEXIST if name exists.
	Symlink(name, target string, cred Cred) (Inode, error)
	// Link adds name as a new hard link to target (a non-directory).
	Link(name string, target Inode) error
	// Unlink removes a non-directory child (EISDIR for a directory).
	Unlink(name string) error
	// Rmdir removes an empty child directory (ENOTDIR, ENOTEMPTY).
	Rmdir(name string) error
	// Rename moves oldName in this directory to newName in newDir. flags
	// are renameat2's RENAME_NOREPLACE / RENAME_EXCHANGE. The vfs has
	// already checked type compatibility (EISDIR/ENOTDIR) and the
	// directory-into-itself case; the filesystem checks ENOTEMPTY.
	Rename(oldName string, newDir Inode, newName string, flags uint32) error

	// Readlink returns a symlink's target (EINVAL for other types).
	Readlink() (string, error)
	// Open opens the inode. flags are the open(2) flags (access mode,
	// O_TRUNC already applied by the vfs, O_NONBLOCK, O_APPEND ...).
	Open(flags int) (FileImpl, error)
}

// FileImpl is the filesystem half of an open file description.
//
// Read and Write receive the file offset for seekable files; streams
// (pipes, character devices) ignore it. They must honour ctx (return
// unix.EINTR when it is cancelled while blocked) and nonblock (return
// unix.EAGAIN instead of blocking).
type FileImpl interface {
	Read(ctx context.Context, p []byte, off int64, nonblock bool) (int, error)
	Write(ctx context.Context, p []byte, off int64, nonblock bool) (int, error)
	// Release is called once, when the last reference to the open file
	// description is dropped.
	Release()
}

// Seekable is implemented by files with a position (regular files,
// directories, some devices). Files without it return ESPIPE from Seek,
// and Read/Write do not advance an offset.
type Seekable interface {
	// Size returns the current size (for SEEK_END and O_APPEND).
	Size() (int64, error)
}

// Appender is implemented by seekable files that can append atomically.
// It returns the number of bytes written and the offset just past them.
// Without it, the vfs appends at Size() under the description's lock.
type Appender interface {
	Append(ctx context.Context, p []byte) (n int, end int64, err error)
}

// DirReader is implemented by open directories. ReadDir calls yield for
// each entry from cookie on ("." and ".." included, cookie 0 is the start)
// until yield returns false or the directory ends.
type DirReader interface {
	ReadDir(cookie int64, yield func(DirEntry) bool) error
}

// Syncer is implemented by files whose data can be flushed (fsync).
type Syncer interface {
	Sync() error
}

// Allocator implements fallocate (mode 0 or FALLOC_FL_KEEP_SIZE at least).
type Allocator interface {
	Allocate(mode uint32, off, length int64) error
}

// Ioctler is implemented by devices that handle ioctl(2). The kernel puts
// what the device needs to reach the caller's memory into ctx.
type Ioctler interface {
	Ioctl(ctx context.Context, cmd uint32, arg uint64) (uint64, error)
}

// HostFDer is implemented by files whose bytes live in a host file
// descriptor, which the kernel may mmap (MAP_SHARED or MAP_PRIVATE).
type HostFDer interface {
	HostFD() (int, bool)
}

// PrivateMapper is implemented by files that can be mapped MAP_PRIVATE
// from a host file that is not theirs alone (a ramfs file stored in an
// image maps from the image file): file offset off of the mapping
// [off, off+length) is host offset base+off of fd. end is where the
// file's pages end in fd (from base): a mapping past it must not show
// fd's next bytes, but fault as Linux does past a file's last page
// (SIGBUS); end is -1 when fd holds the file alone. ok is false when the
// file cannot be mapped so.
type PrivateMapper interface {
	PrivateMapFD(off, length int64) (fd int, base, end int64, ok bool)
}

// Waitable is implemented by files with readiness other than "always
// ready" (pipes, devices, sockets).
type Waitable interface {
	// Readiness returns the subset of mask (POLL* bits) that is ready.
	Readiness(mask uint32) uint32
	// EventRegister arranges for w to be notified of events in its mask.
	EventRegister(w *Waiter)
	// EventUnregister undoes EventRegister.
	EventUnregister(w *Waiter)
}

// StatOverrider is implemented by files without a filesystem inode (pipes
// from pipe2, anonymous files) to answer fstat themselves.
type StatOverrider interface {
	Stat() (Stat, error)
}

// NotDir can be embedded by non-directory inodes: every directory method
// returns ENOTDIR.
type NotDir struct{}

func (NotDir) Lookup(string) (Inode, error)                       { return nil, unix.ENOTDIR }
func (NotDir) Create(string, uint32, uint64, Cred) (Inode, error) { return nil, unix.ENOTDIR }
func (NotDir) Mkdir(string, uint32, Cred) (Inode, error)          { return nil, unix.ENOTDIR }
func (NotDir) Symlink(string, string, Cred) (Inode, error)        { return nil, unix.ENOTDIR }
func (NotDir) Link(string, Inode) error                           { return unix.ENOTDIR }
func (NotDir) Unlink(string) error                                { return unix.ENOTDIR }
func (NotDir) Rmdir(string) error                                 { return unix.ENOTDIR }
func (NotDir) Rename(string, Inode, string, uint32) error         { return unix.ENOTDIR }

// Adviser is implemented by open files whose data the host caches
// (posix_fadvise passes the advice on).
type Adviser interface {
	Advise(off, length int64, advice int) error
}

// Sealer is implemented by open files that keep seals (tmpfs-like files,
// memfds): F_GET_SEALS and F_ADD_SEALS.
type Sealer interface {
	Seals() (uint32, error)
	AddSeals(seals uint32) error
}

// Xattrer is implemented by inodes with extended attributes
// (getxattr/setxattr/listxattr/removexattr). flags are XATTR_CREATE /
// XATTR_REPLACE. Missing attributes give ENODATA.
type Xattrer interface {
	GetXattr(name string) ([]byte, error)
	SetXattr(name string, value []byte, flags int) error
	ListXattr() ([]string, error)
	RemoveXattr(name string) error
}

// BlockDevice is implemented by open block devices a filesystem can be
// read from (a loop device): the device's bytes, and its size.
type BlockDevice interface {
	ReadAt(p []byte, off int64) (int, error)
	Size() (int64, error)
}

// Releaser is implemented by filesystems that hold something until their
// last mount is gone (a disk filesystem its block device): the vfs calls
// Release once, when no mount of the instance is left in the tree or
// held by a file.
type Releaser interface {
	Release()
}
