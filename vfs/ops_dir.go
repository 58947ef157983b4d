package vfs

import (
	"golang.org/x/sys/unix"
)

func isDotName(name string) bool { return name == "." || name == ".." }

// prepareCreate resolves the parent of a new entry and applies the common
// rules: EEXIST if it exists (also for "." and ".."), then EROFS, then the
// process's Landlock policy for making a file of type typ there, then
// write+search permission on the directory.
func prepareCreate(ctx *Context, start Location, path string, typ uint32) (parentResult, error) {
	p, err := resolveParent(ctx, start, path, resolveOpts{})
	if err != nil {
		return p, err
	}
	if isDotName(p.name) {
		return p, unix.EEXIST
	}
	if _, err := p.child(); err == nil {
		return p, unix.EEXIST
	} else if err != unix.ENOENT {
		return p, err
	}
	if p.dir.Mount.ReadOnly() {
		return p, unix.EROFS
	}
	if err := GuardCheck(ctx, p.dir, MakeAccess(typ)); err != nil {
		return p, err
	}
	if err := mayAccess(ctx, p.dir, unix.W_OK|unix.X_OK); err != nil {
		return p, err
	}
	return p, nil
}

// MkdirAt implements mkdirat(2); mode is masked with the umask, or by
// the directory's default ACL which the new one inherits (createMode).
func MkdirAt(ctx *Context, start Location, path string, mode uint32) error {
	p, err := prepareCreate(ctx, start, path, unix.S_IFDIR)
	if err != nil {
		return err
	}
	perm, inherit := createMode(ctx, p.dir.Dentry.inode, unix.S_IFDIR, mode)
	in, err := p.dir.Dentry.inode.Mkdir(p.name, perm, ctx.Cred)
	if err != nil {
		return err
	}
	if err := inherit.apply(in); err != nil {
		return err
	}
	notifyEntry(p.dir, p.name, unix.IN_CREATE|unix.IN_ISDIR, 0)
	return nil
}

// MknodAt implements mknodat(2) for regular files, FIFOs and sockets
// (EPERM for device nodes, EINVAL for other types). mode is masked with
// the umask (or the directory's default ACL: createMode).
func MknodAt(ctx *Context, start Location, path string, mode uint32, dev uint64) error {
	typ := mode & unix.S_IFMT
	switch typ {
	case 0:
		typ, dev = unix.S_IFREG, 0
	case unix.S_IFREG, unix.S_IFIFO, unix.S_IFSOCK:
		dev = 0
	case unix.S_IFCHR, unix.S_IFBLK:
	case unix.S_IFDIR:
		return unix.EPERM
	default:
		return unix.EINVAL
	}
	p, err := prepareCreate(ctx, start, path, typ)
	if err != nil {
		return err
	}
	if p.trailing {
		return unix.ENOENT
	}
	// Device nodes need CAP_MKNOD, checked after the directory's own
	// permission, as vfs_mknod does.
	if (typ == unix.S_IFCHR || typ == unix.S_IFBLK) && !ctx.Cred.Capable(unix.CAP_MKNOD) {
		return unix.EPERM
	}
	perm, inherit := createMode(ctx, p.dir.Dentry.inode, typ, mode)
	in, err := p.dir.Dentry.inode.Create(p.name, typ|perm, dev, ctx.Cred)
	if err != nil {
		return err
	}
	if err := inherit.apply(in); err != nil {
		return err
	}
	notifyEntry(p.dir, p.name, unix.IN_CREATE, 0)
	return nil
}

// SymlinkAt implements symlinkat(2): creates path pointing at target.
func SymlinkAt(ctx *Context, target string, start Location, path string) error {
	if target == "" {
		return unix.ENOENT
	}
	if len(target) >= PathMax {
		return unix.ENAMETOOLONG
	}
	p, err := prepareCreate(ctx, start, path, unix.S_IFLNK)
	if err != nil {
		return err
	}
	if p.trailing {
		return unix.ENOENT
	}
	if _, err = p.dir.Dentry.inode.Symlink(p.name, target, ctx.Cred); err != nil {
		return err
	}
	notifyEntry(p.dir, p.name, unix.IN_CREATE, 0)
	return nil
}

