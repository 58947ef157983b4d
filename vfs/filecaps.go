package vfs

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// File capabilities (capabilities(7)) live in the attribute
// security.capability as struct vfs_cap_data (linux/capability.h): a
// little-endian u32 magic_etc (revision in the top byte, bit 0 the
// effective flag), then permitted and inheritable words; revision 3
// (vfs_ns_cap_data) adds the root id of the namespace it is valid in. The
// vfs stores and checks the format; the kernel applies it at execve.

// FileCapsXattr is the attribute that holds a file's capabilities.
const FileCapsXattr = "security.capability"

// File capability revisions and sizes.
const (
	VFSCapRevisionMask   = 0xff000000
	VFSCapRevision1      = 0x01000000
	VFSCapRevision2      = 0x02000000
	VFSCapRevision3      = 0x03000000
	VFSCapFlagsEffective = 0x000001
	vfsCapSize1          = 4 + 1*8
	vfsCapSize2          = 4 + 2*8
	vfsCapSize3          = 4 + 2*8 + 4
)

// convertFileCaps is cap_convert_nscap for a caller in the initial user
// namespace: a revision 2 blob is kept as it is; a revision 3 one whose
// root id is 0 is kept as revision 2 (the form getxattr shows it in), one
// with another root id as it is; anything else is EINVAL.
func convertFileCaps(v []byte) ([]byte, error) {
	if len(v) < 4 {
		return nil, unix.EINVAL
	}
	magic := binary.LittleEndian.Uint32(v)
	switch {
	case len(v) == vfsCapSize2 && magic&VFSCapRevisionMask == VFSCapRevision2:
		return v, nil
	case len(v) == vfsCapSize3 && magic&VFSCapRevisionMask == VFSCapRevision3:
		root := binary.LittleEndian.Uint32(v[vfsCapSize2:])
		if root == 0xffffffff {
			return nil, unix.EINVAL
		}
		if root != 0 {
			return v, nil
		}
		out := append([]byte(nil), v[:vfsCapSize2]...)
		binary.LittleEndian.PutUint32(out, magic&^VFSCapRevisionMask|VFSCapRevision2)
		return out, nil
	}
	return nil, unix.EINVAL
}

// FileCaps is a file's capabilities as execve reads them
// (get_vfs_caps_from_disk).
type FileCaps struct {
	Permitted, Inheritable uint64
	Effective              bool
}

// FileCapsOf reads the capabilities of the file at loc for execve: ok is
// false when it has none (no attribute, a filesystem without attributes,
// a nosuid mount, or a revision 3 blob for another namespace's root);
// EINVAL for a malformed blob, which fails the execve as on Linux.
func FileCapsOf(loc Location) (caps FileCaps, ok bool, err error) {
	if !loc.Valid() || loc.Mount.Attr()&unix.MOUNT_ATTR_NOSUID != 0 {
		return FileCaps{}, false, nil
	}
	x, isX := loc.Dentry.inode.(Xattrer)
	if !isX {
		return FileCaps{}, false, nil
	}
	v, err := x.GetXattr(FileCapsXattr)
	if err == unix.ENODATA || err == unix.EOPNOTSUPP {
		return FileCaps{}, false, nil
	}
	if err != nil {
		return FileCaps{}, false, err
	}
	if len(v) < 4 {
		return FileCaps{}, false, unix.EINVAL
	}
	magic := binary.LittleEndian.Uint32(v)
	words := 2
	switch magic & VFSCapRevisionMask {
	case VFSCapRevision1:
		if len(v) != vfsCapSize1 {
			return FileCaps{}, false, unix.EINVAL
		}
		words = 1
	case VFSCapRevision2:
		if len(v) != vfsCapSize2 {
			return FileCaps{}, false, unix.EINVAL
		}
	case VFSCapRevision3:
		if len(v) != vfsCapSize3 {
			return FileCaps{}, false, unix.EINVAL
		}
		if binary.LittleEndian.Uint32(v[vfsCapSize2:]) != 0 {
			return FileCaps{}, false, nil // another namespace's root
		}
	default:
		return FileCaps{}, false, unix.EINVAL
	}
	for i := 0; i < words; i++ {
		caps.Permitted |= uint64(binary.LittleEndian.Uint32(v[4+8*i:])) << (32 * i)
		caps.Inheritable |= uint64(binary.LittleEndian.Uint32(v[8+8*i:])) << (32 * i)
	}
	caps.Effective = magic&VFSCapFlagsEffective != 0
	return caps, true, nil
}

// killFileCaps removes a file's capabilities when its owner changes (or
// it is written), as Linux's security_inode_killpriv.
func killFileCaps(in Inode) {
	if x, ok := in.(Xattrer); ok {
		x.RemoveXattr(FileCapsXattr)
	}
}
