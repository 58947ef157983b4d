package vfs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// MountOptions describe a new mount.
type MountOptions struct {
	// ReadOnly makes the mount refuse modifications with EROFS even if the
	// filesystem itself is writable (MS_RDONLY).
	ReadOnly bool
	// Attr are further per-mount attributes (unix.MOUNT_ATTR_*: NOSUID,
	// NODEV, NOEXEC, the atime mode, NODIRATIME, NOSYMFOLLOW).
	Attr uint64
	// Source and Type are what /proc/self/mounts shows ("tmpfs", "proc").
	Source, Type string
	// FSOptions are the filesystem's own options for mountinfo's super
	// options ("mode=1777").
	FSOptions string
}

// attrs returns the mount's MOUNT_ATTR_* bits.
func (o MountOptions) attrs() uint64 {
	a := o.Attr
	if o.ReadOnly {
		a |= unix.MOUNT_ATTR_RDONLY
	}
	return a
}

// superBlock is one instance of a filesystem, shared by every mount of it
// (bind mounts, devtmpfs mounted twice).
type superBlock struct {
	fs       FileSystem
	root     *Dentry
	fsType   string
	source   string
	options  string
	readOnly atomic.Bool // MS_RDONLY of the superblock (remount without MS_BIND)
	mounts   int         // live mounts of it; guarded by VFS.treeMu
}

// Mount is one filesystem (or a subtree of one: a bind mount) mounted in
// the tree, or detached (fsmount, open_tree's clones) until attached.
type Mount struct {
	vfs    *VFS
	sb     *superBlock
	fs     FileSystem
	root   *Dentry
	id     int    // mnt_id: the smallest free id, as Linux's IDA
	seq    uint64 // creation order (/proc/self/mountinfo lists mounts by it)
	attr   atomic.Uint64
	source string // per mount: a bind mount shows its source's

	// Guarded by VFS.treeMu.
	parent      *Mount      // nil for the root mount and detached mounts
	point       *Dentry     // mount point dentry in parent
	attached    atomic.Bool // part of the mount tree (the namespace)
	unbindable  bool        // MS_UNBINDABLE
	umounted    bool        // taken out of the tree: never attached again
	pinnedFiles atomic.Int64
	expiryMark  atomic.Bool // MNT_EXPIRE's first call; an open clears it
	writers     atomic.Int64
}

// FileSystem returns the mounted filesystem.
func (m *Mount) FileSystem() FileSystem { return m.fs }

// ID is the mount id (mountinfo's first field, statx's stx_mnt_id).
func (m *Mount) ID() int {
	m.vfs.treeMu.RLock()
	defer m.vfs.treeMu.RUnlock()
	return m.id
}

// uniqueIDOffset is where Linux's 64-bit unique mount ids start
// (MNT_UNIQUE_ID_OFFSET), above every reusable mount id.
const uniqueIDOffset = 1 << 31

// UniqueID is the mount's id that is never reused (statx's
// STATX_MNT_ID_UNIQUE): its place in the creation order.
func (m *Mount) UniqueID() uint64 { return uniqueIDOffset + m.seq }

// Attr returns the mount's MOUNT_ATTR_* bits.
func (m *Mount) Attr() uint64 { return m.attr.Load() }

// ReadOnly reports whether the mount, its superblock or its filesystem
// is read-only.
func (m *Mount) ReadOnly() bool {
	return m.attr.Load()&unix.MOUNT_ATTR_RDONLY != 0 || m.sb.readOnly.Load() || m.fs.ReadOnly()
}

// SuperReadOnly reports whether the filesystem instance itself is
// read-only (mountinfo's super options).
func (m *Mount) SuperReadOnly() bool { return m.sb.readOnly.Load() || m.fs.ReadOnly() }

// Remount makes the mount read-only or writable (the read-only flag of
// mount(2)'s MS_REMOUNT|MS_BIND); other attributes stay.
func (m *Mount) Remount(opts MountOptions) {
	for {
		old := m.attr.Load()
		n := old &^ unix.MOUNT_ATTR_RDONLY
		if opts.ReadOnly {
			n |= unix.MOUNT_ATTR_RDONLY
		}
		if m.attr.CompareAndSwap(old, n) {
			return
		}
	}
}

// Root returns the Location of the mount's root directory.
func (m *Mount) Root() Location { return Location{Mount: m, Dentry: m.root} }

