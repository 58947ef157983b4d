package vfs

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Extended attributes (xattr(7)): the path operations behind getxattr,
// setxattr, listxattr and removexattr and their l* and f* forms. A name
// belongs to one of the namespaces user., trusted. and security., or is
// one of the two POSIX ACLs of the system. namespace (system.posix_acl_access
// and system.posix_acl_default, acl.go: EOPNOTSUPP on filesystems that keep
// no ACLs; other system. names are EOPNOTSUPP). The namespace rules:
//   - user.: regular files and directories only (others: EPERM to change,
//     ENODATA to read); reading needs read permission, changing needs
//     write permission; on a sticky directory only its owner may change
//     them.
//   - trusted.: only a privileged caller sees or changes them (others:
//     ENODATA, EPERM, and listxattr leaves them out).
//   - security.: anyone may read; changing needs privilege.
//     security.capability (file capabilities, capabilities(7)) must be a
//     revision 2 or 3 blob (EINVAL otherwise); a revision 3 one whose
//     root id is 0 is kept as revision 2, as Linux's cap_convert_nscap and
//     cap_inode_getsecurity show it to the initial namespace.
//   - system.posix_acl_*: anyone may read; only the owner or a privileged
//     caller may change (acl.go).

// XattrNameMax and XattrSizeMax are Linux's limits on a name and a value.
const (
	XattrNameMax = 255
	XattrSizeMax = 65536
)

const (
	xattrUser     = "user."
	xattrTrusted  = "trusted."
	xattrSecurity = "security."
)

// xattrAccess says why an xattr operation touches an inode.
type xattrAccess int

const (
	xattrRead xattrAccess = iota
	xattrWrite
)

// checkXattrName validates a name's length and namespace.
func checkXattrName(name string) error {
	if name == "" || len(name) > XattrNameMax {
		return unix.ERANGE
	}
	if isACLName(name) {
		return nil
	}
	for _, ns := range []string{xattrUser, xattrTrusted, xattrSecurity} {
		if strings.HasPrefix(name, ns) {
			if len(name) == len(ns) {
				return unix.EINVAL
			}
			return nil
		}
	}
	return unix.EOPNOTSUPP
}

// securityWriteCap is the capability writing a security.* attribute
// needs: CAP_SETFCAP for file capabilities, CAP_SYS_ADMIN for the others.
func securityWriteCap(name string) int {
	if name == FileCapsXattr {
		return unix.CAP_SETFCAP
	}
	return unix.CAP_SYS_ADMIN
}

// xattrPermission applies the namespace rules of the comment above to
// in, whose stat is st.
func xattrPermission(cred Cred, in Inode, st *Stat, name string, access xattrAccess) error {
	switch {
	case strings.HasPrefix(name, xattrTrusted):
		if !cred.Capable(unix.CAP_SYS_ADMIN) {
			if access == xattrWrite {
				return unix.EPERM
			}
			return unix.ENODATA
		}
		return nil
	case strings.HasPrefix(name, xattrSecurity):
		if access == xattrWrite && !cred.Capable(securityWriteCap(name)) {
			return unix.EPERM
		}
		return nil
	}
	// user.
	if t := st.Type(); t != unix.S_IFREG && t != unix.S_IFDIR {
		if access == xattrWrite {
			return unix.EPERM
		}
		return unix.ENODATA
	}
	if access == xattrWrite {
		if st.IsDir() && st.Mode&unix.S_ISVTX != 0 && !isOwnerOrRoot(cred, st) {
			return unix.EPERM
		}
		return checkPermission(cred, in, st, unix.W_OK)
	}
	return checkPermission(cred, in, st, unix.R_OK)
}

// xattrTarget resolves path (flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH)
// and returns the inode's attribute store and its stat.
func xattrTarget(ctx *Context, start Location, path string, flags int) (Location, Xattrer, Stat, error) {
	loc, err := locate(ctx, start, path, flags)
	if err != nil {
		return Location{}, nil, Stat{}, err
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return Location{}, nil, Stat{}, err
	}
	x, ok := loc.Dentry.inode.(Xattrer)
	if !ok {
		return loc, nil, st, unix.EOPNOTSUPP
	}
	return loc, x, st, nil
}

