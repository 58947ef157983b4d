package pipe

import (
	"sync/atomic"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// pipefsMagic is PIPEFS_MAGIC, reported by fstatfs on a pipe.
const pipefsMagic = 0x50495045

// FS hands out anonymous pipes (pipe2) with unique inode numbers, like
// Linux's pipefs. A kernel keeps one.
type FS struct {
	dev     uint64
	nextIno atomic.Uint64
}

// NewFS returns a pipe filesystem whose pipes report st_dev dev.
func NewFS(dev uint64) *FS { return &FS{dev: dev} }

// anonEnd is a pipe end without a filesystem inode: it answers fstat.
type anonEnd struct {
	*End
	stat vfs.Stat
}

func (a *anonEnd) Stat() (vfs.Stat, error) {
	st := a.stat
	st.Size = 0
	return st, nil
}

// NewPair implements pipe2(2): it returns the read and write Files, each
// with one reference. flags may contain O_NONBLOCK and O_DIRECT (status
// flags); O_CLOEXEC is the caller's fd flag.
func (fs *FS) NewPair(flags int) (r, w *vfs.File, err error) {
	if flags&^(unix.O_NONBLOCK|unix.O_DIRECT|unix.O_CLOEXEC) != 0 {
		return nil, nil, unix.EINVAL
	}
	p := New()
	now := vfs.Now()
	st := vfs.Stat{
		Dev: fs.dev, Ino: fs.nextIno.Add(1), Mode: unix.S_IFIFO | 0o600, Nlink: 1,
		Blksize: 4096, Atime: now, Mtime: now, Ctime: now,
	}
	status := flags & (unix.O_NONBLOCK | unix.O_DIRECT)
	r = vfs.NewFile(vfs.Location{}, &anonEnd{End: p.Open(unix.O_RDONLY), stat: st}, unix.O_RDONLY|status)
	w = vfs.NewFile(vfs.Location{}, &anonEnd{End: p.Open(unix.O_WRONLY), stat: st}, unix.O_WRONLY|status)
	return r, w, nil
}

// Statfs describes pipefs (for fstatfs on a pipe).
func (fs *FS) Statfs() vfs.Statfs {
	return vfs.Statfs{Type: pipefsMagic, Bsize: 4096, Namelen: vfs.NameMax, Frsize: 4096}
}