// LinkAt implements linkat(2). flags accepts AT_SYMLINK_FOLLOW and
// AT_EMPTY_PATH. Directories cannot be linked (EPERM); links across
// mounts give EXDEV.
func LinkAt(ctx *Context, oldStart Location, oldPath string, newStart Location, newPath string, flags int) error {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return unix.EINVAL
	}
	lflags := unix.AT_SYMLINK_NOFOLLOW
	if flags&unix.AT_SYMLINK_FOLLOW != 0 {
		lflags = 0
	}
	lflags |= flags & unix.AT_EMPTY_PATH
	old, err := locate(ctx, oldStart, oldPath, lflags)
	if err != nil {
		return err
	}
	if old.Dentry.typ == unix.S_IFDIR {
		return unix.EPERM
	}
	p, err := resolveParent(ctx, newStart, newPath, resolveOpts{})
	if err != nil {
		return err
	}
	if isDotName(p.name) {
		return unix.EEXIST
	}
	if _, err := p.child(); err == nil {
		return unix.EEXIST
	} else if err != unix.ENOENT {
		return err
	}
	if p.trailing {
		return unix.ENOENT
	}
	if p.dir.Mount != old.Mount {
		return unix.EXDEV
	}
	if p.dir.Mount.ReadOnly() {
		return unix.EROFS
	}
	if ctx.Guard != nil {
		req := ReferRequest{OldDir: parentOf(old), Old: old, NewDir: p.dir}
		if err := ctx.Guard.CheckRefer(req); err != nil {
			return err
		}
	}
	if err := mayAccess(ctx, p.dir, unix.W_OK|unix.X_OK); err != nil {
		return err
	}
	if err := p.dir.Dentry.inode.Link(p.name, old.Dentry.inode); err != nil {
		return err
	}
	notifySelf(old.Mount, old.Dentry, unix.IN_ATTRIB)
	notifyEntry(p.dir, p.name, unix.IN_CREATE, 0)
	return nil
}

// UnlinkAt implements unlinkat(2); with AT_REMOVEDIR it is rmdir(2).
func UnlinkAt(ctx *Context, start Location, path string, flags int) error {
	if flags&^unix.AT_REMOVEDIR != 0 {
		return unix.EINVAL
	}
	p, err := resolveParent(ctx, start, path, resolveOpts{})
	if err != nil {
		return err
	}
	rmdir := flags&unix.AT_REMOVEDIR != 0
	if rmdir {
		switch {
		case p.name == "." && path != "" && len(splitComps(path)) == 0:
			return unix.EBUSY // "/"
		case p.name == ".":
			return unix.EINVAL
		case p.name == "..":
			return unix.ENOTEMPTY
		}
	} else if isDotName(p.name) {
		return unix.EISDIR
	}
	if p.dir.Mount.ReadOnly() {
		return unix.EROFS
	}
	child, err := p.child()
	if err != nil {
		return err
	}
	// Landlock checks the operation (security_path_unlink/rmdir come
	// before vfs_unlink's own checks).
	removeRight := uint64(unix.LANDLOCK_ACCESS_FS_REMOVE_FILE)
	if rmdir {
		removeRight = unix.LANDLOCK_ACCESS_FS_REMOVE_DIR
	}
	if err := GuardCheck(ctx, p.dir, removeRight); err != nil {
		return err
	}
	if err := mayAccess(ctx, p.dir, unix.W_OK|unix.X_OK); err != nil {
		return err
	}
	if err := checkSticky(ctx, p.dir, child); err != nil {
		return err
	}
	isDir := child.Dentry.typ == unix.S_IFDIR
	if rmdir {
		if !isDir {
			return unix.ENOTDIR
		}
		if child.Mount != p.dir.Mount || sameLocation(child, ctx.Root) {
			return unix.EBUSY
		}
		err = p.dir.Dentry.inode.Rmdir(p.name)
	} else {
		if isDir {
			return unix.EISDIR
		}
		if p.trailing {
			return unix.ENOTDIR
		}
		if child.Mount != p.dir.Mount {
			return unix.EBUSY // a file with a bind mount on it
		}
		err = p.dir.Dentry.inode.Unlink(p.name)
	}
	if err != nil {
		return err
	}
	v := p.dir.Mount.vfs
	v.treeMu.Lock()
	p.dir.Dentry.dropChild(p.name)
	v.paths.namesChanged()
	v.treeMu.Unlock()
	notifyRemoved(child)
	notifyEntry(p.dir, p.name, unix.IN_DELETE|isDirBit(child.Dentry.typ), 0)
	return nil
}

