package vfs

import "golang.org/x/sys/unix"

// checkPermission applies the owner/group/other rules for the access
// mask (R_OK|W_OK|X_OK) to st, the stat of in, as Linux's
// generic_permission: the owner gets the owner bits; anyone else is
// judged by the inode's access ACL if it has one (acl(5)) and the group
// bits are not all clear, else by the group or other bits. What that
// refuses, capabilities(7) may allow: CAP_DAC_OVERRIDE everything but
// executing a file with no execute bit, CAP_DAC_READ_SEARCH reading a
// file and reading or searching a directory. in may be nil (no ACL).
func checkPermission(cred Cred, in Inode, st *Stat, mask uint32) error {
	if modePermission(cred, in, st, mask) == nil {
		return nil
	}
	if st.IsDir() {
		if mask&unix.W_OK == 0 && cred.Capable(unix.CAP_DAC_READ_SEARCH) || cred.Capable(unix.CAP_DAC_OVERRIDE) {
			return nil
		}
		return unix.EACCES
	}
	if (mask&unix.X_OK == 0 || st.Mode&0o111 != 0) && cred.Capable(unix.CAP_DAC_OVERRIDE) {
		return nil
	}
	if mask&(unix.R_OK|unix.W_OK|unix.X_OK) == unix.R_OK && cred.Capable(unix.CAP_DAC_READ_SEARCH) {
		return nil
	}
	return unix.EACCES
}

// modePermission is the mode and ACL part of checkPermission.
func modePermission(cred Cred, in Inode, st *Stat, mask uint32) error {
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

// mayAccess checks mask on loc for ctx's credentials. A caller with
// CAP_DAC_OVERRIDE skips the Stat entirely for search (X_OK on
// directories), the hot path of every walk.
func mayAccess(ctx *Context, loc Location, mask uint32) error {
	if (mask&unix.X_OK == 0 || loc.Dentry.typ == unix.S_IFDIR) && ctx.Capable(unix.CAP_DAC_OVERRIDE) {
		return nil
	}
	st, err := loc.Dentry.inode.Stat()
	if err != nil {
		return err
	}
	return checkPermission(ctx.Cred, loc.Dentry.inode, &st, mask)
}

// isOwnerOrRoot reports whether cred may change st's mode or times: the
// owner, or a caller with CAP_FOWNER.
func isOwnerOrRoot(cred Cred, st *Stat) bool {
	return cred.UID == st.UID || cred.Capable(unix.CAP_FOWNER)
}
