package vfs

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// POSIX access control lists (acl(5)), kept as Linux keeps them on tmpfs:
// as the attributes system.posix_acl_access and system.posix_acl_default
// in the xattr binary format of linux/posix_acl_xattr.h (a little-endian
// u32 version 2, then entries of u16 tag, u16 perm, u32 id), in the
// inode's own attribute store. The vfs owns their meaning, as Linux's
// fs/posix_acl.c does: setxattr validates the list, an access ACL sets the
// mode's group bits (its ACL_MASK, or ACL_GROUP_OBJ) and one equivalent to
// the mode is not stored; chmod rewrites the stored list; the permission
// check walks it; a directory's default ACL is inherited by what is
// created in it (posix_acl_create). A filesystem opts in by implementing
// ACLSupporter (ramfs; the overlay, whose upper layer is a ramfs).

// ACL attribute names.
const (
	ACLAccessXattr  = "system.posix_acl_access"
	ACLDefaultXattr = "system.posix_acl_default"
)

// ACLSupporter is implemented by inodes of filesystems that hold POSIX
// ACLs (Linux's IS_POSIXACL). The inode must also be an Xattrer: the vfs
// stores the lists in it under the names above.
type ACLSupporter interface {
	SupportsACL() bool
}

// ACL tags and permission bits (linux/posix_acl.h).
const (
	aclUserObj  = 0x01
	aclUser     = 0x02
	aclGroupObj = 0x04
	aclGroup    = 0x08
	aclMask     = 0x10
	aclOther    = 0x20

	aclXattrVersion = 2
	aclUndefinedID  = 0xffffffff
	aclHeaderSize   = 4
	aclEntrySize    = 8
)

// aclEntry is one entry of a list.
type aclEntry struct {
	tag, perm uint16
	id        uint32
}

// isACLName reports whether name is one of the two ACL attributes.
func isACLName(name string) bool { return name == ACLAccessXattr || name == ACLDefaultXattr }

// supportsACL reports whether in keeps ACLs.
func supportsACL(in Inode) bool {
	s, ok := in.(ACLSupporter)
	return ok && s.SupportsACL()
}

// parseACL decodes and validates an attribute value as Linux's
// posix_acl_from_xattr and posix_acl_valid do. An empty list (a header
// alone) is nil with no error: setting it removes the ACL.
func parseACL(b []byte) ([]aclEntry, error) {
	if len(b) < aclHeaderSize {
		return nil, unix.EINVAL
	}
	if binary.LittleEndian.Uint32(b) != aclXattrVersion {
		return nil, unix.EOPNOTSUPP
	}
	if (len(b)-aclHeaderSize)%aclEntrySize != 0 {
		return nil, unix.EINVAL
	}
	n := (len(b) - aclHeaderSize) / aclEntrySize
	if n == 0 {
		return nil, nil
	}
	acl := make([]aclEntry, n)
	for i := range acl {
		e := b[aclHeaderSize+i*aclEntrySize:]
		acl[i] = aclEntry{tag: binary.LittleEndian.Uint16(e), perm: binary.LittleEndian.Uint16(e[2:]), id: binary.LittleEndian.Uint32(e[4:])}
		switch acl[i].tag {
		case aclUserObj, aclGroupObj, aclMask, aclOther:
			acl[i].id = aclUndefinedID
		case aclUser, aclGroup:
			if acl[i].id == aclUndefinedID { // no such kuid/kgid
				return nil, unix.EINVAL
			}
		default:
			return nil, unix.EINVAL
		}
	}
	return acl, validACL(acl)
}

// validACL is posix_acl_valid: entries in the order USER_OBJ, USER...,
// GROUP_OBJ, GROUP..., MASK, OTHER, a MASK whenever named entries exist,
// permissions within rwx.
func validACL(acl []aclEntry) error {
	const done = 0
	state := aclUserObj
	needsMask := false
	for _, e := range acl {
		if e.perm&^7 != 0 {
			return unix.EINVAL
		}
		switch e.tag {
		case aclUserObj:
			if state != aclUserObj {
				return unix.EINVAL
			}
			state = aclUser
		case aclUser:
			if state != aclUser {
				return unix.EINVAL
			}
			needsMask = true
		case aclGroupObj:
			if state != aclUser {
				return unix.EINVAL
			}
			state = aclGroup
		case aclGroup:
			if state != aclGroup {
				return unix.EINVAL
			}
			needsMask = true
		case aclMask:
			if state != aclGroup {
				return unix.EINVAL
			}
			state = aclOther
		case aclOther:
			if state != aclOther && (state != aclGroup || needsMask) {
				return unix.EINVAL
			}
			state = done
		default:
			return unix.EINVAL
		}
	}
	if state != done {
		return unix.EINVAL
	}
	return nil
}

