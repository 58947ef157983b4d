package hostfs

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// Options configures a hostfs mount.
type Options struct {
	// Writable allows modifications; without it every change is EROFS.
	Writable bool
	// Dev overrides st_dev (0 keeps the host's).
	Dev uint64
}

// FS is a host directory.
type FS struct {
	opts Options
	root *Inode

	ownersMu sync.Mutex
	owners   map[uint64]owner // recorded chown results by host inode

	// gate is HostStatDev's gate: set once an owner is recorded (Stat
	// then differs from the host's). Mapped on first use.
	gateOnce sync.Once
	gates    *vfs.Gates
	gate     *atomic.Uint64
}

type owner struct {
	uid, gid uint32
	typ      uint32 // the file type (S_IFMT bits) it was recorded for
}

// resolveFlags is used for every host lookup: stay beneath the directory
// descriptor and never follow a symlink.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS

// New opens dir as a filesystem. Host descriptors (the directory's and
// each inode's O_PATH descriptor) are closed when the Go objects holding
// them are garbage collected; open files close theirs on Release.
func New(dir string, opts Options) (*FS, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("hostfs: open %s: %w", dir, err)
	}
	fs := &FS{opts: opts, owners: make(map[uint64]owner), gates: new(vfs.Gates)}
	root, err := fs.newInode(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("hostfs: stat %s: %w", dir, err)
	}
	fs.root = root
	return fs, nil
}

// newInode wraps an O_PATH descriptor; the Inode owns it.
func (fs *FS) newInode(fd int) (*Inode, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(fd, "", &st, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, err
	}
	n := &Inode{fs: fs, fd: fd, ino: st.Ino, typ: st.Mode & unix.S_IFMT}
	runtime.AddCleanup(n, func(fd int) { unix.Close(fd) }, fd)
	return n, nil
}

// Root implements vfs.FileSystem.
func (fs *FS) Root() (vfs.Inode, error) { return fs.root, nil }

// ReadOnly implements vfs.FileSystem.
func (fs *FS) ReadOnly() bool { return !fs.opts.Writable }

// PathCacheable implements vfs.PathCacheable: the host's own changes show
// after LookupTTL anyway (plus the vfs's PathCacheTTL).
func (fs *FS) PathCacheable() bool { return true }

// Statfs implements vfs.FileSystem with the host's numbers.
func (fs *FS) Statfs() (vfs.Statfs, error) {
	var s unix.Statfs_t
	defer runtime.KeepAlive(fs.root)
	if err := unix.Fstatfs(fs.root.fd, &s); err != nil {
		return vfs.Statfs{}, err
	}
	out := vfs.Statfs{
		Type: s.Type, Bsize: s.Bsize, Blocks: s.Blocks, Bfree: s.Bfree, Bavail: s.Bavail,
		Files: s.Files, Ffree: s.Ffree, Namelen: s.Namelen, Frsize: s.Frsize,
	}
	if fs.ReadOnly() {
		out.Flags |= unix.ST_RDONLY
	}
	return out, nil
}

// recordOwner records ino's owner; from then on fstat of a regular file
// is answered by this filesystem, not by the host (the gate, which only
// regular files have: an owner recorded for a directory, as a server
// chowning its temporary directories makes, leaves it open).
func (fs *FS) recordOwner(ino uint64, o owner) {
	if g := fs.statGate(); g != nil && o.typ == unix.S_IFREG {
		g.Store(1)
	}
	fs.ownersMu.Lock()
	fs.owners[ino] = o
	fs.ownersMu.Unlock()
}

// statGate is the gate word (vfs.HostStatInode), mapped on first use;
// nil when the map fails.
func (fs *FS) statGate() *atomic.Uint64 {
	fs.gateOnce.Do(func() {
		// recordOwner maps it before the first owner is recorded.
		if fs.gate = fs.gates.New(); fs.gate == nil {
			return
		}
		runtime.AddCleanup(fs, func(gates *vfs.Gates) { gates.Unmap() }, fs.gates)
	})
	return fs.gate
}

// recordedOwner is the owner recorded for ino as a file of type typ (a
// record made for another file that had the inode number is not its).
func (fs *FS) recordedOwner(ino uint64, typ uint32) (owner, bool) {
	fs.ownersMu.Lock()
	defer fs.ownersMu.Unlock()
	o, ok := fs.owners[ino]
	return o, ok && o.typ == typ
}

// SyncFS implements vfs.FSSyncer: a writable host directory's filesystem
// is flushed with the host's syncfs; a read-only one has nothing of the
// app's to flush.
func (fs *FS) SyncFS() error {
	if !fs.opts.Writable {
		return nil
	}
	fd, err := unix.Open(fs.root.procPath(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Syncfs(fd)
}
