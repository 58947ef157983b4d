package vfs

import (
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Attach puts the detached mount tree m on at (mount(2)'s new mounts,
// move_mount of an fsmount or open_tree clone). With refuseSame, mounting
// the filesystem instance already mounted on at answers EBUSY, as
// do_add_mount does.
func (v *VFS) Attach(m *Mount, at Location, refuseSame bool) error {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	switch {
	case m.attached.Load() || m.parent != nil || m.umounted:
		return unix.EINVAL
	case !at.Mount.attached.Load():
		return unix.EINVAL
	case at.IsDir() != (m.root.typ == unix.S_IFDIR):
		return unix.ENOTDIR
	case m.root.typ == unix.S_IFLNK:
		return unix.EINVAL
	case refuseSame && at.Mount.sb == m.sb && at.Dentry == at.Mount.root:
		return unix.EBUSY
	}
	v.graft(m, at)
	return nil
}

// graft hangs m (and the mounts below it) on at. A mount already on at
// (reached through a descriptor opened before it) goes on top of m.
// Caller holds treeMu.
func (v *VFS) graft(m *Mount, at Location) {
	v.paths.namesChanged()
	key := mountKey{at.Mount, at.Dentry}
	if old := v.mounts[key]; old != nil {
		top := m
		for t := v.mountedAt(top, top.root); t != nil; t = v.mountedAt(top, top.root) {
			top = t
		}
		old.parent, old.point = top, top.root
		v.mounts[mountKey{top, top.root}] = old
	}
	m.parent, m.point = at.Mount, at.Dentry
	v.mounts[key] = m
	for _, d := range v.subtree(m) {
		d.attached.Store(true)
	}
}

// subtree returns m and every mount below it. Caller holds treeMu.
func (v *VFS) subtree(m *Mount) []*Mount {
	out := []*Mount{m}
	for i := 0; i < len(out); i++ {
		for k, c := range v.mounts {
			if k.parent == out[i] && c.parent == out[i] {
				out = append(out, c)
			}
		}
	}
	return out
}

// hasChildren reports whether a mount sits somewhere in m. Caller holds
// treeMu.
func (v *VFS) hasChildren(m *Mount) bool {
	for k := range v.mounts {
		if k.parent == m {
			return true
		}
	}
	return false
}

// Move moves the attached mount m to at (MS_MOVE, move_mount): EINVAL for
// the root mount or a mount outside the tree, ELOOP for a move below
// itself, ENOTDIR when a directory would land on a file or the reverse.
func (v *VFS) Move(m *Mount, at Location) error {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	if !m.attached.Load() && m.parent == nil {
		// A detached tree (fsmount, open_tree's clone) is attached; an
		// unmounted one is not.
		if m.umounted || !at.Mount.attached.Load() {
			return unix.EINVAL
		}
		if at.IsDir() != (m.root.typ == unix.S_IFDIR) {
			return unix.ENOTDIR
		}
		v.graft(m, at)
		return nil
	}
	switch {
	case m.parent == nil || !m.attached.Load() || !at.Mount.attached.Load():
		return unix.EINVAL
	case at.IsDir() != (m.root.typ == unix.S_IFDIR):
		return unix.ENOTDIR
	}
	for p := at.Mount; p != nil; p = p.parent {
		if p == m {
			return unix.ELOOP
		}
	}
	delete(v.mounts, mountKey{m.parent, m.point}) // graft drops cached paths
	m.parent, m.point = nil, nil
	v.graft(m, at)
	return nil
}

// Clone makes a detached copy of the mount at src showing the subtree at
// src (a bind mount; open_tree's OPEN_TREE_CLONE). With recursive the
// mounts below src are copied too (MS_REC, AT_RECURSIVE), unbindable ones
// left out; an unbindable src answers EINVAL.
func (v *VFS) Clone(src Location, recursive bool) (*Mount, error) {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	if src.Mount.unbindable || src.Mount.umounted {
		return nil, unix.EINVAL
	}
	return v.cloneLocked(src.Mount, src.Dentry, recursive), nil
}

func (v *VFS) cloneLocked(old *Mount, root *Dentry, recursive bool) *Mount {
	m := &Mount{vfs: v, sb: old.sb, fs: old.fs, root: root, source: old.source}
	m.attr.Store(old.attr.Load())
	v.register(m)
	if !recursive {
		return m
	}
	for k, c := range v.mounts {
		if k.parent != old || c.unbindable || !isUnder(k.point, root) {
			continue
		}
		cc := v.cloneLocked(c, c.root, true)
		cc.parent, cc.point = m, k.point
		v.mounts[mountKey{m, k.point}] = cc
	}
	return m
}

// register gives a new mount its id and creation order. Caller holds
// treeMu.
func (v *VFS) register(m *Mount) {
	m.sb.mounts++
	m.id = v.allocID()
	v.seq++
	m.seq = v.seq
}

// isUnder reports whether d is ancestor or one of its descendants.
func isUnder(d, ancestor *Dentry) bool {
	for ; d != nil; d = d.parent {
		if d == ancestor {
			return true
		}
	}
	return false
}

// UnmountOptions are umount2's flags and the kernel's view of who else
// holds a mount.
type UnmountOptions struct {
	// Flags are MNT_DETACH, MNT_FORCE and MNT_EXPIRE.
	Flags int
	// InUse reports whether a process works in the mount (its cwd or root
	// is there), which makes the mount busy as an open file does.
	InUse func(*Mount) bool
}

// Unmount removes the mount m from the tree as umount2 does on Linux
// (ctx is the caller's: its root mount is remounted read-only instead). A mount is busy
// (EBUSY) while a mount sits in it, a file of it is open (descriptors,
// mappings, O_PATH descriptors) or a process has its cwd or root in it;
// MNT_DETACH takes a busy mount and everything below it out of the tree
// at once, its files staying usable. MNT_EXPIRE marks an idle mount the
// first time (EAGAIN) and unmounts it the second.
func (v *VFS) Unmount(ctx *Context, m *Mount, opts UnmountOptions) error {
	detach := opts.Flags&unix.MNT_DETACH != 0
	if opts.Flags&unix.MNT_EXPIRE != 0 && (m == ctx.Root.Mount || opts.Flags&(unix.MNT_DETACH|unix.MNT_FORCE) != 0) {
		return unix.EINVAL
	}
	if m == ctx.Root.Mount && !detach {
		// Linux "unmounts" the caller's root by remounting it read-only.
		return v.SetSuperReadOnly(m, true)
	}
	inUse := opts.InUse != nil && opts.InUse(m)
	v.treeMu.Lock()
	defer v.unlockAndRelease()
	if !m.attached.Load() || m.parent == nil {
		return unix.EINVAL
	}
	busy := inUse || m.pinnedFiles.Load() > 0 || v.hasChildren(m)
	if opts.Flags&unix.MNT_EXPIRE != 0 {
		if busy {
			return unix.EBUSY
		}
		if !m.expiryMark.Swap(true) {
			return unix.EAGAIN
		}
	}
	if busy && !detach {
		return unix.EBUSY
	}
	tree := v.subtree(m)
	v.paths.namesChanged()
	delete(v.mounts, mountKey{m.parent, m.point})
	m.parent, m.point = nil, nil
	for _, d := range tree {
		d.attached.Store(false)
		d.umounted = true
		v.releaseIfIdle(d)
	}
	return nil
}

// releaseIfIdle frees the id of a mount out of the tree that no file
// holds any more; a filesystem instance left without mounts is queued for
// its Release. Caller holds treeMu.
func (v *VFS) releaseIfIdle(m *Mount) {
	if !m.attached.Load() && m.pinnedFiles.Load() == 0 && m.id != 0 {
		delete(v.ids, m.id)
		m.id = 0
		if m.sb.mounts--; m.sb.mounts == 0 {
			if r, ok := m.fs.(Releaser); ok {
				v.releasing = append(v.releasing, r)
			}
		}
	}
}

// unlockAndRelease unlocks treeMu, then releases the filesystem instances
// queued meanwhile (their Release may drop files, which takes treeMu).
func (v *VFS) unlockAndRelease() {
	rs := v.releasing
	v.releasing = nil
	v.treeMu.Unlock()
	for _, r := range rs {
		r.Release()
	}
}

// unpinned is called when the last file of a mount outside the tree is
// released (a closed fsmount or open_tree descriptor).
func (v *VFS) unpinned(m *Mount) {
	v.treeMu.Lock()
	defer v.unlockAndRelease()
	if m.parent == nil && m != v.root {
		for _, d := range v.subtree(m) {
			v.releaseIfIdle(d)
		}
	}
}

// Discard drops a detached mount nothing refers to any more (the instance
// an fsopen context made, once the context is closed).
func (v *VFS) Discard(m *Mount) {
	v.treeMu.Lock()
	defer v.unlockAndRelease()
	if m.parent == nil && m != v.root {
		v.releaseIfIdle(m)
	}
}

// SetAttr sets and clears MOUNT_ATTR_* bits of m (and of every mount below
// it with recursive), as mount_setattr and a MS_REMOUNT|MS_BIND do.
// Making a mount read-only while a file of it is open for writing answers
// EBUSY.
func (v *VFS) SetAttr(m *Mount, set, clear uint64, recursive bool) error {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	if m.umounted {
		return unix.EINVAL
	}
	targets := v.targets(m, recursive)
	for _, t := range targets {
		if set&unix.MOUNT_ATTR_RDONLY != 0 && t.attr.Load()&unix.MOUNT_ATTR_RDONLY == 0 && t.writers.Load() > 0 {
			return unix.EBUSY
		}
	}
	v.paths.namesChanged() // MOUNT_ATTR_NOSYMFOLLOW changes walks
	for _, t := range targets {
		t.attr.Store(t.attr.Load()&^clear | set)
	}
	return nil
}

// SetSuperReadOnly makes the filesystem instance behind m read-only or
// writable for every mount of it (a remount without MS_BIND, fsconfig's
// reconfigure); going read-only with a file open for writing on any of
// its mounts answers EBUSY.
func (v *VFS) SetSuperReadOnly(m *Mount, ro bool) error {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	if ro && !m.sb.readOnly.Load() {
		for _, o := range v.allMounts() {
			if o.sb == m.sb && o.writers.Load() > 0 {
				return unix.EBUSY
			}
		}
	}
	m.sb.readOnly.Store(ro)
	return nil
}

// SuperOptions returns the filesystem's own options recorded at mount.
func (m *Mount) SuperOptions() string { return m.sb.options }

// SetSuperOptions records the filesystem's own options (a reconfigure).
func (m *Mount) SetSuperOptions(opts string) {
	m.vfs.treeMu.Lock()
	m.sb.options = opts
	m.vfs.treeMu.Unlock()
}

// SetUnbindable records MS_UNBINDABLE (true) or MS_PRIVATE (false): in a
// tree without shared mounts these are the propagation types that differ.
func (v *VFS) SetUnbindable(m *Mount, unbindable bool, recursive bool) {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	for _, t := range v.targets(m, recursive) {
		t.unbindable = unbindable
	}
}

// targets is m, or m and every mount below it. Caller holds treeMu.
func (v *VFS) targets(m *Mount, recursive bool) []*Mount {
	if recursive {
		return v.subtree(m)
	}
	return []*Mount{m}
}

// SameSuper reports whether two mounts show the same filesystem instance.
func SameSuper(a, b *Mount) bool { return a.sb == b.sb }

// FindSuper returns an attached mount whose filesystem type is fsType
// (devtmpfs has one instance that every mount of it shows).
func (v *VFS) FindSuper(fsType string) (*Mount, bool) {
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	for _, m := range v.allMounts() {
		if m.attached.Load() && m.sb.fsType == fsType {
			return m, true
		}
	}
	return nil, false
}

// MountSuper makes a detached mount of the filesystem instance that m
// shows, at its root (a second mount of devtmpfs).
func (v *VFS) MountSuper(m *Mount, attr uint64) *Mount {
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	n := &Mount{vfs: v, sb: m.sb, fs: m.fs, root: m.sb.root, source: m.sb.source}
	n.attr.Store(attr)
	v.register(n)
	return n
}

// allMounts is the root mount and every mount keyed in the tree. Caller
// holds treeMu.
func (v *VFS) allMounts() []*Mount {
	out := []*Mount{v.root}
	for _, m := range v.mounts {
		out = append(out, m)
	}
	return out
}

// MountInfo describes one mount as /proc/self/mountinfo shows it.
type MountInfo struct {
	ID, ParentID int
	Dev          uint64
	// Root is the path of the mount's root inside its filesystem ("/"
	// unless a bind mount shows a subtree); Point is where it is mounted,
	// as the caller sees it.
	Root, Point  string
	Attr         uint64 // MOUNT_ATTR_*
	SuperRO      bool
	Type, Source string
	SuperOptions string
	Unbindable   bool
}

// Mounts lists the mounts of the tree in creation order, their mount
// points as seen from ctx's root.
func (v *VFS) Mounts(ctx *Context) []MountInfo {
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	var ms []*Mount
	for _, m := range v.allMounts() {
		if m.attached.Load() {
			ms = append(ms, m)
		}
	}
	slices.SortFunc(ms, func(a, b *Mount) int { return int(a.seq) - int(b.seq) })
	out := make([]MountInfo, 0, len(ms))
	for _, m := range ms {
		if mi, ok := v.infoOf(ctx, m); ok {
			out = append(out, mi)
		}
	}
	return out
}

// infoOf describes m; a mount outside ctx's root (a chroot) is not
// shown. Caller holds treeMu.
func (v *VFS) infoOf(ctx *Context, m *Mount) (MountInfo, bool) {
	mi := MountInfo{ID: m.id, ParentID: m.id, Attr: m.attr.Load(), SuperRO: m.SuperReadOnly(),
		Type: m.sb.fsType, Source: m.source, SuperOptions: m.sb.options, Unbindable: m.unbindable}
	if m.parent != nil {
		mi.ParentID = m.parent.id
	}
	if st, err := m.sb.root.inode.Stat(); err == nil {
		mi.Dev = st.Dev
	}
	mi.Root = dentryPath(m.root)
	point, _ := pathOfLocked(ctx, m.Root())
	mi.Point = point
	return mi, !strings.HasPrefix(point, unreachablePrefix)
}

// dentryPath is d's path from its filesystem's root.
func dentryPath(d *Dentry) string {
	var parts []string
	for ; d.parent != nil; d = d.parent {
		parts = append(parts, d.name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// statfs f_flags that golang.org/x/sys/unix does not name.
const (
	stValid       = 0x20   // ST_VALID: f_flags is filled in
	stNoSymfollow = 0x2000 // ST_NOSYMFOLLOW
)

// StatfsFlags are statfs's f_flags for the mount: ST_VALID, the mount's
// attributes and the superblock's read-only flag.
func (m *Mount) StatfsFlags() int64 {
	f := int64(stValid)
	attr := m.attr.Load()
	if m.ReadOnly() {
		f |= unix.ST_RDONLY
	}
	for _, b := range []struct {
		attr uint64
		flag int64
	}{
		{unix.MOUNT_ATTR_NOSUID, unix.ST_NOSUID}, {unix.MOUNT_ATTR_NODEV, unix.ST_NODEV},
		{unix.MOUNT_ATTR_NOEXEC, unix.ST_NOEXEC}, {unix.MOUNT_ATTR_NODIRATIME, unix.ST_NODIRATIME},
		{unix.MOUNT_ATTR_NOSYMFOLLOW, stNoSymfollow},
	} {
		if attr&b.attr != 0 {
			f |= b.flag
		}
	}
	switch attr & unix.MOUNT_ATTR__ATIME {
	case unix.MOUNT_ATTR_NOATIME:
		f |= unix.ST_NOATIME
	case unix.MOUNT_ATTR_RELATIME:
		f |= unix.ST_RELATIME
	}
	return f
}