// encodeACL is posix_acl_to_xattr.
func encodeACL(acl []aclEntry) []byte {
	b := make([]byte, aclHeaderSize+len(acl)*aclEntrySize)
	binary.LittleEndian.PutUint32(b, aclXattrVersion)
	for i, e := range acl {
		p := b[aclHeaderSize+i*aclEntrySize:]
		binary.LittleEndian.PutUint16(p, e.tag)
		binary.LittleEndian.PutUint16(p[2:], e.perm)
		binary.LittleEndian.PutUint32(p[4:], e.id)
	}
	return b
}

// aclEquivMode is posix_acl_equiv_mode: the permission bits the list
// gives mode (the MASK as the group bits) and whether the list says more
// than the mode can (named entries or a MASK).
func aclEquivMode(acl []aclEntry, mode uint32) (uint32, bool) {
	var perm uint32
	notEquiv := false
	for _, e := range acl {
		p := uint32(e.perm & 7)
		switch e.tag {
		case aclUserObj:
			perm |= p << 6
		case aclGroupObj:
			perm |= p << 3
		case aclOther:
			perm |= p
		case aclMask:
			perm = perm&^0o070 | p<<3
			notEquiv = true
		case aclUser, aclGroup:
			notEquiv = true
		}
	}
	return mode&^0o777 | perm, notEquiv
}

// aclChmod is __posix_acl_chmod: the owner, other and MASK (or
// GROUP_OBJ) entries take the new mode's bits.
func aclChmod(acl []aclEntry, mode uint32) {
	group, mask := -1, -1
	for i := range acl {
		switch acl[i].tag {
		case aclUserObj:
			acl[i].perm = uint16(mode>>6) & 7
		case aclOther:
			acl[i].perm = uint16(mode) & 7
		case aclGroupObj:
			group = i
		case aclMask:
			mask = i
		}
	}
	if mask >= 0 {
		group = mask
	}
	if group >= 0 {
		acl[group].perm = uint16(mode>>3) & 7
	}
}

// aclCreateMasq is posix_acl_create_masq: a new file's access ACL is its
// directory's default one limited by the create mode, and the mode is
// limited by the list. It reports whether the list says more than the
// mode (whether it is stored).
func aclCreateMasq(acl []aclEntry, mode uint32) (uint32, bool) {
	group, mask := -1, -1
	notEquiv := false
	for i := range acl {
		e := &acl[i]
		switch e.tag {
		case aclUserObj:
			e.perm &= uint16(mode>>6) & 7
			mode &= uint32(e.perm)<<6 | ^uint32(0o700)
		case aclUser, aclGroup:
			notEquiv = true
		case aclGroupObj:
			group = i
		case aclOther:
			e.perm &= uint16(mode) & 7
			mode &= uint32(e.perm) | ^uint32(0o007)
		case aclMask:
			mask = i
			notEquiv = true
		}
	}
	g := mask
	if g < 0 {
		g = group
	}
	if g >= 0 {
		acl[g].perm &= uint16(mode>>3) & 7
		mode &= uint32(acl[g].perm)<<3 | ^uint32(0o070)
	}
	return mode, notEquiv
}

// aclPermission is posix_acl_permission: the first entry that matches the
// caller decides (owner, a named user, then the owning and named groups,
// any of which grants, else other if no group matched); named users and
// groups are limited by the MASK.
func aclPermission(cred Cred, st *Stat, acl []aclEntry, want uint32) error {
	want &= 7
	found := false
	masked := func(i int) error {
		perm := uint32(acl[i].perm)
		for _, m := range acl[i+1:] {
			if m.tag == aclMask {
				perm &= uint32(m.perm)
				break
			}
		}
		if perm&want == want {
			return nil
		}
		return unix.EACCES
	}
	for i, e := range acl {
		switch e.tag {
		case aclUserObj:
			if st.UID == cred.UID {
				return permBits(uint32(e.perm), want)
			}
		case aclUser:
			if e.id == cred.UID {
				return masked(i)
			}
		case aclGroupObj, aclGroup:
			gid := e.id
			if e.tag == aclGroupObj {
				gid = st.GID
			}
			if cred.inGroup(gid) {
				found = true
				if uint32(e.perm)&want == want {
					return masked(i)
				}
			}
		case aclOther:
			if found {
				return unix.EACCES
			}
			return permBits(uint32(e.perm), want)
		}
	}
	return unix.EIO
}

func permBits(have, want uint32) error {
	if have&want == want {
		return nil
	}
	return unix.EACCES
}