func splitComps(path string) []string {
	comps, _, _, _ := splitPath(path)
	return comps
}

// checkSticky applies the sticky-directory rule (only the owner of the
// entry or of the directory, or a caller with CAP_FOWNER, may remove it).
func checkSticky(ctx *Context, dir, child Location) error {
	if ctx.Capable(unix.CAP_FOWNER) {
		return nil
	}
	dst, err := dir.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	if dst.Mode&unix.S_ISVTX == 0 || dst.UID == ctx.UID {
		return nil
	}
	cst, err := child.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	if cst.UID != ctx.UID {
		return unix.EPERM
	}
	return nil
}

// RenameAt implements renameat2(2) with RENAME_NOREPLACE and
// RENAME_EXCHANGE.
func RenameAt(ctx *Context, oldStart Location, oldPath string, newStart Location, newPath string, flags uint32) error {
	if flags&^uint32(unix.RENAME_NOREPLACE|unix.RENAME_EXCHANGE|unix.RENAME_WHITEOUT) != 0 {
		return unix.EINVAL
	}
	if flags&unix.RENAME_NOREPLACE != 0 && flags&unix.RENAME_EXCHANGE != 0 {
		return unix.EINVAL
	}
	if flags&unix.RENAME_WHITEOUT != 0 {
		return unix.EINVAL
	}
	op, err := resolveParent(ctx, oldStart, oldPath, resolveOpts{})
	if err != nil {
		return err
	}
	np, err := resolveParent(ctx, newStart, newPath, resolveOpts{})
	if err != nil {
		return err
	}
	if isDotName(op.name) || isDotName(np.name) {
		return unix.EBUSY
	}
	if op.dir.Mount != np.dir.Mount {
		return unix.EXDEV
	}
	if op.dir.Mount.ReadOnly() {
		return unix.EROFS
	}
	oldLoc, err := op.child()
	if err != nil {
		return err
	}
	exchange := flags&unix.RENAME_EXCHANGE != 0
	newLoc, err := np.child()
	newExists := err == nil
	if err != nil && err != unix.ENOENT {
		return err
	}
	if exchange && !newExists {
		return unix.ENOENT
	}
	if newExists && flags&unix.RENAME_NOREPLACE != 0 {
		return unix.EEXIST
	}
	oldIsDir := oldLoc.Dentry.typ == unix.S_IFDIR
	if !oldIsDir && op.trailing {
		return unix.ENOTDIR
	}
	if newExists {
		newIsDir := newLoc.Dentry.typ == unix.S_IFDIR
		if !exchange {
			if oldIsDir && !newIsDir {
				return unix.ENOTDIR
			}
			if !oldIsDir && newIsDir {
				return unix.EISDIR
			}
		}
		if np.trailing && !newIsDir && (!exchange || !oldIsDir) {
			return unix.ENOTDIR
		}
		if newLoc.Mount != np.dir.Mount {
			return unix.EBUSY
		}
	} else if np.trailing && !oldIsDir {
		return unix.ENOTDIR
	}
	if oldLoc.Mount != op.dir.Mount {
		return unix.EBUSY
	}
	// Landlock's security_path_rename comes before vfs_rename's
	// same-inode shortcut.
	if ctx.Guard != nil {
		req := ReferRequest{OldDir: op.dir, Old: oldLoc, NewDir: np.dir, Exchange: exchange, Removable: true}
		if newExists {
			req.New = newLoc
		}
		if err := ctx.Guard.CheckRefer(req); err != nil {
			return err
		}
	}
	if newExists && oldLoc.Dentry.ino == newLoc.Dentry.ino {
		return nil // same inode: nothing to do
	}
	if err := mayAccess(ctx, op.dir, unix.W_OK|unix.X_OK); err != nil {
		return err
	}
	if err := mayAccess(ctx, np.dir, unix.W_OK|unix.X_OK); err != nil {
		return err
	}
	v := op.dir.Mount.vfs
	v.treeMu.RLock()
	loop := (oldIsDir && isAncestor(oldLoc.Dentry, np.dir.Dentry)) ||
		(exchange && newExists && newLoc.Dentry.typ == unix.S_IFDIR && isAncestor(newLoc.Dentry, op.dir.Dentry))
	v.treeMu.RUnlock()
	if loop {
		return unix.EINVAL
	}
	if newExists && !exchange && oldIsDir && isAncestorLoc(newLoc, op.dir) {
		return unix.ENOTEMPTY
	}
	if err := op.dir.Dentry.inode.Rename(op.name, np.dir.Dentry.inode, np.name, flags); err != nil {
		return err
	}
	defer notifyRename(op, np, oldLoc, newLoc, newExists, exchange)
	v.treeMu.Lock()
	defer v.treeMu.Unlock()
	v.paths.namesChanged()
	od := op.dir.Dentry.cachedChild(op.name)
	nd := np.dir.Dentry.cachedChild(np.name)
	delete(op.dir.Dentry.children, op.name)
	if nd != nil {
		delete(np.dir.Dentry.children, np.name)
		if exchange {
			nd.parent, nd.name = op.dir.Dentry, op.name
			op.dir.Dentry.setChild(op.name, nd)
		} else {
			nd.dead = true
		}
	}
	if od != nil {
		od.parent, od.name = np.dir.Dentry, np.name
		np.dir.Dentry.setChild(np.name, od)
	}
	return nil
}

