package vfs

import (
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// HostStatInode is an inode whose Stat is the host's fstat of the host
// descriptor of any of its open files (HostFDer) with st_dev replaced by
// dev (0: the host's), for as long as the word gate points to reads 0: the
// filesystem sets it, for good, once Stat may differ from the host's in
// more than st_dev (an ownership recorded in memory). gate lives outside
// the Go heap, so that the platform's pass-through may read it
// (kernel/passthrough.go).
type HostStatInode interface {
	HostStatDev() (dev uint64, gate *atomic.Uint64, ok bool)
}

// HostStat reports whether the host can answer fstat of f and how: the
// host descriptor to fstat, the st_dev to report and the gate word
// (HostStatInode).
func (f *File) HostStat() (fd int, dev uint64, gate *atomic.Uint64, ok bool) {
	if _, over := f.impl.(StatOverrider); over || !f.loc.Valid() {
		return -1, 0, nil, false
	}
	hs, isHost := f.loc.Dentry.inode.(HostStatInode)
	if !isHost {
		return -1, 0, nil, false
	}
	fd, ok = f.MapFD()
	if !ok {
		return -1, 0, nil, false
	}
	dev, gate, ok = hs.HostStatDev()
	return fd, dev, gate, ok
}

// HostPreader is an open regular file whose pread(2) is the host's pread64
// of the host descriptor fd for as long as the word gate points to reads
// 0: the filesystem closes it while a read would change more than the
// buffer (an access time to update) and may open it again. gate lives
// outside the Go heap (Gates), for the platform's pass-through.
type HostPreader interface {
	HostPread() (fd int, gate *atomic.Uint64, ok bool)
}

// HostPread reports whether the host can answer pread64 of f, and how:
// the host descriptor and the gate word (HostPreader); inotify and
// fanotify hear of reads through the vfs alone (AccessWord). Only for a
// regular file open for reading.
func (f *File) HostPread() (fd int, gate *atomic.Uint64, ok bool) {
	if !f.readable || !f.loc.Valid() || f.isDir() {
		return -1, nil, false
	}
	if _, seekable := f.seekable(); !seekable {
		return -1, nil, false
	}
	hp, isHost := f.impl.(HostPreader)
	if !isHost {
		return -1, nil, false
	}
	return hp.HostPread()
}

// AccessWord is the access word of f's VFS (VFS.AccessWord), nil for a
// file outside the tree.
func (f *File) AccessWord() *atomic.Uint64 {
	if !f.loc.Valid() {
		return nil
	}
	return f.loc.Mount.vfs.AccessWord()
}

// OnRelease sets fn to run when the last reference to f is dropped, before
// f's implementation releases its host descriptor. A file has one; set it
// while the caller holds a reference, and once (the kernel's pass-through
// registration does, under its own lock).
func (f *File) OnRelease(fn func()) { f.onRelease = fn }

// Gates hands out gate words (HostStatInode) from pages of their own,
// outside the Go heap, where the platform may read them. A filesystem
// keeps one; the words live as long as it does (Unmap when it is
// collected). The zero Gates is ready to use.
type Gates struct {
	mu    sync.Mutex
	pages [][]byte
	used  int // words handed out of the last page
}

// gatesPerPage is the number of words a page of gates holds.
var gatesPerPage = os.Getpagesize() / 8

// New returns a fresh gate word (0: open), or nil when no page can be
// mapped.
func (g *Gates) New() *atomic.Uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pages) == 0 || g.used == gatesPerPage {
		mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return nil
		}
		g.pages, g.used = append(g.pages, mem), 0
	}
	w := (*atomic.Uint64)(unsafe.Pointer(&g.pages[len(g.pages)-1][8*g.used]))
	g.used++
	return w
}

// Unmap releases every page: call it only when no gate word is in use.
func (g *Gates) Unmap() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.pages {
		unix.Munmap(p)
	}
	g.pages, g.used = nil, 0
}
