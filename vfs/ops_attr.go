package vfs

import (
	"context"
	"strings"

	"golang.org/x/sys/unix"
)

// StatAt implements newfstatat(2)/statx's lookup: flags accepts
// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH and AT_NO_AUTOMOUNT.
func StatAt(ctx *Context, start Location, path string, flags int) (Stat, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|atStatxSyncType) != 0 {
		return Stat{}, unix.EINVAL
	}
	loc, err := locate(ctx, start, path, flags)
	if err != nil {
		return Stat{}, err
	}
	return loc.Dentry.inode.Stat()
}

// AccessAt implements faccessat2(2): mode is F_OK or a mask of R_OK,
// W_OK, X_OK; flags accepts AT_SYMLINK_NOFOLLOW, AT_EACCESS and
// AT_EMPTY_PATH. W_OK on a read-only mount gives EROFS for regular files,
// directories and symlinks.
func AccessAt(ctx *Context, start Location, path string, mode uint32, flags int) error {
	if mode&^uint32(unix.R_OK|unix.W_OK|unix.X_OK) != 0 {
		return unix.EINVAL
	}
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EACCESS|unix.AT_EMPTY_PATH) != 0 {
		return unix.EINVAL
	}
	loc, err := locate(ctx, start, path, flags&^unix.AT_EACCESS)
	if err != nil {
		return err
	}
	if mode == unix.F_OK {
		return nil
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	// Execute permission on a regular file of a noexec mount is refused
	// before any permission check, also for root (Linux's do_faccessat
	// and path_noexec): access(X_OK) agrees with what execve would say.
	if mode&unix.X_OK != 0 && st.Type() == unix.S_IFREG && loc.Mount.Attr()&unix.MOUNT_ATTR_NOEXEC != 0 {
		return unix.EACCES
	}
	if mode&unix.W_OK != 0 && loc.Mount.ReadOnly() {
		switch st.Type() {
		case unix.S_IFREG, unix.S_IFDIR, unix.S_IFLNK:
			return unix.EROFS
		}
	}
	return checkPermission(ctx.Cred, loc.Dentry.inode, &st, mode)
}

// ReadlinkAt implements readlinkat(2). An empty path reads the link that
// start itself names (an O_PATH|O_NOFOLLOW fd). EINVAL for non-symlinks.
func ReadlinkAt(ctx *Context, start Location, path string) (string, error) {
	loc, err := locate(ctx, start, path, unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH)
	if path == "" && err == nil && loc.Dentry.typ != unix.S_IFLNK {
		return "", unix.ENOENT
	}
	if err != nil {
		return "", err
	}
	if loc.Dentry.typ != unix.S_IFLNK {
		return "", unix.EINVAL
	}
	return readlinkOf(ctx, loc.Dentry.inode)
}

// setAttrAt resolves and applies an attribute change after the read-only
// check.
func setAttrAt(loc Location, attr SetAttr) error {
	if loc.Mount.ReadOnly() {
		return unix.EROFS
	}
	if err := loc.Dentry.inode.SetAttr(attr); err != nil {
		return err
	}
	notifyInode(loc, attrEvent(attr))
	return nil
}

// attrEvent is the inotify event of an attribute change: IN_MODIFY for a
// size change alone, IN_ATTRIB otherwise (with IN_MODIFY for both).
func attrEvent(attr SetAttr) uint32 {
	var mask uint32
	if attr.Mask&AttrSize != 0 {
		mask |= unix.IN_MODIFY
	}
	if attr.Mask&^AttrSize != 0 {
		mask |= unix.IN_ATTRIB
	}
	return mask
}