// xattrToChange resolves the target of a change of attribute name and
// checks that the mount and the caller allow it.
func xattrToChange(ctx *Context, start Location, path string, flags int, name string) (Location, Xattrer, error) {
	loc, x, st, err := xattrTarget(ctx, start, path, flags)
	if err != nil {
		return Location{}, nil, err
	}
	if loc.Mount.ReadOnly() {
		return Location{}, nil, unix.EROFS
	}
	if err := xattrPermission(ctx.Cred, loc.Dentry.inode, &st, name, xattrWrite); err != nil {
		return Location{}, nil, err
	}
	return loc, x, nil
}

// GetXattrAt returns the value of attribute name.
func GetXattrAt(ctx *Context, start Location, path string, flags int, name string) ([]byte, error) {
	if err := checkXattrName(name); err != nil {
		return nil, err
	}
	loc, x, st, err := xattrTarget(ctx, start, path, flags)
	if err != nil {
		return nil, err
	}
	if isACLName(name) {
		return getACL(loc, name)
	}
	if err := xattrPermission(ctx.Cred, loc.Dentry.inode, &st, name, xattrRead); err != nil {
		return nil, err
	}
	return x.GetXattr(name)
}

// SetXattrAt sets attribute name to value; xflags are XATTR_CREATE and
// XATTR_REPLACE.
func SetXattrAt(ctx *Context, start Location, path string, flags int, name string, value []byte, xflags int) error {
	if xflags&^(unix.XATTR_CREATE|unix.XATTR_REPLACE) != 0 {
		return unix.EINVAL
	}
	if err := checkXattrName(name); err != nil {
		return err
	}
	if len(value) > XattrSizeMax {
		return unix.E2BIG
	}
	if isACLName(name) {
		loc, err := locate(ctx, start, path, flags)
		if err != nil {
			return err
		}
		if len(value) == 0 {
			value = nil // an empty value removes the list, as Linux's do_set_acl
		}
		return setACL(ctx, loc, name, value)
	}
	if name == FileCapsXattr {
		// The format is checked before the caller's privilege, as in
		// Linux's vfs_setxattr (cap_convert_nscap).
		var err error
		if value, err = convertFileCaps(value); err != nil {
			return err
		}
	}
	loc, x, err := xattrToChange(ctx, start, path, flags, name)
	if err != nil {
		return err
	}
	if err := x.SetXattr(name, value, xflags); err != nil {
		return err
	}
	notifyInode(loc, unix.IN_ATTRIB)
	return nil
}

// RemoveXattrAt removes attribute name.
func RemoveXattrAt(ctx *Context, start Location, path string, flags int, name string) error {
	if err := checkXattrName(name); err != nil {
		return err
	}
	if isACLName(name) {
		loc, err := locate(ctx, start, path, flags)
		if err != nil {
			return err
		}
		return setACL(ctx, loc, name, nil)
	}
	loc, x, err := xattrToChange(ctx, start, path, flags, name)
	if err != nil {
		return err
	}
	if err := x.RemoveXattr(name); err != nil {
		return err
	}
	notifyInode(loc, unix.IN_ATTRIB)
	return nil
}

// ListXattrAt returns the names the caller may see, in the store's order.
func ListXattrAt(ctx *Context, start Location, path string, flags int) ([]string, error) {
	loc, x, _, err := xattrTarget(ctx, start, path, flags)
	if err == unix.EOPNOTSUPP {
		return nil, nil // no store: no attributes
	}
	if err != nil {
		return nil, err
	}
	names, err := x.ListXattr()
	if err != nil {
		return nil, err
	}
	visible := names[:0]
	for _, n := range names {
		if checkXattrName(n) != nil || isACLName(n) && !supportsACL(loc.Dentry.inode) {
			continue
		}
		if strings.HasPrefix(n, xattrTrusted) && !ctx.Cred.Capable(unix.CAP_SYS_ADMIN) {
			continue
		}
		visible = append(visible, n)
	}
	return visible, nil
}

// NonFileXattr is the answer for objects outside the filesystem (pipes,
// sockets, event descriptors): user. attributes are refused as on any
// special file (EPERM to change, ENODATA to read), the other namespaces
// are not supported there.
func NonFileXattr(name string, write bool) error {
	if err := checkXattrName(name); err != nil {
		return err
	}
	if !strings.HasPrefix(name, xattrUser) {
		return unix.EOPNOTSUPP
	}
	if write {
		return unix.EPERM
	}
	return unix.ENODATA
}