// isAncestor reports whether a is d or one of its ancestors (same
// filesystem). Caller holds treeMu.
func isAncestor(a, d *Dentry) bool {
	for ; d != nil; d = d.parent {
		if d == a {
			return true
		}
	}
	return false
}

func isAncestorLoc(a, d Location) bool {
	v := a.Mount.vfs
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	return a.Mount == d.Mount && isAncestor(a.Dentry, d.Dentry)
}

// notifyRename raises a rename's events: IN_MOVED_FROM and IN_MOVED_TO
// with one cookie, IN_MOVE_SELF on the moved inode, and for a replaced
// target its removal (an exchange moves both ways).
func notifyRename(op, np parentResult, oldLoc, newLoc Location, newExists, exchange bool) {
	n := &op.dir.Mount.vfs.notify
	if !n.active() {
		return
	}
	move := func(from, to parentResult, loc Location) {
		cookie := n.nextCookie()
		dir := isDirBit(loc.Dentry.typ)
		notifyEntry(from.dir, from.name, unix.IN_MOVED_FROM|dir, cookie)
		notifyEntry(to.dir, to.name, unix.IN_MOVED_TO|dir, cookie)
		notifySelf(loc.Mount, loc.Dentry, unix.IN_MOVE_SELF)
	}
	move(op, np, oldLoc)
	switch {
	case exchange:
		move(np, op, newLoc)
	case newExists:
		notifyRemoved(newLoc)
	}
}

// parentOf is the directory holding loc (a link's source directory, for
// the Landlock refer check); the root of the mount tree is its own parent.
func parentOf(loc Location) Location {
	v := loc.Mount.vfs
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	for loc.Dentry == loc.Mount.root && loc.Mount.parent != nil {
		loc = Location{Mount: loc.Mount.parent, Dentry: loc.Mount.point}
	}
	if loc.Dentry.parent == nil {
		return loc
	}
	return Location{Mount: loc.Mount, Dentry: loc.Dentry.parent}
}