// ChmodAt implements fchmodat2(2) (flags: AT_SYMLINK_NOFOLLOW, which
// gives EOPNOTSUPP on a symlink, and AT_EMPTY_PATH).
func ChmodAt(ctx *Context, start Location, path string, mode uint32, flags int) error {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return unix.EINVAL
	}
	loc, err := locate(ctx, start, path, flags)
	if err != nil {
		return err
	}
	if loc.Dentry.typ == unix.S_IFLNK {
		return unix.EOPNOTSUPP
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	if !isOwnerOrRoot(ctx.Cred, &st) {
		return unix.EPERM
	}
	if err := setAttrAt(loc, SetAttr{Mask: AttrMode, Mode: mode & 0o7777}); err != nil {
		return err
	}
	return chmodACL(loc.Dentry.inode, mode)
}

// ChownAt implements fchownat(2); uid or gid -1 leaves it unchanged.
// Ownership is recorded, not applied to the host. Non-root callers may
// only change the group of their own files to one of their groups.
func ChownAt(ctx *Context, start Location, path string, uid, gid int, flags int) error {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return unix.EINVAL
	}
	loc, err := locate(ctx, start, path, flags)
	if err != nil {
		return err
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	var attr SetAttr
	if uid != -1 {
		attr.Mask |= AttrUID
		attr.UID = uint32(uid)
	}
	if gid != -1 {
		attr.Mask |= AttrGID
		attr.GID = uint32(gid)
	}
	if !ctx.Capable(unix.CAP_CHOWN) {
		if attr.Mask&AttrUID != 0 && attr.UID != st.UID {
			return unix.EPERM
		}
		if attr.Mask&AttrGID != 0 && (st.UID != ctx.UID || !ctx.inGroup(attr.GID)) {
			return unix.EPERM
		}
	}
	if attr.Mask != 0 && st.Type() == unix.S_IFREG && st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
		attr.Mask |= AttrMode
		attr.Mode = st.Mode & 0o7777 &^ unix.S_ISUID
		if st.Mode&unix.S_IXGRP != 0 {
			attr.Mode &^= unix.S_ISGID
		}
	}
	if attr.Mask == 0 {
		if loc.Mount.ReadOnly() {
			return unix.EROFS
		}
	} else if err := setAttrAt(loc, attr); err != nil {
		return err
	}
	// Any chown of a non-directory drops its file capabilities, as
	// Linux's ATTR_KILL_PRIV does; only in the in-memory filesystems (a
	// host file's ownership is recorded, not applied, and so are its
	// attributes left alone).
	if st.Type() != unix.S_IFDIR && supportsACL(loc.Dentry.inode) {
		killFileCaps(loc.Dentry.inode)
	}
	return nil
}

// UtimensAt implements utimensat(2). times nil means "both now";
// UTIME_NOW and UTIME_OMIT are honoured. flags accepts
// AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (the syscall layer maps a NULL
// path to AT_EMPTY_PATH).
func UtimensAt(ctx *Context, start Location, path string, times *[2]unix.Timespec, flags int) error {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return unix.EINVAL
	}
	ts := [2]unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
	if times != nil {
		ts = *times
	}
	for _, t := range ts {
		if t.Nsec != unix.UTIME_NOW && t.Nsec != unix.UTIME_OMIT && (t.Nsec < 0 || t.Nsec >= 1e9) {
			return unix.EINVAL
		}
	}
	loc, err := locate(ctx, start, path, flags)
	if err != nil {
		return err
	}
	now := Now()
	var attr SetAttr
	explicit := false
	for i, t := range ts {
		if t.Nsec == unix.UTIME_OMIT {
			continue
		}
		v := t
		if t.Nsec == unix.UTIME_NOW {
			v = now
		} else {
			explicit = true
		}
		if i == 0 {
			attr.Mask |= AttrAtime
			attr.Atime = v
		} else {
			attr.Mask |= AttrMtime
			attr.Mtime = v
		}
	}
	if attr.Mask == 0 {
		return nil
	}
	if !ctx.Capable(unix.CAP_FOWNER) {
		st, err := loc.Dentry.inode.Stat()
		if err != nil {
			return err
		}
		if !isOwnerOrRoot(ctx.Cred, &st) {
			if explicit {
				return unix.EPERM
			}
			if err := checkPermission(ctx.Cred, loc.Dentry.inode, &st, unix.W_OK); err != nil {
				return err
			}
		}
	}
	return setAttrAt(loc, attr)
}