// pin and unpin count the open files of the mount (umount's "busy"), and
// those open for writing (a read-only remount's "busy").
func (m *Mount) pin(writer bool) {
	m.expiryMark.Store(false)
	m.pinnedFiles.Add(1)
	if writer {
		m.writers.Add(1)
	}
}

func (m *Mount) unpin(writer bool) {
	if writer {
		m.writers.Add(-1)
	}
	if m.pinnedFiles.Add(-1) == 0 && !m.attached.Load() {
		m.vfs.unpinned(m)
	}
}

type mountKey struct {
	parent *Mount
	point  *Dentry
}

// VFS is one mount tree (a mount namespace) and the vfs-wide state that
// goes with it (dentry tree lock, record lock tables). A kernel has one.
type VFS struct {
	treeMu  sync.RWMutex // dentry topology and mounts
	mounts  map[mountKey]*Mount
	root    *Mount
	ids     map[int]bool // mount ids in use
	seq     uint64
	anonDev atomic.Uint32
	// releasing are filesystem instances whose last mount went while
	// treeMu was held, released once it is unlocked.
	releasing []Releaser

	locksMu sync.Mutex
	locks   map[lockKey]*lockTable

	notify    notifier      // inotify watches
	listeners fileListeners // fanotify groups (notify.go)
	access    accessWord    // nonzero while either has members (accessword.go)

	leases leaseTable // open counts and leases of regular files (lease.go)

	paths pathCache // resolved paths (pathcache.go)

	devicesMu sync.RWMutex
	devices   DeviceOpener // char and block devices by number (SetDevices)
}

// DeviceOpener opens the char or block device rdev.
type DeviceOpener func(ctx context.Context, rdev uint64, flags int) (FileImpl, error)

// SetDevices installs the opener of device nodes: a node with a device's
// numbers opens that device whichever filesystem holds it (mknod in /tmp
// makes a working /dev/null); without one, device nodes give ENXIO.
func (v *VFS) SetDevices(open DeviceOpener) {
	v.devicesMu.Lock()
	v.devices = open
	v.devicesMu.Unlock()
}

// Devices returns the device opener (nil when none was set).
func (v *VFS) Devices() DeviceOpener {
	v.devicesMu.RLock()
	defer v.devicesMu.RUnlock()
	return v.devices
}

// firstMountID is the first mount id handed out (Linux's first ids go to
// its internal mounts).
const firstMountID = 20

// firstAnonMinor is the minor number of RootDev; NewAnonDev hands out
// the numbers after it.
const firstAnonMinor = 64

// RootDev is the st_dev of the filesystem mounted on "/": that filesystem
// is built before its VFS exists (vfs.New takes it), so it cannot ask
// NewAnonDev; NewAnonDev never returns this number.
var RootDev = unix.Mkdev(0, firstAnonMinor)

// New creates a VFS whose root mount is rootFS.
func New(rootFS FileSystem, opts MountOptions) (*VFS, error) {
	v := &VFS{mounts: make(map[mountKey]*Mount), ids: make(map[int]bool), locks: make(map[lockKey]*lockTable)}
	v.anonDev.Store(firstAnonMinor)
	m, err := v.NewMount(rootFS, opts)
	if err != nil {
		return nil, err
	}
	m.attached.Store(true)
	v.root = m
	return v, nil
}

// NewAnonDev returns a device number of its own for a new filesystem
// instance (Linux's anonymous block devices, major 0). Every mounted
// filesystem needs one: st_dev and st_ino together name a file across the
// whole mount tree (getcwd's fallback walk in libc and Go, find -xdev, du,
// tar's hard-link detection), and mountinfo's major:minor shows it.
func (v *VFS) NewAnonDev() uint64 { return unix.Mkdev(0, v.anonDev.Add(1)) }

