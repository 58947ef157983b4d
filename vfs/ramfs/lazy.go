package ramfs

import (
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// Lazy contents: a file whose bytes live elsewhere until a program needs
// them (an indexed image's rootfs, which elfloader decompresses file by
// file). Stat reports the size at once; the bytes are loaded when the file
// is first opened or truncated, the only ways to reach them.

// SetLazyContent gives a regular file of size bytes whose content the
// reader that load returns yields when first needed. It replaces what the
// file held.
func (n *Inode) SetLazyContent(size int64, load func() (io.Reader, error)) error {
	if n.typ() != unix.S_IFREG {
		return unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closeMemfdLocked()
	n.data, n.size, n.lazy = nil, size, load
	n.ext, n.extOpen = nil, nil
	return nil
}

// loadLocked brings a lazy file's bytes in: into Go memory up to
// SmallFileMax, else straight into the file's memfd. Caller holds n.mu. A
// failed load leaves the file lazy (the next open tries again) and fails
// with EIO, as a read error of a disk would; the loader reports why.
func (n *Inode) loadLocked() error {
	if n.lazy == nil {
		return nil
	}
	r, err := n.lazy()
	if err == nil {
		err = n.fillLocked(r)
	}
	if err != nil {
		n.closeMemfdLocked()
		n.data = nil
		return unix.EIO
	}
	n.lazy = nil
	return nil
}

// fillLocked reads exactly n.size bytes of content from r.
func (n *Inode) fillLocked(r io.Reader) error {
	if n.size <= SmallFileMax {
		n.data = make([]byte, n.size)
		_, err := io.ReadFull(r, n.data)
		return err
	}
	if err := n.ensureMemfdLocked(); err != nil {
		return err
	}
	w := &memfdWriter{fd: n.memfd}
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	if w.off != n.size {
		return fmt.Errorf("%d bytes of content, want %d", w.off, n.size)
	}
	return nil
}

// memfdWriter writes sequentially into a memfd with pwrite.
type memfdWriter struct {
	fd  int
	off int64
}

func (w *memfdWriter) Write(p []byte) (int, error) {
	total := 0
	for total < len(p) {
		k, err := unix.Pwrite(w.fd, p[total:], w.off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		total += k
		w.off += int64(k)
	}
	return total, nil
}