// TruncateAt implements truncate(2).
func TruncateAt(ctx *Context, start Location, path string, length int64) error {
	return TruncateAtWait(ctx, start, path, length, nil)
}

// TruncateAtWait is TruncateAt that first breaks the file's leases,
// waiting for their holders under wait (nil: without end) as an open for
// writing does (vfs_truncate's break_lease); EINTR when wait ends.
func TruncateAtWait(ctx *Context, start Location, path string, length int64, wait context.Context) error {
	if length < 0 {
		return unix.EINVAL
	}
	loc, err := resolve(ctx, start, path, resolveOpts{follow: true})
	if err != nil {
		return err
	}
	switch loc.Dentry.typ {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return unix.EISDIR
	default:
		return unix.EINVAL
	}
	if loc.Mount.ReadOnly() {
		return unix.EROFS
	}
	if err := mayAccess(ctx, loc, unix.W_OK); err != nil {
		return err
	}
	if err := GuardCheck(ctx, loc, unix.LANDLOCK_ACCESS_FS_TRUNCATE); err != nil {
		return err
	}
	if wait == nil {
		wait = context.Background()
	}
	if err := loc.Mount.vfs.leases.breakLeases(wait, loc.WatchKey(), true, false); err != nil {
		return err
	}
	if err := loc.Dentry.inode.SetAttr(SetAttr{Mask: AttrSize, Size: length}); err != nil {
		return err
	}
	notifyInode(loc, unix.IN_MODIFY)
	return nil
}

// StatfsAt implements statfs(2).
func StatfsAt(ctx *Context, start Location, path string) (Statfs, error) {
	loc, err := resolve(ctx, start, path, resolveOpts{follow: true})
	if err != nil {
		return Statfs{}, err
	}
	st, err := loc.Mount.fs.Statfs()
	if err != nil {
		return Statfs{}, err
	}
	st.Flags |= loc.Mount.StatfsFlags()
	return st, nil
}

// unreachablePrefix starts the path of a location outside the caller's
// root, as Linux's d_path.
const unreachablePrefix = "(unreachable)"

// PathOf reconstructs the absolute path of loc as seen from ctx.Root
// (getcwd, /proc/self/fd links). It returns ENOENT together with the last
// known path if loc or an ancestor was removed, and a path prefixed with
// "(unreachable)" if loc is not under ctx.Root.
func PathOf(ctx *Context, loc Location) (string, error) {
	if !loc.Valid() {
		return "", unix.ENOENT
	}
	v := loc.Mount.vfs
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	return pathOfLocked(ctx, loc)
}

// pathOfLocked is PathOf with treeMu held.
func pathOfLocked(ctx *Context, loc Location) (string, error) {
	var stack [16]string // most paths: no growing (it was most of an open's PathOf)
	parts := stack[:0]
	size := 0
	dead := false
	cur := loc
	reachable := true
	for !sameLocation(cur, ctx.Root) {
		if cur.Dentry == cur.Mount.root {
			if cur.Mount.parent == nil {
				reachable = false
				break
			}
			cur = Location{Mount: cur.Mount.parent, Dentry: cur.Mount.point}
			continue
		}
		if cur.Dentry.dead {
			dead = true
		}
		parts = append(parts, cur.Dentry.name)
		size += 1 + len(cur.Dentry.name)
		if cur.Dentry.parent == nil {
			reachable = false
			break
		}
		cur = Location{Mount: cur.Mount, Dentry: cur.Dentry.parent}
	}
	var b strings.Builder
	b.Grow(len(unreachablePrefix) + size + 1)
	if !reachable {
		b.WriteString(unreachablePrefix)
	}
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	if len(parts) == 0 {
		b.WriteByte('/')
	}
	if dead {
		return b.String(), unix.ENOENT
	}
	return b.String(), nil
}

// atStatxSyncType is AT_STATX_SYNC_TYPE (statx's sync mode bits).
const atStatxSyncType = 0x6000
