package vfs

import (
	"golang.org/x/sys/unix"
)

// Guard is an access policy a process stacks on top of the permission
// checks: the app's Landlock domain (package vfs/landlock). Access rights
// are Landlock's LANDLOCK_ACCESS_FS_* bits. A process without a policy has
// a nil Context.Guard, and every hook below costs it one nil check.
type Guard interface {
	// Denied returns the rights among access that the policy refuses
	// for the file or directory at loc (0: all allowed).
	Denied(loc Location, access uint64) uint64
	// CheckRefer is the check of a link or a rename (Landlock's
	// current_check_refer_path): it answers EACCES or EXDEV, or nil.
	CheckRefer(r ReferRequest) error
}

// ReferRequest describes a link or rename to Guard.CheckRefer.
type ReferRequest struct {
	OldDir, Old Location // the source's directory and the source itself
	NewDir      Location // the destination's directory
	New         Location // the existing destination (zero when none)
	Exchange    bool     // RENAME_EXCHANGE
	Removable   bool     // a rename (the source leaves its directory)
}

// ObjectKey identifies an inode of a filesystem instance (the object a
// Landlock rule is tied to: every hard link and bind mount of it).
type ObjectKey struct {
	sb  *superBlock
	ino uint64
}

// Object returns the key of the inode at loc.
func (l Location) Object() ObjectKey {
	return ObjectKey{sb: l.Mount.sb, ino: l.Dentry.ino}
}

// Ancestors calls visit with the key of loc's inode, then of each parent
// directory up to the root of the mount tree, crossing mount points (a
// mount's root gives way to the directory it is mounted on) and ignoring
// the process root (as Landlock walks to the real root). It stops when
// visit returns false.
func (l Location) Ancestors(visit func(ObjectKey) bool) {
	if !l.Valid() {
		return
	}
	v := l.Mount.vfs
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	cur := l
	for {
		if !visit(cur.Object()) {
			return
		}
		for cur.Dentry == cur.Mount.root {
			if cur.Mount.parent == nil {
				return
			}
			cur = Location{Mount: cur.Mount.parent, Dentry: cur.Mount.point}
		}
		if cur.Dentry.parent == nil {
			return
		}
		cur = Location{Mount: cur.Mount, Dentry: cur.Dentry.parent}
	}
}

// IsDevice reports whether loc is a character or block device node.
func (l Location) IsDevice() bool {
	return l.Dentry.typ == unix.S_IFCHR || l.Dentry.typ == unix.S_IFBLK
}

// GuardCheck answers EACCES when ctx's policy refuses access at loc (the
// vfs operations' hooks, and execve's LANDLOCK_ACCESS_FS_EXECUTE).
func GuardCheck(ctx *Context, loc Location, access uint64) error {
	if ctx.Guard == nil || access == 0 {
		return nil
	}
	if ctx.Guard.Denied(loc, access) != 0 {
		return unix.EACCES
	}
	return nil
}

// MakeAccess is the Landlock right that creating a file of type typ
// (S_IFMT bits) needs in its directory (get_mode_access).
func MakeAccess(typ uint32) uint64 {
	switch typ {
	case unix.S_IFDIR:
		return unix.LANDLOCK_ACCESS_FS_MAKE_DIR
	case unix.S_IFCHR:
		return unix.LANDLOCK_ACCESS_FS_MAKE_CHAR
	case unix.S_IFBLK:
		return unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK
	case unix.S_IFIFO:
		return unix.LANDLOCK_ACCESS_FS_MAKE_FIFO
	case unix.S_IFSOCK:
		return unix.LANDLOCK_ACCESS_FS_MAKE_SOCK
	case unix.S_IFLNK:
		return unix.LANDLOCK_ACCESS_FS_MAKE_SYM
	default:
		return unix.LANDLOCK_ACCESS_FS_MAKE_REG
	}
}

// guardOpen applies the policy to an open (Landlock's hook_file_open):
// reading a directory needs READ_DIR, a file READ_FILE, writing
// WRITE_FILE, and execve's open EXECUTE. It also returns which of the
// rights checked later on the open file (TRUNCATE for ftruncate and
// O_TRUNC, IOCTL_DEV for a device's ioctls) the policy refuses, for the
// File to record.
func guardOpen(ctx *Context, loc Location, readable, writable, exec bool) (uint64, error) {
	if ctx.Guard == nil {
		return 0, nil
	}
	var need uint64
	if readable {
		if loc.Dentry.typ == unix.S_IFDIR {
			need = unix.LANDLOCK_ACCESS_FS_READ_DIR
		} else {
			need = unix.LANDLOCK_ACCESS_FS_READ_FILE
		}
	}
	if writable {
		need |= unix.LANDLOCK_ACCESS_FS_WRITE_FILE
	}
	if exec {
		need |= unix.LANDLOCK_ACCESS_FS_EXECUTE
	}
	optional := uint64(unix.LANDLOCK_ACCESS_FS_TRUNCATE)
	if loc.IsDevice() {
		optional |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	denied := ctx.Guard.Denied(loc, need|optional)
	if denied&need != 0 {
		return 0, unix.EACCES
	}
	return denied & optional, nil
}

// GuardDenied reports whether the policy of the process that opened f
// refused right (TRUNCATE or IOCTL_DEV) when it opened it; a file opened
// without a policy is refused nothing, as Landlock decides these rights at
// open time.
func (f *File) GuardDenied(right uint64) bool { return f.guardDenied&right != 0 }
