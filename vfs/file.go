package vfs

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// settableStatusFlags are the status flags F_SETFL may change.
const settableStatusFlags = unix.O_APPEND | unix.O_NONBLOCK | unix.O_ASYNC | unix.O_DIRECT | unix.O_NOATIME

// File is an open file description. It is shared by every fd that dup'd
// it (and across fork), and holds the offset and the status flags.
// It is reference counted: NewFile and OpenAt return it with one reference;
// IncRef/DecRef adjust it and the last DecRef releases the FileImpl and
// the description's record locks.
type File struct {
	refs atomic.Int64
	loc  Location // zero for anonymous files (pipes)
	impl FileImpl // nil for O_PATH files

	readable, writable bool
	flags              atomic.Int32 // open flags as seen by F_GETFL
	// counted: the open is in the VFS's lease table (regular files
	// opened by OpenAt), which the last DecRef undoes.
	counted bool
	// pid is the process that opened the file (FileEvent.PID);
	// noNotify marks a file that raises no events (OpenNoNotify).
	pid      int32
	noNotify bool
	// guardDenied holds the Landlock rights (TRUNCATE, IOCTL_DEV) the
	// opener's policy refused at open time (guard.go).
	guardDenied uint64

	mu  sync.Mutex // offset and dirent cookie
	off int64

	dn dnotifyState // F_NOTIFY registrations (dnotify.go)

	onRelease func() // OnRelease
}

// NewFile wraps a FileImpl into an open file description. loc may be the
// zero Location for anonymous files (pipes, eventfds, sockets).
func NewFile(loc Location, impl FileImpl, flags int) *File {
	f := &File{loc: loc, impl: impl}
	acc := flags & unix.O_ACCMODE
	f.readable = acc == unix.O_RDONLY || acc == unix.O_RDWR
	f.writable = acc == unix.O_WRONLY || acc == unix.O_RDWR
	if flags&unix.O_PATH != 0 {
		f.readable, f.writable = false, false
	}
	f.flags.Store(int32(flags &^ (unix.O_CREAT | unix.O_EXCL | unix.O_NOCTTY | unix.O_TRUNC | unix.O_CLOEXEC)))
	f.refs.Store(1)
	if loc.Valid() {
		loc.Mount.pin(f.writable)
	}
	return f
}

// IncRef takes a reference.
func (f *File) IncRef() { f.refs.Add(1) }

// DecRef drops a reference, releasing the file on the last one.
func (f *File) DecRef() {
	if f.refs.Add(-1) != 0 {
		return
	}
	if f.loc.Valid() {
		f.loc.Mount.vfs.releaseLocks(f.loc, f)
		if f.counted {
			f.loc.Mount.vfs.leases.closed(f.loc.WatchKey(), f, !f.writable)
		}
		f.loc.Mount.unpin(f.writable)
	}
	if f.onRelease != nil {
		f.onRelease()
	}
	if f.impl != nil {
		f.impl.Release()
		if f.writable {
			notifyFile(f, nil, unix.IN_CLOSE_WRITE)
		} else {
			notifyFile(f, nil, unix.IN_CLOSE_NOWRITE)
		}
	}
}

// Released reports whether the last reference has been dropped.
func (f *File) Released() bool { return f.refs.Load() <= 0 }

// Waitable reports whether the file has a wait queue (a pipe or FIFO):
// other files are always ready, and epoll refuses them.
func (f *File) Waitable() bool {
	_, ok := f.impl.(Waitable)
	return ok
}

// Location returns where the file was opened (zero for anonymous files).
func (f *File) Location() Location { return f.loc }

// Impl returns the filesystem's half of the file (nil for O_PATH files).
func (f *File) Impl() FileImpl { return f.impl }

// IsPath reports whether this is an O_PATH file.
func (f *File) IsPath() bool { return f.impl == nil }

// Readable and Writable report the access mode.
func (f *File) Readable() bool { return f.readable }

// Writable reports whether the file was opened for writing.
func (f *File) Writable() bool { return f.writable }

// StatusFlags returns the flags for F_GETFL (access mode and status flags).
func (f *File) StatusFlags() int { return int(f.flags.Load()) }

// SetStatusFlags implements F_SETFL: only O_APPEND, O_NONBLOCK, O_ASYNC,
// O_DIRECT and O_NOATIME change; the rest are ignored.
func (f *File) SetStatusFlags(flags int) {
	for {
		old := f.flags.Load()
		n := (old &^ settableStatusFlags) | int32(flags&settableStatusFlags)
		if f.flags.CompareAndSwap(old, n) {
			return
		}
	}
}

func (f *File) nonblock() bool { return f.flags.Load()&unix.O_NONBLOCK != 0 }

