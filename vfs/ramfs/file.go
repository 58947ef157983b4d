package ramfs

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync/atomic"
	"time"
	"weak"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// Open implements vfs.Inode.
func (n *Inode) Open(flags int) (vfs.FileImpl, error) {
	switch n.typ() {
	case unix.S_IFREG:
		n.mu.Lock()
		defer n.mu.Unlock()
		if err := n.loadLocked(); err != nil {
			return nil, err
		}
		if err := n.openExtentLocked(); err != nil {
			return nil, err
		}
		n.opens++
		return &regularFile{n: n}, nil
	case unix.S_IFDIR:
		return &dirFile{n: n}, nil
	case unix.S_IFIFO:
		return n.pipe.Open(flags)
	case unix.S_IFCHR, unix.S_IFBLK:
		if n.fs.opts.Devices == nil {
			return nil, unix.ENXIO
		}
		return n.fs.opts.Devices(context.Background(), n.rdev, flags)
	case unix.S_IFLNK:
		return nil, unix.ELOOP
	}
	return nil, unix.ENXIO
}

// SmallFileMax is the size up to which a file that was never mapped keeps
// its bytes in Go memory instead of a memfd (saving a host fd per file).
const SmallFileMax = 64 << 10

// ensureMemfdLocked moves the file's bytes into a memfd. Caller holds n.mu.
func (n *Inode) ensureMemfdLocked() error {
	if n.memfd >= 0 {
		return nil
	}
	if err := n.unshareLocked(); err != nil {
		return err
	}
	if n.memfd >= 0 {
		return nil // the extent was large: copied into a memfd
	}
	fd, err := unix.MemfdCreate("ramfs", unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("ramfs: memfd_create: %w", err)
	}
	if n.size > 0 {
		if err := unix.Ftruncate(fd, n.size); err != nil {
			unix.Close(fd)
			return fmt.Errorf("ramfs: ftruncate memfd: %w", err)
		}
	}
	// Pages of zeros stay holes, as the file's unwritten pages are on
	// tmpfs (the host's cache keeps no page for them).
	const page = 4096
	for start := 0; start < len(n.data); start += page {
		chunk := n.data[start:min(start+page, len(n.data))]
		if allZero(chunk) {
			continue
		}
		for off := 0; off < len(chunk); {
			w, err := unix.Pwrite(fd, chunk[off:], int64(start+off))
			if err != nil && err != unix.EINTR {
				unix.Close(fd)
				return fmt.Errorf("ramfs: fill memfd: %w", err)
			}
			off += max(w, 0)
		}
	}
	n.memfd = fd
	n.data = nil
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// truncateLocked sets the file size. Caller holds n.mu.
func (n *Inode) truncateLocked(size int64) error {
	if err := n.loadLocked(); err != nil {
		return err
	}
	if err := n.unshareLocked(); err != nil {
		return err
	}
	if size == n.size {
		return nil
	}
	if n.memfd < 0 && size <= SmallFileMax {
		n.data = resize(n.data, int(size))
		n.size = size
		return nil
	}
	if err := n.ensureMemfdLocked(); err != nil {
		return err
	}
	if err := unix.Ftruncate(n.memfd, size); err != nil {
		return err
	}
	n.size = size
	return nil
}

// writeLocked writes p at off. Caller holds n.mu.
func (n *Inode) writeLocked(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if off > math.MaxInt64-int64(len(p)) {
		return 0, unix.EFBIG
	}
	if err := n.checkWriteSealsLocked(off, off+int64(len(p))); err != nil {
		return 0, err
	}
	if err := n.unshareLocked(); err != nil {
		return 0, err
	}
	if end := off + int64(len(p)); n.memfd < 0 && end <= SmallFileMax {
		if end > int64(len(n.data)) {
			n.data = resize(n.data, int(end))
			n.size = end
		}
		copy(n.data[off:], p)
		n.touchLocked()
		return len(p), nil
	}
	if err := n.ensureMemfdLocked(); err != nil {
		return 0, err
	}
	total := 0
	for total < len(p) {
		w, err := unix.Pwrite(n.memfd, p[total:], off+int64(total))
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if total > 0 {
				break
			}
			return 0, err
		}
		total += w
	}
	if end := off + int64(total); end > n.size {
		n.size = end
	}
	n.touchLocked()
	return total, nil
}

