package hostfs

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// regularFile is an open host file.
type regularFile struct {
	fd       int
	shared   bool // the inode's shared read-only descriptor: not ours to close
	appendMu sync.Mutex
}

func (f *regularFile) Read(_ context.Context, p []byte, off int64, _ bool) (int, error) {
	for {
		n, err := unix.Pread(f.fd, p, off)
		if err == unix.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

func (f *regularFile) Write(_ context.Context, p []byte, off int64, _ bool) (int, error) {
	total := 0
	for total < len(p) {
		n, err := unix.Pwrite(f.fd, p[total:], off+int64(total))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Append implements vfs.Appender (atomic among this vfs's writers).
func (f *regularFile) Append(ctx context.Context, p []byte) (int, int64, error) {
	f.appendMu.Lock()
	defer f.appendMu.Unlock()
	size, err := f.Size()
	if err != nil {
		return 0, 0, err
	}
	n, err := f.Write(ctx, p, size, false)
	return n, size + int64(n), err
}

// Size implements vfs.Seekable.
func (f *regularFile) Size() (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// HostFD implements vfs.HostFDer.
func (f *regularFile) HostFD() (int, bool) { return f.fd, true }

// Sync implements vfs.Syncer.
func (f *regularFile) Sync() error { return unix.Fsync(f.fd) }

// Advise implements vfs.Adviser: the advice goes to the host's cache.
func (f *regularFile) Advise(off, length int64, advice int) error {
	return unix.Fadvise(f.fd, off, length, advice)
}

// Allocate implements vfs.Allocator.
func (f *regularFile) Allocate(mode uint32, off, length int64) error {
	return unix.Fallocate(f.fd, mode, off, length)
}

func (f *regularFile) Release() {
	if !f.shared {
		unix.Close(f.fd)
	}
}

// dirFile is an open host directory.
type dirFile struct {
	mu  sync.Mutex
	fd  int
	buf []byte // getdents64's, kept while the directory is open
}

func (d *dirFile) Read(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EISDIR }
func (d *dirFile) Write(context.Context, []byte, int64, bool) (int, error) {
	return 0, unix.EBADF
}
func (d *dirFile) Release()             { unix.Close(d.fd) }
func (d *dirFile) Size() (int64, error) { return 0, nil }

// ReadDir implements vfs.DirReader using the host's getdents64 cookies.
func (d *dirFile) ReadDir(cookie int64, yield func(vfs.DirEntry) bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := unix.Seek(d.fd, cookie, unix.SEEK_SET); err != nil {
		return err
	}
	if d.buf == nil {
		d.buf = make([]byte, 8192)
	}
	for {
		n, err := unix.Getdents(d.fd, d.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 || !vfs.EachDirent64(d.buf[:n], yield) {
			return nil
		}
	}
}

// HostPread implements vfs.HostPreader: Read is the host's pread of the
// descriptor. The gate is nil: the inode's Stat gate (HostStatInode)
// governs the file's pass-through.
func (f *regularFile) HostPread() (int, *atomic.Uint64, bool) { return f.fd, nil, true }