// NewMount makes a detached mount of a new instance of fs (fsmount, or
// the first half of mount(2)); Attach puts it in the tree.
func (v *VFS) NewMount(fs FileSystem, opts MountOptions) (*Mount, error) {
	ri, err := fs.Root()
	if err != nil {
		return nil, fmt.Errorf("vfs: filesystem root: %w", err)
	}
	st, err := ri.Stat()
	if err != nil {
		return nil, fmt.Errorf("vfs: stat filesystem root: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("vfs: filesystem root is not a directory: %w", unix.ENOTDIR)
	}
	sb := &superBlock{fs: fs, root: newDentry(nil, "/", ri, st.Ino, unix.S_IFDIR),
		fsType: opts.Type, source: opts.Source, options: opts.FSOptions}
	return v.newMountOf(sb, sb.root, opts.attrs()), nil
}

// newMountOf makes a detached mount of sb showing the subtree at root.
func (v *VFS) newMountOf(sb *superBlock, root *Dentry, attr uint64) *Mount {
	m := &Mount{vfs: v, sb: sb, fs: sb.fs, root: root, source: sb.source}
	m.attr.Store(attr)
	v.treeMu.Lock()
	v.register(m)
	v.treeMu.Unlock()
	return m
}

// allocID returns the smallest free mount id. Caller holds treeMu.
func (v *VFS) allocID() int {
	id := firstMountID
	for v.ids[id] {
		id++
	}
	v.ids[id] = true
	return id
}

// Root returns the Location of the root of the mount tree (the top of
// any mounts stacked on "/").
func (v *VFS) Root() Location {
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	loc := v.root.Root()
	for m := v.mountedAt(loc.Mount, loc.Dentry); m != nil; m = v.mountedAt(loc.Mount, loc.Dentry) {
		loc = m.Root()
	}
	return loc
}

// NewContext returns a Context rooted at the mount tree's root, with the
// cwd at the root, umask 022 and root credentials.
func (v *VFS) NewContext() *Context {
	return &Context{Root: v.Root(), Cwd: v.Root(), Umask: 0o022}
}

// MountAt mounts fs on the directory at path (resolved in ctx, following
// symlinks). A later mount on the same directory hides the earlier one.
func (v *VFS) MountAt(ctx *Context, path string, fs FileSystem, opts MountOptions) (*Mount, error) {
	loc, err := resolve(ctx, ctx.Cwd, path, resolveOpts{follow: true})
	if err != nil {
		return nil, fmt.Errorf("vfs: mount point %q: %w", path, err)
	}
	if !loc.IsDir() {
		return nil, fmt.Errorf("vfs: mount point %q: %w", path, unix.ENOTDIR)
	}
	m, err := v.NewMount(fs, opts)
	if err != nil {
		return nil, err
	}
	if err := v.Attach(m, loc, false); err != nil {
		return nil, fmt.Errorf("vfs: mount on %q: %w", path, err)
	}
	return m, nil
}

// mountedAt returns the mount stacked on (m, d), if any. Caller holds treeMu.
func (v *VFS) mountedAt(m *Mount, d *Dentry) *Mount {
	return v.mounts[mountKey{m, d}]
}

// Location is a position in the mount tree: a mount and a dentry in it.
type Location struct {
	Mount  *Mount
	Dentry *Dentry
}

// Valid reports whether the location is set.
func (l Location) Valid() bool { return l.Mount != nil && l.Dentry != nil }

// Inode returns the location's inode.
func (l Location) Inode() Inode { return l.Dentry.inode }

// Stat stats the location's inode.
func (l Location) Stat() (Stat, error) { return l.Dentry.inode.Stat() }

// IsDir reports whether the location is a directory.
func (l Location) IsDir() bool { return l.Dentry.typ == unix.S_IFDIR }

// IsSymlink reports whether the location is a symbolic link.
func (l Location) IsSymlink() bool { return l.Dentry.typ == unix.S_IFLNK }

// IsMountRoot reports whether the location is the root of its mount
// (what umount and a remount need).
func (l Location) IsMountRoot() bool { return l.Dentry == l.Mount.root }

// Context is the per-process file-system state.
type Context struct {
	Root  Location
	Cwd   Location
	Umask uint32
	Cred
	// PID identifies the calling process to filesystems that answer per
	// process (procfs's "self").
	PID int
	// Guard is the process's Landlock domain (guard.go), nil without
	// one. Fork copies it: domains are inherited and never widened.
	Guard Guard
}

// pathCache returns the path cache the context's walks may use: none for
// a caller whose walks check permissions, or without a root.
func (c *Context) pathCache() *pathCache {
	if c.Root.Mount == nil || !c.Capable(unix.CAP_DAC_OVERRIDE) {
		return nil
	}
	return &c.Root.Mount.vfs.paths
}

// Fork returns a copy of the context (for fork/clone without CLONE_FS).
func (c *Context) Fork() *Context {
	n := *c
	n.Groups = append([]uint32(nil), c.Groups...)
	return &n
}