func (f *File) seekable() (Seekable, bool) {
	s, ok := f.impl.(Seekable)
	return s, ok
}

// Read implements read(2) at the file offset.
func (f *File) Read(ctx context.Context, p []byte) (int, error) {
	n, err := f.read(ctx, p)
	if n > 0 {
		notifyFile(f, ctx, unix.IN_ACCESS)
	}
	return n, err
}

func (f *File) read(ctx context.Context, p []byte) (int, error) {
	if !f.readable {
		return 0, unix.EBADF
	}
	if f.isDir() {
		return 0, unix.EISDIR
	}
	if _, ok := f.seekable(); !ok {
		return f.impl.Read(ctx, p, 0, f.nonblock())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.impl.Read(ctx, p, f.off, f.nonblock())
	f.off += int64(n)
	return n, err
}

// Write implements write(2) at the file offset (at the end with O_APPEND).
func (f *File) Write(ctx context.Context, p []byte) (int, error) {
	n, err := f.write(ctx, p)
	if n > 0 {
		notifyFile(f, ctx, unix.IN_MODIFY)
	}
	return n, err
}

func (f *File) write(ctx context.Context, p []byte) (int, error) {
	if !f.writable {
		return 0, unix.EBADF
	}
	s, ok := f.seekable()
	if !ok {
		return f.impl.Write(ctx, p, 0, f.nonblock())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.flags.Load()&unix.O_APPEND != 0 {
		if a, ok := f.impl.(Appender); ok {
			n, end, err := a.Append(ctx, p)
			if n > 0 || err == nil {
				f.off = end
			}
			return n, err
		}
		size, err := s.Size()
		if err != nil {
			return 0, err
		}
		f.off = size
	}
	n, err := f.impl.Write(ctx, p, f.off, f.nonblock())
	f.off += int64(n)
	return n, err
}

// Pread implements pread64(2): EINVAL for a negative offset, ESPIPE for
// streams.
func (f *File) Pread(ctx context.Context, p []byte, off int64) (int, error) {
	n, err := f.pread(ctx, p, off)
	if n > 0 {
		notifyFile(f, ctx, unix.IN_ACCESS)
	}
	return n, err
}

func (f *File) pread(ctx context.Context, p []byte, off int64) (int, error) {
	if !f.readable {
		return 0, unix.EBADF
	}
	if _, ok := f.seekable(); !ok {
		return 0, unix.ESPIPE
	}
	if off < 0 {
		return 0, unix.EINVAL
	}
	if f.isDir() {
		return 0, unix.EISDIR
	}
	return f.impl.Read(ctx, p, off, f.nonblock())
}

// Pwrite implements pwrite64(2). Like Linux, O_APPEND files append.
func (f *File) Pwrite(ctx context.Context, p []byte, off int64) (int, error) {
	n, err := f.pwrite(ctx, p, off)
	if n > 0 {
		notifyFile(f, ctx, unix.IN_MODIFY)
	}
	return n, err
}

func (f *File) pwrite(ctx context.Context, p []byte, off int64) (int, error) {
	if !f.writable {
		return 0, unix.EBADF
	}
	if _, ok := f.seekable(); !ok {
		return 0, unix.ESPIPE
	}
	if off < 0 {
		return 0, unix.EINVAL
	}
	if f.flags.Load()&unix.O_APPEND != 0 {
		if a, ok := f.impl.(Appender); ok {
			n, _, err := a.Append(ctx, p)
			return n, err
		}
	}
	return f.impl.Write(ctx, p, off, f.nonblock())
}

// Readv implements readv(2) by filling the buffers in order; it stops at
// the first short read.
func (f *File) Readv(ctx context.Context, iov [][]byte) (int, error) {
	return vectorIO(iov, func(p []byte) (int, error) { return f.Read(ctx, p) })
}

// Writev implements writev(2). Buffers are joined so that a pipe write of
// at most PIPE_BUF bytes stays atomic.
func (f *File) Writev(ctx context.Context, iov [][]byte) (int, error) {
	return f.Write(ctx, joinBuffers(iov))
}

// Preadv implements preadv(2).
func (f *File) Preadv(ctx context.Context, iov [][]byte, off int64) (int, error) {
	return vectorIO(iov, func(p []byte) (int, error) {
		n, err := f.Pread(ctx, p, off)
		off += int64(n)
		return n, err
	})
}

// Pwritev implements pwritev(2).
func (f *File) Pwritev(ctx context.Context, iov [][]byte, off int64) (int, error) {
	return f.Pwrite(ctx, joinBuffers(iov), off)
}

func joinBuffers(iov [][]byte) []byte {
	if len(iov) == 1 {
		return iov[0]
	}
	var total int
	for _, b := range iov {
		total += len(b)
	}
	buf := make([]byte, 0, total)
	for _, b := range iov {
		buf = append(buf, b...)
	}
	return buf
}

func vectorIO(iov [][]byte, op func([]byte) (int, error)) (int, error) {
	total := 0
	for _, b := range iov {
		if len(b) == 0 {
			continue
		}
		n, err := op(b)
		total += n
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < len(b) {
			break
		}
	}
	return total, nil
}

// Seek implements lseek(2) with SEEK_SET/CUR/END/DATA/HOLE. Files are
// treated as fully allocated: the only hole is the one at end of file.
func (f *File) Seek(off int64, whence int) (int64, error) {
	if f.impl == nil {
		return 0, unix.EBADF
	}
	s, ok := f.seekable()
	if !ok {
		return 0, unix.ESPIPE
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	switch whence {
	case unix.SEEK_SET:
		n = off
	case unix.SEEK_CUR:
		n = f.off + off
	case unix.SEEK_END, unix.SEEK_DATA, unix.SEEK_HOLE:
		size, err := s.Size()
		if err != nil {
			return 0, err
		}
		switch whence {
		case unix.SEEK_END:
			n = size + off
		case unix.SEEK_DATA:
			if off < 0 || off >= size {
				return 0, unix.ENXIO
			}
			n = off
		case unix.SEEK_HOLE:
			if off < 0 || off >= size {
				return 0, unix.ENXIO
			}
			n = size
		}
	default:
		return 0, unix.EINVAL
	}
	if n < 0 {
		return 0, unix.EINVAL
	}
	f.off = n
	return n, nil
}

// Offset returns the current file offset.
func (f *File) Offset() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.off
}

// PeekOffset returns the file position without waiting: ok is false while
// an operation on the file holds it (procfs reading its own directory).
func (f *File) PeekOffset() (int64, bool) {
	if !f.mu.TryLock() {
		return 0, false
	}
	defer f.mu.Unlock()
	return f.off, true
}

func (f *File) isDir() bool {
	return f.loc.Valid() && f.loc.Dentry.typ == unix.S_IFDIR
}

// Stat implements fstat(2).
func (f *File) Stat() (Stat, error) {
	if so, ok := f.impl.(StatOverrider); ok {
		return so.Stat()
	}
	if !f.loc.Valid() {
		return Stat{}, unix.EBADF
	}
	return f.loc.Dentry.inode.Stat()
}

// Truncate implements ftruncate(2): EBADF/EINVAL unless open for writing,
// EINVAL for a non-regular file or a negative length.
func (f *File) Truncate(length int64) error {
	if f.impl == nil {
		return unix.EBADF
	}
	if !f.writable {
		return unix.EINVAL
	}
	if length < 0 || !f.loc.Valid() || f.loc.Dentry.typ != unix.S_IFREG {
		return unix.EINVAL
	}
	if f.loc.Mount.ReadOnly() {
		return unix.EROFS
	}
	if f.guardDenied&unix.LANDLOCK_ACCESS_FS_TRUNCATE != 0 {
		return unix.EACCES // Landlock decided at open time
	}
	if err := f.loc.Dentry.inode.SetAttr(SetAttr{Mask: AttrSize, Size: length}); err != nil {
		return err
	}
	notifyInode(f.loc, unix.IN_MODIFY)
	return nil
}

// Sync implements fsync/fdatasync (a no-op for files without Syncer).
func (f *File) Sync() error {
	if f.impl == nil {
		return unix.EBADF
	}
	if s, ok := f.impl.(Syncer); ok {
		return s.Sync()
	}
	return nil
}

// Allocate implements fallocate(2).
func (f *File) Allocate(mode uint32, off, length int64) error {
	if f.impl == nil || !f.writable {
		return unix.EBADF
	}
	if off < 0 || length <= 0 {
		return unix.EINVAL
	}
	if err := checkAllocateMode(mode); err != nil {
		return err
	}
	if !f.loc.Valid() {
		return unix.ESPIPE
	}
	switch f.loc.Dentry.typ {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return unix.EISDIR
	case unix.S_IFIFO:
		return unix.ESPIPE
	default:
		return unix.ENODEV
	}
	if f.loc.Mount.ReadOnly() {
		return unix.EROFS
	}
	a, ok := f.impl.(Allocator)
	if !ok {
		return unix.EOPNOTSUPP
	}
	return a.Allocate(mode, off, length)
}

// checkAllocateMode applies Linux's (6.x) vfs_fallocate rules to the mode:
// one operation (allocate, punch a hole, collapse, zero, insert, unshare),
// where a hole punch needs FALLOC_FL_KEEP_SIZE and collapse and insert
// must not have it; anything else is EOPNOTSUPP.
func checkAllocateMode(mode uint32) error {
	const (
		known = unix.FALLOC_FL_KEEP_SIZE | unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_NO_HIDE_STALE |
			unix.FALLOC_FL_COLLAPSE_RANGE | unix.FALLOC_FL_ZERO_RANGE | unix.FALLOC_FL_INSERT_RANGE |
			unix.FALLOC_FL_UNSHARE_RANGE
		ops = unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_COLLAPSE_RANGE | unix.FALLOC_FL_ZERO_RANGE |
			unix.FALLOC_FL_INSERT_RANGE | unix.FALLOC_FL_UNSHARE_RANGE
	)
	if mode&^known != 0 {
		return unix.EOPNOTSUPP
	}
	op := mode & ops
	if op&(op-1) != 0 {
		return unix.EOPNOTSUPP // more than one operation
	}
	keep := mode&unix.FALLOC_FL_KEEP_SIZE != 0
	switch op {
	case unix.FALLOC_FL_PUNCH_HOLE:
		if !keep {
			return unix.EOPNOTSUPP
		}
	case unix.FALLOC_FL_COLLAPSE_RANGE, unix.FALLOC_FL_INSERT_RANGE:
		if keep {
			return unix.EOPNOTSUPP
		}
	}
	if mode&unix.FALLOC_FL_NO_HIDE_STALE != 0 && op != unix.FALLOC_FL_PUNCH_HOLE {
		return unix.EOPNOTSUPP
	}
	return nil
}

// Ioctl forwards to the file's Ioctler; ENOTTY otherwise.
func (f *File) Ioctl(ctx context.Context, cmd uint32, arg uint64) (uint64, error) {
	if f.impl == nil {
		return 0, unix.EBADF
	}
	if io, ok := f.impl.(Ioctler); ok {
		return io.Ioctl(ctx, cmd, arg)
	}
	return 0, unix.ENOTTY
}

// Readiness returns the ready subset of mask. Files without Waitable are
// always readable and writable (Linux's DEFAULT_POLLMASK).
func (f *File) Readiness(mask uint32) uint32 {
	if w, ok := f.impl.(Waitable); ok {
		return w.Readiness(mask)
	}
	return mask & (EventIn | EventOut | EventRdNorm | EventWrNorm)
}

// EventRegister registers w for readiness changes (a no-op for files that
// are always ready).
func (f *File) EventRegister(w *Waiter) {
	if wt, ok := f.impl.(Waitable); ok {
		wt.EventRegister(w)
	}
}

// EventUnregister undoes EventRegister.
func (f *File) EventUnregister(w *Waiter) {
	if wt, ok := f.impl.(Waitable); ok {
		wt.EventUnregister(w)
	}
}

// Advise implements posix_fadvise for files whose data the host caches;
// for in-memory files there is nothing to advise, as on tmpfs.
func (f *File) Advise(off, length int64, advice int) error {
	if a, ok := f.impl.(Adviser); ok {
		return a.Advise(off, length, advice)
	}
	return nil
}

// Seals implements F_GET_SEALS: files that cannot be sealed give EINVAL.
func (f *File) Seals() (uint32, error) {
	if s, ok := f.impl.(Sealer); ok {
		return s.Seals()
	}
	return 0, unix.EINVAL
}

// AddSeals implements F_ADD_SEALS; the description must be open for
// writing (EPERM).
func (f *File) AddSeals(seals uint32) error {
	s, ok := f.impl.(Sealer)
	if !ok {
		return unix.EINVAL
	}
	if !f.writable {
		return unix.EPERM
	}
	return s.AddSeals(seals)
}

// MapFD returns the host fd holding the file's bytes, for file-backed mmap.
func (f *File) MapFD() (int, bool) {
	if h, ok := f.impl.(HostFDer); ok {
		return h.HostFD()
	}
	return -1, false
}

// PrivateMapFD returns the host fd and the base offset to map
// [off, off+length) of the file MAP_PRIVATE from: the file's own host fd
// (MapFD) at base 0, or a range of another host file (PrivateMapper; end
// is where the file's pages end in it, -1 for a descriptor of its own).
func (f *File) PrivateMapFD(off, length int64) (fd int, base, end int64, ok bool) {
	if p, ok := f.impl.(PrivateMapper); ok {
		return p.PrivateMapFD(off, length)
	}
	fd, ok = f.MapFD()
	return fd, 0, -1, ok
}

// Statfs implements fstatfs(2).
func (f *File) Statfs() (Statfs, error) {
	if !f.loc.Valid() {
		return Statfs{}, unix.ENOSYS
	}
	st, err := f.loc.Mount.fs.Statfs()
	st.Flags |= f.loc.Mount.StatfsFlags()
	return st, err
}
