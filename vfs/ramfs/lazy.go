package ramfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Lazy contents: a file whose bytes live elsewhere until a program needs
// them (an indexed image's rootfs, which elfloader decompresses file by
// file). Stat reports the size at once; the bytes are loaded when the file
// is first opened or truncated, the only ways to reach them.

// SetLazyContent gives a regular file of size bytes whose content load
// returns when first needed. It replaces what the file held.
func (n *Inode) SetLazyContent(size int64, load func() ([]byte, error)) error {
	if n.typ() != unix.S_IFREG {
		return unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.memfd >= 0 {
		unix.Close(n.memfd)
		n.memfd = -1
	}
	n.data, n.size, n.lazy = nil, size, load
	return nil
}

// loadLocked brings a lazy file's bytes in. Caller holds n.mu. A failed
// load leaves the file lazy (the next open tries again) and fails with EIO,
// as a read error of a disk would.
func (n *Inode) loadLocked() error {
	if n.lazy == nil {
		return nil
	}
	data, err := n.lazy()
	if err == nil && int64(len(data)) != n.size {
		err = fmt.Errorf("%d bytes of content, want %d", len(data), n.size)
	}
	if err != nil {
		return unix.EIO // the loader reports why
	}
	n.lazy = nil
	n.data = data
	if n.size > SmallFileMax {
		return n.ensureMemfdLocked()
	}
	return nil
}
