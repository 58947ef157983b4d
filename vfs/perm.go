package vfs

import "golang.org/x/sys/unix"

// checkPermission applies the owner/group/other rules for the access
// mask (R_OK|W_OK|X_OK) to st, the stat of in, as Linux's
// acl_permission_check: the owner gets the owner bits; anyone else is
// judged by the inode's access ACL if it has one (acl(5)) and the group
// bits are not all clear, else by the group or other bits. UID 0 passes,
// except that X_OK on a non-directory needs at least one execute bit. in
// may be nil (no ACL).
func checkPermission(cred Cred, in Inode, st *Stat, mask uint32) error {
	if cred.UID == 0 {
		if mask&unix.X_OK != 0 && !st.IsDir() && st.Mode&0o111 == 0 {
			return unix.EACCES
		}
		return nil
	}
	if st.UID != cred.UID && st.Mode&0o070 != 0 && in != nil {
		if acl := storedACL(in, ACLAccessXattr); acl != nil {
			return aclPermission(cred, st, acl, mask)
		}
	}
	var bits uint32
	switch {
	case st.UID == cred.UID:
		bits = (st.Mode >> 6) & 7
	case cred.inGroup(st.GID):
		bits = (st.Mode >> 3) & 7
	default:
		bits = st.Mode & 7
	}
	if bits&mask != mask {
		return unix.EACCES
	}
	return nil
}

// mayAccess checks mask on loc for ctx's credentials. Root skips the Stat
// entirely for search (X_OK on directories), the hot path of every walk.
func mayAccess(ctx *Context, loc Location, mask uint32) error {
	if ctx.UID == 0 && (mask&unix.X_OK == 0 || loc.Dentry.typ == unix.S_IFDIR) {
		return nil
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	return checkPermission(ctx.Cred, loc.Dentry.inode, &st, mask)
}

// isOwnerOrRoot reports whether cred may change st's mode or times.
func isOwnerOrRoot(cred Cred, st *Stat) bool {
	return cred.UID == 0 || cred.UID == st.UID
}
