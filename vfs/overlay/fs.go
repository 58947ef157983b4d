package overlay

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"golang.org/x/sys/unix"
)

const (
	opaqueXattr = "trusted.overlay.opaque"
	originXattr = "trusted.overlay.origin"
	// upperInoBase offsets inode numbers of upper-only files so they do
	// not collide with lower inode numbers.
	upperInoBase = 1 << 62
)

// Options configures an overlay.
type Options struct {
	// Dev is reported as st_dev of every file.
	Dev uint64
}

// FS is an overlay filesystem.
type FS struct {
	opts  Options
	upper *ramfs.FS
	lower vfs.FileSystem
	root  *node
	// mu serialises every modification (copy-up, create, remove, rename)
	// so that the two layers stay consistent.
	mu sync.Mutex

	// gates are the gate words of lower regular files whose Stat is the
	// host's (node.HostStatDev), by lower inode number: closed when the
	// file is copied up. Guarded by mu.
	gates     *vfs.Gates
	gateByIno map[uint64]*atomic.Uint64
}

// New builds an overlay of a fresh ramfs over lower.
func New(lower vfs.FileSystem, opts Options) (*FS, error) {
	lroot, err := lower.Root()
	if err != nil {
		return nil, fmt.Errorf("overlay: lower root: %w", err)
	}
	fs := &FS{opts: opts, lower: lower, upper: ramfs.New(ramfs.Options{Dev: opts.Dev}), gates: new(vfs.Gates)}
	runtime.AddCleanup(fs, func(gates *vfs.Gates) { gates.Unmap() }, fs.gates)
	uroot := fs.upper.RootInode()
	lst, err := lroot.Stat()
	if err != nil {
		return nil, fmt.Errorf("overlay: lower root: %w", err)
	}
	if err := uroot.SetAttr(vfs.SetAttr{
		Mask: vfs.AttrMode | vfs.AttrUID | vfs.AttrGID | vfs.AttrAtime | vfs.AttrMtime,
		Mode: lst.Mode & 0o7777, UID: lst.UID, GID: lst.GID, Atime: lst.Atime, Mtime: lst.Mtime,
	}); err != nil {
		return nil, fmt.Errorf("overlay: upper root: %w", err)
	}
	fs.root = &node{fs: fs, upper: uroot, lower: lroot, ino: lst.Ino, typ: unix.S_IFDIR}
	return fs, nil
}

// Root implements vfs.FileSystem.
func (fs *FS) Root() (vfs.Inode, error) { return fs.root, nil }

// ReadOnly implements vfs.FileSystem: an overlay is always writable.
func (fs *FS) ReadOnly() bool { return false }

// PathCacheable implements vfs.PathCacheable: its names change through the
// vfs, or in its lower layers as they would show anyway.
func (fs *FS) PathCacheable() bool { return true }

// Statfs implements vfs.FileSystem with the overlay magic. Linux's
// overlayfs reports its upper layer's numbers, which for a container are
// the host disk holding the upper directory; here the upper layer is
// memory, so the blocks the lower layer's files take count as used on top
// of the upper layer's: what the app can still write is the upper's free
// space, what it sees is the lower's and the upper's content (df / and
// shutil.disk_usage show the files as taking room).
func (fs *FS) Statfs() (vfs.Statfs, error) {
	st, err := fs.upper.Statfs()
	if err != nil {
		return st, err
	}
	st.Type = unix.OVERLAYFS_SUPER_MAGIC
	if lst, err := fs.lower.Statfs(); err == nil && lst.Frsize > 0 && st.Frsize > 0 && lst.Blocks >= lst.Bfree {
		used := (lst.Blocks - lst.Bfree) * uint64(lst.Frsize) / uint64(st.Frsize)
		st.Blocks += used
	}
	return st, nil
}

// Upper returns the upper ramfs (for inspection and tests).
func (fs *FS) Upper() *ramfs.FS { return fs.upper }

func isWhiteout(in vfs.Inode) bool {
	st, err := in.Stat()
	return err == nil && st.Type() == unix.S_IFCHR && st.Rdev == 0
}

func isOpaque(upper vfs.Inode) bool {
	x, ok := upper.(vfs.Xattrer)
	if !ok {
		return false
	}
	v, err := x.GetXattr(opaqueXattr)
	return err == nil && string(v) == "y"
}

func typeOf(in vfs.Inode) uint32 {
	if id, ok := in.(vfs.Identifier); ok {
		_, t := id.Identity()
		return t
	}
	st, err := in.Stat()
	if err != nil {
		return 0
	}
	return st.Type()
}