// storedACL returns the list kept under name on in, nil if there is none
// (or the filesystem keeps none).
func storedACL(in Inode, name string) []aclEntry {
	if !supportsACL(in) {
		return nil
	}
	x, ok := in.(Xattrer)
	if !ok {
		return nil
	}
	b, err := x.GetXattr(name)
	if err != nil {
		return nil
	}
	acl, err := parseACL(b)
	if err != nil {
		return nil
	}
	return acl
}

// setACL is setxattr (and, with a nil value, removexattr) of an ACL
// attribute: Linux's vfs_set_acl, set_posix_acl and simple_set_acl. The
// list is checked first, then that the filesystem keeps ACLs, that a
// default ACL goes on a directory, and that the caller owns the file
// (or is privileged: CAP_FOWNER). An access ACL sets the mode and is kept
// only if the mode cannot say it.
func setACL(ctx *Context, loc Location, name string, value []byte) error {
	var acl []aclEntry
	if value != nil {
		var err error
		if acl, err = parseACL(value); err != nil {
			return err
		}
	}
	if loc.Mount.ReadOnly() {
		return unix.EROFS
	}
	in := loc.Dentry.inode
	x, ok := in.(Xattrer)
	if !ok || !supportsACL(in) || loc.Dentry.typ == unix.S_IFLNK {
		return unix.EOPNOTSUPP
	}
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if name == ACLDefaultXattr && !st.IsDir() {
		if acl != nil {
			return unix.EACCES
		}
		return nil
	}
	if !isOwnerOrRoot(ctx.Cred, &st) {
		return unix.EPERM
	}
	if name == ACLAccessXattr {
		mode := st.Mode
		if acl != nil {
			var notEquiv bool
			mode, notEquiv = aclEquivMode(acl, mode)
			if !notEquiv {
				acl = nil
			}
		}
		if !ctx.inGroup(st.GID) && !ctx.Capable(unix.CAP_FSETID) {
			mode &^= unix.S_ISGID
		}
		if mode != st.Mode {
			if err := in.SetAttr(SetAttr{Mask: AttrMode, Mode: mode & 0o7777}); err != nil {
				return err
			}
		}
	}
	if acl == nil {
		if err := x.RemoveXattr(name); err != nil && err != unix.ENODATA {
			return err
		}
	} else if err := x.SetXattr(name, encodeACL(acl), 0); err != nil {
		return err
	}
	notifyInode(loc, unix.IN_ATTRIB)
	return nil
}

// getACL is getxattr of an ACL attribute: anyone may read it; ENODATA
// when there is none, EOPNOTSUPP on a symlink (as tmpfs answers).
func getACL(loc Location, name string) ([]byte, error) {
	in := loc.Dentry.inode
	x, ok := in.(Xattrer)
	if !ok || !supportsACL(in) || loc.Dentry.typ == unix.S_IFLNK {
		return nil, unix.EOPNOTSUPP
	}
	return x.GetXattr(name)
}

// chmodACL rewrites a stored access ACL after a chmod (posix_acl_chmod).
func chmodACL(in Inode, mode uint32) error {
	acl := storedACL(in, ACLAccessXattr)
	if acl == nil {
		return nil
	}
	aclChmod(acl, mode)
	return in.(Xattrer).SetXattr(ACLAccessXattr, encodeACL(acl), 0)
}

// aclInheritance is what a new file inherits from its directory's
// default ACL (posix_acl_create).
type aclInheritance struct {
	access, dflt []aclEntry
}

// createMode is the mode of a new file of type typ created with mode in
// dir: without a default ACL the umask applies; with one, the umask does
// not, the default ACL limited by the mode becomes the file's access ACL
// (kept if the mode cannot say it), and a directory also inherits the
// default ACL itself. Symlinks inherit nothing.
func createMode(ctx *Context, dir Inode, typ, mode uint32) (uint32, aclInheritance) {
	var inh aclInheritance
	def := storedACL(dir, ACLDefaultXattr)
	if def == nil || typ == unix.S_IFLNK {
		return (mode &^ ctx.Umask) & 0o7777, inh
	}
	access := append([]aclEntry(nil), def...)
	perm, notEquiv := aclCreateMasq(access, mode&0o7777)
	if notEquiv {
		inh.access = access
	}
	if typ == unix.S_IFDIR {
		inh.dflt = def
	}
	return perm & 0o7777, inh
}

// apply stores the inherited lists on the new inode.
func (inh aclInheritance) apply(in Inode) error {
	if inh.access == nil && inh.dflt == nil {
		return nil
	}
	x, ok := in.(Xattrer)
	if !ok {
		return nil
	}
	if inh.access != nil {
		if err := x.SetXattr(ACLAccessXattr, encodeACL(inh.access), 0); err != nil {
			return err
		}
	}
	if inh.dflt != nil {
		if err := x.SetXattr(ACLDefaultXattr, encodeACL(inh.dflt), 0); err != nil {
			return err
		}
	}
	return nil
}
