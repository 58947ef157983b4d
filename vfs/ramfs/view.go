package ramfs

import (
	"golang.org/x/sys/unix"
)

// A file whose bytes live in a memfd is read, up to viewReadMax bytes at a
// time, through a read-only shared mapping of that memfd in elfloader's
// address space (its view): a read is then one copy, where a pread costs a host system call on top of the same
// copy (for a 4 KiB read, the larger part of what it costs). The view is
// made on the first read, remade when the file outgrows it and unmapped with
// the memfd. Only the bytes below the file's size are ever touched, under
// n.mu, which every change of size also holds, so the view never faults
// past the end of the memfd (that would be SIGBUS in elfloader).
//
// Files larger than viewMax are read with pread: their view would cost page
// tables for a file the app is likely to read once.
const viewMax = 256 << 20

// viewReadMax is the largest read served from the view. A larger one is a
// pread: its system call is small beside the copy, and it touches no page
// of the view, where the first touch of each page is a minor fault in
// elfloader (a 16-page fault-around; about 28 µs on a paravirtual guest
// with shadow page tables, where 1 MiB reads through the view ran at 1.8
// GB/s against pread's 23). Small reads keep the view: they read the same
// pages again (4 KiB ReadAt loops), without a system call.
const viewReadMax = 64 << 10

// viewGranule rounds a view's length, so a growing file is not remapped on
// every read.
const viewGranule = 2 << 20

// viewLocked returns the file's view covering at least its size, or nil
// when the file is read with pread. Caller holds n.mu and n.memfd >= 0.
func (n *Inode) viewLocked() []byte {
	if n.size > viewMax || n.size == 0 {
		return nil
	}
	if int64(len(n.view)) >= n.size {
		return n.view
	}
	n.unmapViewLocked()
	length := (n.size + viewGranule - 1) &^ (viewGranule - 1)
	b, err := unix.Mmap(n.memfd, 0, int(length), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil // pread still works
	}
	n.view = b
	return b
}

// unmapViewLocked drops the view. Caller holds n.mu.
func (n *Inode) unmapViewLocked() {
	if n.view != nil {
		unix.Munmap(n.view)
		n.view = nil
	}
}

// closeMemfdLocked drops the memfd and its view. Caller holds n.mu.
func (n *Inode) closeMemfdLocked() {
	n.unmapViewLocked()
	if n.memfd >= 0 {
		unix.Close(n.memfd)
		n.memfd = -1
	}
}
