package kernel

import (
	"context"
	"io"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// VFSFile is an open file of the virtual filesystem, seen as a kernel File.
type VFSFile struct {
	F    *vfs.File
	name string
}

// NewVFSFile wraps an open file description; name is its path for /proc
// and mapping names. The VFSFile owns the reference.
func NewVFSFile(f *vfs.File, name string) *VFSFile { return &VFSFile{F: f, name: name} }

// ioContext is the context vfs I/O runs with. Regular files never block;
// blocking vfs objects get a context that signals cancel (SignalContext).
func ioContext() context.Context { return context.Background() }

// Read implements File.
func (v *VFSFile) Read(t *Task, p []byte) (int, error) { return v.F.Read(ioContext(), p) }

// Write implements File.
func (v *VFSFile) Write(t *Task, p []byte) (int, error) {
	n, err := v.F.Write(ioContext(), p)
	if err == unix.EFBIG {
		t.SendSignal(NewSigInfo(int(unix.SIGXFSZ), SI_USER))
	}
	return n, err
}

// Close implements File.
func (v *VFSFile) Close() error {
	v.F.DecRef()
	return nil
}

// OnClose releases the process's POSIX record locks on the file: closing
// any descriptor of a file drops them (fcntl(2)).
func (v *VFSFile) OnClose(p *Process) { v.F.ReleaseLocks(p) }

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
	if req == fionread {
		// Regular files: the bytes between the position and the end.
		if st, err := v.F.Stat(); err == nil && st.Type() == unix.S_IFREG {
			n := max(st.Size-v.F.Offset(), 0)
			return 0, putU32(t, arg, uint32(min(n, 1<<31-1)))
		}
	}
	return v.F.Ioctl(context.WithValue(ioContext(), taskKey{}, t), uint32(req), arg)
}

type taskKey struct{}

// TaskFromContext returns the task a vfs call runs for (device ioctls).
func TaskFromContext(ctx context.Context) (*Task, bool) {
	t, ok := ctx.Value(taskKey{}).(*Task)
	return t, ok
}

// CloseNotifier is implemented by files that must hear about every close
// of a descriptor of theirs (record locks).
type CloseNotifier interface {
	OnClose(p *Process)
}

// GetLock implements F_GETLK (ofd: F_OFD_GETLK).
func (v *VFSFile) GetLock(t *Task, ofd bool, lk *unix.Flock_t) error {
	var owner any = t.p
	if ofd {
		owner = v.F
	}
	return v.F.GetLock(owner, lk)
}

// SetLock implements F_SETLK/F_SETLKW (ofd: the F_OFD_ variants); a
// blocking wait is interrupted by signals.
func (v *VFSFile) SetLock(t *Task, ofd bool, lk unix.Flock_t, wait bool) error {
	var owner any = t.p
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
