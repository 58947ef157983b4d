package kernel

import (
	"context"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/vfs"
)

// VFSFile is an open file of the virtual filesystem, seen as a kernel File.
type VFSFile struct {
	FileOwner
	F    *vfs.File
	name string

	// passMu orders the registration of the file's description word
	// (Task.PassThroughFile, which may come late: Task.PassThroughRead);
	// passIndex is the word's index+1 (0: not passed through).
	passMu    sync.Mutex
	passIndex atomic.Uint32
	// revival is the file's revival record (revive.go), if any.
	revival atomic.Pointer[reviveRef]
}

// NewVFSFile wraps an open file description; name is its path for /proc
// and mapping names. The VFSFile owns the reference.
func NewVFSFile(f *vfs.File, name string) *VFSFile { return &VFSFile{F: f, name: name} }

// ioContext is the context vfs I/O runs with. Regular files never block.
func ioContext() context.Context { return context.Background() }

// blockingIO runs a read or write that may wait (a FIFO without
// O_NONBLOCK) with a context that a signal cancels: the call then ends
// with ERESTARTSYS, or with what it transferred. Other files run it with
// ioContext.
func (v *VFSFile) blockingIO(t *Task, op func(ctx context.Context) (int, error)) (int, error) {
	if !v.F.Waitable() || v.F.StatusFlags()&unix.O_NONBLOCK != 0 {
		return op(t.taskContext())
	}
	ctx, cancel := t.SignalContext()
	defer cancel()
	n, err := op(ctx)
	if err == unix.EINTR && n == 0 {
		return 0, ERESTARTSYS
	}
	return n, err
}

// Read implements File.
func (v *VFSFile) Read(t *Task, p []byte) (int, error) {
	return v.blockingIO(t, func(ctx context.Context) (int, error) { return v.F.Read(ctx, p) })
}

// Write implements File; a write beyond RLIMIT_FSIZE raises SIGXFSZ and a
// write to a FIFO without readers SIGPIPE, as Linux does.
func (v *VFSFile) Write(t *Task, p []byte) (int, error) {
	n, err := v.blockingIO(t, func(ctx context.Context) (int, error) { return v.F.Write(ctx, p) })
	switch err {
	case unix.EFBIG:
		t.SendSignal(NewSigInfo(int(unix.SIGXFSZ), linux.SI_USER))
	case unix.EPIPE:
		si := NewSigInfo(int(unix.SIGPIPE), linux.SI_USER)
		si.SetSender(t.p.PID, t.p.UID)
		t.SendSignal(si)
	}
	return n, err
}

// IncRef implements File: a VFSFile shares the vfs file's reference
// count, so the description has one count whichever side holds it.
func (v *VFSFile) IncRef() { v.F.IncRef() }

// DecRef implements File; the last reference releases the vfs file.
func (v *VFSFile) DecRef() { v.F.DecRef() }

// OnClose releases the table's POSIX record locks and its directory
// notification (F_NOTIFY) on the file: closing any descriptor of a file
// drops them (fcntl(2)).
func (v *VFSFile) OnClose(owner *FDTable) {
	v.F.ReleaseLocks(owner)
	v.F.DropDirNotify(owner)
}

// Readiness implements Waitable: the vfs file's readiness (files without a
// wait queue are always readable and writable).
func (v *VFSFile) Readiness(mask uint32) uint32 { return v.F.Readiness(mask) }

// Released implements Waitable.
func (v *VFSFile) Released() bool { return v.F.Released() }

// EventRegister implements Waitable.
func (v *VFSFile) EventRegister(w *vfs.Waiter) { v.F.EventRegister(w) }

// EventUnregister implements Waitable.
func (v *VFSFile) EventUnregister(w *vfs.Waiter) { v.F.EventUnregister(w) }

// Name is the file's path.
func (v *VFSFile) Name() string { return v.name }

// Stat implements Stater.
func (v *VFSFile) Stat(t *Task) (unix.Stat_t, error) {
	st, err := v.F.Stat()
	if err != nil {
		return unix.Stat_t{}, err
	}
	return StatToUnix(st), nil
}

