package ramfs

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// DeviceOpener opens the character or block device rdev for a device node.
type DeviceOpener = vfs.DeviceOpener

// Options configures a ramfs instance.
type Options struct {
	// ReadOnly makes every modification fail with EROFS.
	ReadOnly bool
	// Dev is reported as st_dev.
	Dev uint64
	// RootMode is the root directory's permission bits (default 0755).
	RootMode uint32
	// Devices opens device nodes; without it they give ENXIO.
	Devices DeviceOpener
	// AllowSealing lets regular files take seals (a memfd made with
	// MFD_ALLOW_SEALING); others start with F_SEAL_SEAL, as tmpfs files.
	AllowSealing bool
	// NoExecSeal starts regular files with F_SEAL_EXEC (MFD_NOEXEC_SEAL).
	NoExecSeal bool
	// PathCacheable says that once it is mounted, its names change only
	// through the vfs (a tmpfs), so that the vfs may cache paths through
	// it (vfs.PathCacheable). Leave it off for a tree its owner changes
	// directly (devpts, devfs).
	PathCacheable bool
}

// FS is a ramfs instance.
type FS struct {
	opts    Options
	nextIno atomic.Uint64
	// mu guards every directory's entries (names and links); per-node
	// attributes and contents have their own lock.
	mu   sync.RWMutex
	root *Inode
	// gates are the read gates of files whose pread passes to the host
	// (Inode.readGate), unmapped when the filesystem is collected.
	gates *vfs.Gates
}

// New returns an empty ramfs.
func New(opts Options) *FS {
	fs := &FS{opts: opts, gates: new(vfs.Gates)}
	runtime.AddCleanup(fs, func(g *vfs.Gates) { g.Unmap() }, fs.gates)
	mode := opts.RootMode
	if mode == 0 {
		mode = 0o755
	}
	fs.root = fs.newNode(unix.S_IFDIR|mode&0o7777, vfs.Cred{})
	fs.root.parent = fs.root
	return fs
}

// Root implements vfs.FileSystem.
func (fs *FS) Root() (vfs.Inode, error) { return fs.root, nil }

// RootInode returns the root directory with its concrete type.
func (fs *FS) RootInode() *Inode { return fs.root }

// ReadOnly implements vfs.FileSystem.
func (fs *FS) ReadOnly() bool { return fs.opts.ReadOnly }

// PathCacheable implements vfs.PathCacheable: Options.PathCacheable.
func (fs *FS) PathCacheable() bool { return fs.opts.PathCacheable }

// Statfs implements vfs.FileSystem with TMPFS_MAGIC.
func (fs *FS) Statfs() (vfs.Statfs, error) {
	return vfs.Statfs{
		Type: unix.TMPFS_MAGIC, Bsize: 4096, Frsize: 4096, Namelen: vfs.NameMax,
		Blocks: 1 << 20, Bfree: 1 << 20, Bavail: 1 << 20,
		Files: 1 << 20, Ffree: 1<<20 - fs.nextIno.Load(),
	}, nil
}
