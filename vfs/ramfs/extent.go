package ramfs

import (
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// Extent contents: a file whose bytes are a range of a host file that
// ramfs does not own and never writes (a file stored uncompressed in an
// elfloader image, format 1.2). Reads copy from the range with pread, and
// a private mapping of the file maps the range itself (PrivateMapFD), so
// that a program stored in an image runs from the image's pages without
// a copy. Anything that could change the bytes or needs a host file of
// the file's own (a write, truncate, fallocate, a shared mapping, splice
// and the other MapFD users) first copies the range into the file's own
// memory (copy-on-write at the file level); from then on the file is an
// ordinary ramfs file.

// Extent is where an extent file's bytes are: Off (a multiple of the page
// size) in the host file FD, followed by zeros up to the next page.
type Extent struct {
	FD  int
	Off int64
}

// SetExtentContent gives a regular file of size bytes whose content is
// the extent that open returns; open is called when the file is first
// opened (it may check the bytes: an error makes that open fail with EIO
// and leaves the file as it was, like SetLazyContent's load). The host
// descriptor must stay open while the file exists.
func (n *Inode) SetExtentContent(size int64, open func() (Extent, error)) error {
	if n.typ() != unix.S_IFREG {
		return unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closeMemfdLocked()
	n.data, n.size, n.lazy, n.ext = nil, size, nil, nil
	n.extOpen = open
	return nil
}

// openExtentLocked runs the extent's open on the first open of the file.
// Caller holds n.mu.
func (n *Inode) openExtentLocked() error {
	if n.extOpen == nil {
		return nil
	}
	ext, err := n.extOpen()
	if err != nil {
		return unix.EIO
	}
	n.ext, n.extOpen = &ext, nil
	return nil
}

// unshareLocked copies an extent file's bytes into the file's own memory
// (Go memory or a memfd, as for any file of its size), before anything
// that changes them or hands out a host descriptor of the file. Caller
// holds n.mu.
func (n *Inode) unshareLocked() error {
	if err := n.openExtentLocked(); err != nil {
		return err
	}
	if n.ext == nil {
		return nil
	}
	ext := *n.ext
	n.ext = nil
	if err := n.fillLocked(io.NewSectionReader(preader(ext.FD), ext.Off, n.size)); err != nil {
		n.closeMemfdLocked()
		n.data = nil
		n.ext = &ext
		return fmt.Errorf("ramfs: copy the file out of its extent: %w", err)
	}
	return nil
}

// readExtentLocked reads from an extent file. Caller holds n.mu.
func (n *Inode) readExtentLocked(p []byte, off int64) (int, error) {
	return readRange(preader(n.ext.FD), p, n.ext.Off+off, n.ext.Off+n.size)
}

// PrivateMapFD implements vfs.PrivateMapper: an extent file maps privately
// from its extent, base being the extent's offset in the host file and
// end its pages' end (past them Linux faults with SIGBUS, which the next
// bytes of the host file would not do: the caller maps that part from
// elsewhere); other files give their memfd (HostFD), base 0, end -1.
func (f *regularFile) PrivateMapFD(off, length int64) (fd int, base, end int64, ok bool) {
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ext != nil {
		pages := (n.size + pageSize - 1) &^ (pageSize - 1)
		if off >= 0 && length >= 0 && off <= pages {
			return n.ext.FD, n.ext.Off, pages, true
		}
	}
	if err := n.ensureMemfdLocked(); err != nil {
		return -1, 0, -1, false
	}
	return n.memfd, 0, -1, true
}

const pageSize = 4096

// preader is a host descriptor read with pread (io.ReaderAt).
type preader int

func (fd preader) ReadAt(p []byte, off int64) (int, error) {
	total := 0
	for total < len(p) {
		r, err := unix.Pread(int(fd), p[total:], off+int64(total))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		if r == 0 {
			return total, io.EOF
		}
		total += r
	}
	return total, nil
}