// StatToUnix converts a vfs.Stat to struct stat.
func StatToUnix(st vfs.Stat) unix.Stat_t {
	return unix.Stat_t{
		Dev: st.Dev, Ino: st.Ino, Nlink: st.Nlink, Mode: st.Mode, Uid: st.UID, Gid: st.GID,
		Rdev: st.Rdev, Size: st.Size, Blksize: st.Blksize, Blocks: st.Blocks,
		Atim: st.Atime, Mtim: st.Mtime, Ctim: st.Ctime,
	}
}

// Seek implements Seeker.
func (v *VFSFile) Seek(t *Task, off int64, whence int) (int64, error) { return v.F.Seek(off, whence) }

// StatusFlags implements FlagFile.
func (v *VFSFile) StatusFlags() int { return v.F.StatusFlags() }

// SetStatusFlags implements FlagFile.
func (v *VFSFile) SetStatusFlags(fl int) error {
	v.F.SetStatusFlags(fl)
	return nil
}

// MapFD is the host descriptor holding the file's bytes, if any.
func (v *VFSFile) MapFD() (int, bool) { return v.F.MapFD() }

// PrivateMapFD is the host descriptor and base offset to map the file's
// [off, off+length) MAP_PRIVATE from, and where its pages end there
// (vfs.PrivateMapper).
func (v *VFSFile) PrivateMapFD(off, length int64) (int, int64, int64, bool) {
	return v.F.PrivateMapFD(off, length)
}

// ReadAt reads at an offset (the loader and file-backed private mappings).
func (v *VFSFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := v.F.Pread(ioContext(), p, off)
	if err == nil && n < len(p) {
		// io.ReaderAt must explain a short read.
		for n < len(p) {
			m, err := v.F.Pread(ioContext(), p[n:], off+int64(n))
			if m == 0 && err == nil {
				return n, io.EOF // the end of the file
			}
			if m == 0 || err != nil {
				return n, unix.EIO
			}
			n += m
		}
	}
	return n, err
}

// Ioctl implements Ioctler for devices of the vfs.
func (v *VFSFile) Ioctl(t *Task, req, arg uint64) (uint64, error) {
	if req == linux.FIONREAD {
		if p, ok := v.F.Impl().(interface{ Buffered() int }); ok {
			// FIFOs: the bytes waiting in the pipe.
			n := int32(p.Buffered())
			return 0, CopyOutStruct(t, arg, &n)
		}
		// Regular files: the bytes between the position and the end.
		if st, err := v.F.Stat(); err == nil && st.Type() == unix.S_IFREG {
			n := int32(min(max(st.Size-v.F.Offset(), 0), 1<<31-1))
			return 0, CopyOutStruct(t, arg, &n)
		}
	}
	return v.F.Ioctl(t.taskContext(), uint32(req), arg)
}

type taskKey struct{}

// taskContext is a context that names the task to the vfs call it is
// given to (TaskFromContext: devices that apply the caller's rules, such
// as the console's job control); made once per task.
func (t *Task) taskContext() context.Context {
	if t.ioCtx == nil {
		t.ioCtx = context.WithValue(ioContext(), taskKey{}, t)
	}
	return t.ioCtx
}

// TaskFromContext returns the task a vfs call runs for (device ioctls).
func TaskFromContext(ctx context.Context) (*Task, bool) {
	t, ok := ctx.Value(taskKey{}).(*Task)
	return t, ok
}

// GetLock implements F_GETLK (ofd: F_OFD_GETLK).
func (v *VFSFile) GetLock(t *Task, ofd bool, lk *unix.Flock_t) error {
	var owner any = t.p.files
	if ofd {
		owner = v.F
	}
	return v.F.GetLock(owner, lk)
}

// SetLock implements F_SETLK/F_SETLKW (ofd: the F_OFD_ variants); a
// blocking wait is interrupted by signals.
func (v *VFSFile) SetLock(t *Task, ofd bool, lk unix.Flock_t, wait bool) error {
	var owner any = t.p.files
	pid := int32(t.p.PID)
	if ofd {
		owner, pid = v.F, -1
	}
	ctx, cancel := t.SignalContext()
	defer cancel()
	err := v.F.SetLock(ctx, owner, pid, lk, wait)
	if err == unix.EINTR {
		return ERESTARTSYS
	}
	return err
}
