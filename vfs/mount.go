package vfs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// MountOptions are the per-mount flags.
type MountOptions struct {
	// ReadOnly makes the mount refuse modifications with EROFS even if the
	// filesystem itself is writable (MS_RDONLY).
	ReadOnly bool
}

// Mount is one filesystem mounted in the tree.
type Mount struct {
	vfs      *VFS
	fs       FileSystem
	root     *Dentry
	parent   *Mount  // nil for the root mount
	point    *Dentry // mount point dentry in parent
	readOnly atomic.Bool
}

// FileSystem returns the mounted filesystem.
func (m *Mount) FileSystem() FileSystem { return m.fs }

// ReadOnly reports whether the mount or its filesystem is read-only.
func (m *Mount) ReadOnly() bool { return m.readOnly.Load() || m.fs.ReadOnly() }

// Remount changes the mount's flags, as mount(2) with MS_REMOUNT does: a
// mount made read-only refuses every later modification with EROFS.
func (m *Mount) Remount(opts MountOptions) { m.readOnly.Store(opts.ReadOnly) }

// Root returns the Location of the mount's root directory.
func (m *Mount) Root() Location { return Location{Mount: m, Dentry: m.root} }

type mountKey struct {
	parent *Mount
	point  *Dentry
}

// VFS is one mount tree (a mount namespace) and the vfs-wide state that
// goes with it (dentry tree lock, record lock tables). A kernel has one.
type VFS struct {
	treeMu sync.RWMutex // dentry topology and mounts
	mounts map[mountKey]*Mount
	root   *Mount

	locksMu sync.Mutex
	locks   map[lockKey]*lockTable

	notify notifier // inotify watches

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

// New creates a VFS whose root mount is rootFS.
func New(rootFS FileSystem, opts MountOptions) (*VFS, error) {
	v := &VFS{mounts: make(map[mountKey]*Mount), locks: make(map[lockKey]*lockTable)}
	m, err := v.newMount(rootFS, opts)
	if err != nil {
		return nil, err
	}
	v.root = m
	return v, nil
}

func (v *VFS) newMount(fs FileSystem, opts MountOptions) (*Mount, error) {
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
	m := &Mount{vfs: v, fs: fs, root: newDentry(nil, "/", ri, st.Ino, unix.S_IFDIR)}
	m.readOnly.Store(opts.ReadOnly)
	return m, nil
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
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return nil, fmt.Errorf("vfs: mount point %q: %w", path, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("vfs: mount point %q: %w", path, unix.ENOTDIR)
	}
	m, err := v.newMount(fs, opts)
	if err != nil {
		return nil, err
	}
	m.parent, m.point = loc.Mount, loc.Dentry
	v.treeMu.Lock()
	v.mounts[mountKey{loc.Mount, loc.Dentry}] = m
	v.treeMu.Unlock()
	return m, nil
}

// Unmount removes the mount whose root is at path (EINVAL if path is not a
// mount root, EBUSY for the root mount).
func (v *VFS) Unmount(ctx *Context, path string) error {
	loc, err := resolve(ctx, ctx.Cwd, path, resolveOpts{follow: true})
	if err != nil {
		return err
	}
	m := loc.Mount
	if loc.Dentry != m.root {
		return unix.EINVAL
	}
	if m.parent == nil {
		return unix.EBUSY
	}
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	key := mountKey{m.parent, m.point}
	if v.mounts[key] == m {
		delete(v.mounts, key)
	}
	return nil
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

// Context is the per-process file-system state.
type Context struct {
	Root  Location
	Cwd   Location
	Umask uint32
	Cred
	// PID identifies the calling process to filesystems that answer per
	// process (procfs's "self").
	PID int
}

// Fork returns a copy of the context (for fork/clone without CLONE_FS).
func (c *Context) Fork() *Context {
	n := *c
	n.Groups = append([]uint32(nil), c.Groups...)
	return &n
}