// resize returns b with length n, zero-filling any growth.
func resize(b []byte, n int) []byte {
	if n <= len(b) {
		clear(b[n:])
		return b[:n]
	}
	if n <= cap(b) {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	nb := make([]byte, n, max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}

// relatimeLocked updates atime on access the way relatime does: when it
// is not newer than mtime/ctime, or older than a day. Caller holds n.mu.
func (n *Inode) relatimeLocked() {
	fresh := after(n.atime, n.mtime) && after(n.atime, n.ctime)
	if fresh && n.atimeFresh.Load() {
		// atime was set by a read less than a day ago: no clock read (a
		// vDSO call cost 4% of a 4 KiB pread).
		return
	}
	now := vfs.Now()
	if !fresh || now.Sec-n.atime.Sec >= 24*3600 {
		n.atime = now
		n.armAtimeDay()
	}
	n.syncReadGateLocked()
}

// syncReadGateLocked opens the pass-through read gate (readGate) when a
// read would change no attribute, else closes it. Caller holds n.mu.
func (n *Inode) syncReadGateLocked() {
	g := n.readGate.Load()
	if g == nil {
		return
	}
	if n.atimeFresh.Load() && after(n.atime, n.mtime) && after(n.atime, n.ctime) {
		g.Store(0)
	} else {
		g.Store(1)
	}
}

// armAtimeDay marks atime fresh for a day. The timer holds the inode
// weakly: an unlinked file's memory is not kept for a day.
func (n *Inode) armAtimeDay() {
	n.atimeFresh.Store(true)
	if n.atimeTimer != nil {
		n.atimeTimer.Reset(24 * time.Hour)
		return
	}
	w := weak.Make(n)
	n.atimeTimer = time.AfterFunc(24*time.Hour, func() {
		if n := w.Value(); n != nil {
			n.atimeFresh.Store(false)
			if g := n.readGate.Load(); g != nil {
				g.Store(1)
			}
		}
	})
}

func after(a, b unix.Timespec) bool {
	return a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec
}

// regularFile is an open regular file.
type regularFile struct {
	n *Inode
}

func (f *regularFile) Read(_ context.Context, p []byte, off int64, _ bool) (int, error) {
	n := f.n
	n.mu.Lock()
	fd, size := n.memfd, n.size
	n.relatimeLocked()
	if n.ext != nil {
		defer n.mu.Unlock()
		return n.readExtentLocked(p, off)
	}
	if fd < 0 {
		defer n.mu.Unlock()
		if off >= int64(len(n.data)) {
			return 0, nil
		}
		return copy(p, n.data[off:]), nil
	}
	if len(p) <= viewReadMax {
		if view := n.viewLocked(); view != nil {
			defer n.mu.Unlock()
			if off >= size {
				return 0, nil
			}
			return copy(p, view[off:size]), nil
		}
	}
	n.mu.Unlock()
	return readRange(preader(fd), p, off, size)
}

// readRange is read(2) of a file of size bytes whose content r holds from
// offset 0: up to the end of the file, short (no error) when r ends early
// or fails after some bytes.
func readRange(r preader, p []byte, off, size int64) (int, error) {
	if off >= size || len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > size-off {
		p = p[:size-off]
	}
	n, err := r.ReadAt(p, off)
	if n > 0 || err == io.EOF {
		err = nil
	}
	return n, err
}

func (f *regularFile) Write(_ context.Context, p []byte, off int64, _ bool) (int, error) {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	return f.n.writeLocked(p, off)
}

// Append implements vfs.Appender.
func (f *regularFile) Append(_ context.Context, p []byte) (int, int64, error) {
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	w, err := n.writeLocked(p, n.size)
	return w, n.size, err
}

// Size implements vfs.Seekable.
func (f *regularFile) Size() (int64, error) {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	return f.n.size, nil
}

// HostFD implements vfs.HostFDer: the memfd, created if needed.
func (f *regularFile) HostFD() (int, bool) {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	if err := f.n.ensureMemfdLocked(); err != nil {
		return -1, false
	}
	return f.n.memfd, true
}

// HostPread implements vfs.HostPreader: a file whose bytes are in a memfd
// (of the file's size: writes and truncation keep it so) reads as the
// memfd's pread while the inode's read gate is open.
func (f *regularFile) HostPread() (int, *atomic.Uint64, bool) {
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.memfd < 0 || n.ext != nil || n.lazy != nil {
		return -1, nil, false
	}
	g := n.readGate.Load()
	if g == nil {
		if g = n.fs.gates.New(); g == nil {
			return -1, nil, false
		}
		n.readGate.Store(g)
		n.syncReadGateLocked()
	}
	return n.memfd, g, true
}

// Allocate implements vfs.Allocator.
func (f *regularFile) Allocate(mode uint32, off, length int64) error {
	// tmpfs allocates and punches holes, nothing else.
	if mode&^uint32(unix.FALLOC_FL_KEEP_SIZE|unix.FALLOC_FL_PUNCH_HOLE) != 0 {
		return unix.EOPNOTSUPP
	}
	if off > math.MaxInt64-length {
		return unix.EFBIG
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if mode&unix.FALLOC_FL_PUNCH_HOLE != 0 {
		if err := n.checkWriteSealsLocked(off, off); err != nil {
			return err
		}
	} else if mode&unix.FALLOC_FL_KEEP_SIZE == 0 && off+length > n.size && n.seals&unix.F_SEAL_GROW != 0 {
		return unix.EPERM
	}
	if err := n.ensureMemfdLocked(); err != nil {
		return err
	}
	if err := unix.Fallocate(n.memfd, mode, off, length); err != nil {
		return err
	}
	if mode&(unix.FALLOC_FL_KEEP_SIZE|unix.FALLOC_FL_PUNCH_HOLE) == 0 && off+length > n.size {
		n.size = off + length
	}
	n.touchLocked()
	return nil
}

func (f *regularFile) Release() {
	n := f.n
	n.mu.Lock()
	n.opens--
	n.maybeFreeLocked()
	n.mu.Unlock()
}

// dirFile is an open directory.
type dirFile struct {
	n *Inode
}

func (d *dirFile) Read(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EISDIR }
func (d *dirFile) Write(context.Context, []byte, int64, bool) (int, error) {
	return 0, unix.EBADF
}
func (d *dirFile) Release()             {}
func (d *dirFile) Size() (int64, error) { return 0, nil }

// ReadDir implements vfs.DirReader.
func (d *dirFile) ReadDir(cookie int64, yield func(vfs.DirEntry) bool) error {
	return d.n.readDir(cookie, yield)
}
