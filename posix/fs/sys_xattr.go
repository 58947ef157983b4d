package fs

import (
	"bytes"
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerXattr(tb *shim.Table) {
	const note = "user., trusted. and security. namespaces with xattr(7)'s rules; POSIX ACLs (system.posix_acl_access/default, acl(5)) on the in-memory filesystems, enforced by the permission check and inherited on create; security.capability checked (revision 2/3) and applied at execve; host files' own attributes, changed only on :rw volumes (their ACLs are not shown: EOPNOTSUPP)"
	tb.Register(unix.SYS_SETXATTR, shim.Full, note, sysSetxattr)
	tb.Register(unix.SYS_LSETXATTR, shim.Full, note, sysLsetxattr)
	tb.Register(unix.SYS_FSETXATTR, shim.Full, note, sysFsetxattr)
	tb.Register(unix.SYS_GETXATTR, shim.Full, note, sysGetxattr)
	tb.Register(unix.SYS_LGETXATTR, shim.Full, note, sysLgetxattr)
	tb.Register(unix.SYS_FGETXATTR, shim.Full, note, sysFgetxattr)
	tb.Register(unix.SYS_LISTXATTR, shim.Full, note, sysListxattr)
	tb.Register(unix.SYS_LLISTXATTR, shim.Full, note, sysLlistxattr)
	tb.Register(unix.SYS_FLISTXATTR, shim.Full, note, sysFlistxattr)
	tb.Register(unix.SYS_REMOVEXATTR, shim.Full, note, sysRemovexattr)
	tb.Register(unix.SYS_LREMOVEXATTR, shim.Full, note, sysLremovexattr)
	tb.Register(unix.SYS_FREMOVEXATTR, shim.Full, note, sysFremovexattr)
	tb.Register(unix.SYS_SETXATTRAT, shim.Full, note, sysSetxattrAt)
	tb.Register(unix.SYS_GETXATTRAT, shim.Full, note, sysGetxattrAt)
	tb.Register(unix.SYS_LISTXATTRAT, shim.Full, note, sysListxattrAt)
	tb.Register(unix.SYS_REMOVEXATTRAT, shim.Full, note, sysRemovexattrAt)
}

// xattrArgs is struct xattr_args of the *xattrat calls.
type xattrArgs struct {
	Value uint64
	Size  uint32
	Flags uint32
}

// xattrTarget is where an xattr call points: a path (with AT_* flags) or
// a descriptor (an empty path with AT_EMPTY_PATH).
type xattrTarget struct {
	ctx   *vfs.Context
	loc   vfs.Location
	path  string
	flags int
}

// pathTarget decodes the path form: follow says whether a final symlink
// is followed (getxattr) or not (lgetxattr).
func pathTarget(t *kernel.Task, addr uint64, follow bool) (xattrTarget, error) {
	p, err := path(t, addr)
	if err != nil {
		return xattrTarget{}, err
	}
	ctx, loc, err := start(t, unix.AT_FDCWD, p)
	if err != nil {
		return xattrTarget{}, err
	}
	flags := 0
	if !follow {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	return xattrTarget{ctx, loc, p, flags}, nil
}

// errNotVFS marks a descriptor outside the vfs (a pipe, a socket).
var errNotVFS = errors.New("not a vfs file")

// fdTarget decodes the descriptor form; files outside the vfs give
// errNotVFS, which the callers answer with vfs.NonFileXattr.
func fdTarget(t *kernel.Task, fd int) (xattrTarget, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return xattrTarget{}, err
	}
	vf, err := vfsFileOf(t, fd, errNotVFS)
	if err != nil {
		return xattrTarget{}, err
	}
	defer vf.DecRef()
	return xattrTarget{ctx, vf.F.Location(), "", unix.AT_EMPTY_PATH}, nil
}

// nonFile answers a call on a descriptor outside the vfs.
func nonFile(t *kernel.Task, nameAddr uint64, write bool) (uint64, error) {
	name, err := xattrName(t, nameAddr)
	if err != nil {
		return 0, err
	}
	return 0, vfs.NonFileXattr(name, write)
}

// atTarget decodes the (dirfd, path, at_flags) form of the *xattrat calls.
func atTarget(t *kernel.Task, a shim.Args) (xattrTarget, error) {
	flags := a.Int(2)
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return xattrTarget{}, unix.EINVAL
	}
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return xattrTarget{}, err
	}
	return xattrTarget{ctx, loc, p, flags}, nil
}

// xattrName reads an attribute name: too long or empty is ERANGE.
func xattrName(t *kernel.Task, addr uint64) (string, error) {
	name, err := t.CopyInString(addr, vfs.XattrNameMax+1)
	if err == unix.ENAMETOOLONG || err == nil && (name == "" || len(name) > vfs.XattrNameMax) {
		return "", unix.ERANGE
	}
	return name, err
}

// setXattr reads the name and value and sets them.
func setXattr(t *kernel.Task, tg xattrTarget, nameAddr, valueAddr uint64, size uint64, xflags int) (uint64, error) {
	name, err := xattrName(t, nameAddr)
	if err != nil {
		return 0, err
	}
	if size > vfs.XattrSizeMax {
		return 0, unix.E2BIG
	}
	value := make([]byte, size)
	if err := t.CopyIn(valueAddr, value); err != nil {
		return 0, err
	}
	return 0, vfs.SetXattrAt(tg.ctx, tg.loc, tg.path, tg.flags, name, value, xflags)
}

// getXattr reads the value into the app's buffer; size 0 asks for the
// value's size, a smaller buffer is ERANGE.
func getXattr(t *kernel.Task, tg xattrTarget, nameAddr, valueAddr uint64, size uint64) (uint64, error) {
	name, err := xattrName(t, nameAddr)
	if err != nil {
		return 0, err
	}
	value, err := vfs.GetXattrAt(tg.ctx, tg.loc, tg.path, tg.flags, name)
	if err != nil {
		return 0, err
	}
	return copyOutSized(t, valueAddr, size, value)
}

// listXattr writes the NUL-terminated names the caller may see.
func listXattr(t *kernel.Task, tg xattrTarget, listAddr, size uint64) (uint64, error) {
	names, err := vfs.ListXattrAt(tg.ctx, tg.loc, tg.path, tg.flags)
	if err != nil {
		return 0, err
	}
	var list bytes.Buffer
	for _, n := range names {
		list.WriteString(n)
		list.WriteByte(0)
	}
	return copyOutSized(t, listAddr, size, list.Bytes())
}

// copyOutSized answers the xattr calls' size protocol.
func copyOutSized(t *kernel.Task, addr, size uint64, data []byte) (uint64, error) {
	if size == 0 {
		return uint64(len(data)), nil
	}
	if uint64(len(data)) > size {
		return 0, unix.ERANGE
	}
	if err := t.CopyOut(addr, data); err != nil {
		return 0, err
	}
	return uint64(len(data)), nil
}

func removeXattr(t *kernel.Task, tg xattrTarget, nameAddr uint64) (uint64, error) {
	name, err := xattrName(t, nameAddr)
	if err != nil {
		return 0, err
	}
	return 0, vfs.RemoveXattrAt(tg.ctx, tg.loc, tg.path, tg.flags, name)
}

func sysSetxattr(t *kernel.Task, a shim.Args) (uint64, error)  { return setxattrPath(t, a, true) }
func sysLsetxattr(t *kernel.Task, a shim.Args) (uint64, error) { return setxattrPath(t, a, false) }

func setxattrPath(t *kernel.Task, a shim.Args, follow bool) (uint64, error) {
	tg, err := pathTarget(t, a[0], follow)
	if err != nil {
		return 0, err
	}
	return setXattr(t, tg, a[1], a[2], a[3], a.Int(4))
}

func sysFsetxattr(t *kernel.Task, a shim.Args) (uint64, error) {
	tg, err := fdTarget(t, a.Int(0))
	if err == errNotVFS {
		return nonFile(t, a[1], true)
	}
	if err != nil {
		return 0, err
	}
	return setXattr(t, tg, a[1], a[2], a[3], a.Int(4))
}

func sysGetxattr(t *kernel.Task, a shim.Args) (uint64, error)  { return getxattrPath(t, a, true) }
func sysLgetxattr(t *kernel.Task, a shim.Args) (uint64, error) { return getxattrPath(t, a, false) }

func getxattrPath(t *kernel.Task, a shim.Args, follow bool) (uint64, error) {
	tg, err := pathTarget(t, a[0], follow)
	if err != nil {
		return 0, err
	}
	return getXattr(t, tg, a[1], a[2], a[3])
}

func sysFgetxattr(t *kernel.Task, a shim.Args) (uint64, error) {
	tg, err := fdTarget(t, a.Int(0))
	if err == errNotVFS {
		return nonFile(t, a[1], false)
	}
	if err != nil {
		return 0, err
	}
	return getXattr(t, tg, a[1], a[2], a[3])
}

func sysListxattr(t *kernel.Task, a shim.Args) (uint64, error)  { return listxattrPath(t, a, true) }
func sysLlistxattr(t *kernel.Task, a shim.Args) (uint64, error) { return listxattrPath(t, a, false) }

func listxattrPath(t *kernel.Task, a shim.Args, follow bool) (uint64, error) {
	tg, err := pathTarget(t, a[0], follow)
	if err != nil {
		return 0, err
	}
	return listXattr(t, tg, a[1], a[2])
}

func sysFlistxattr(t *kernel.Task, a shim.Args) (uint64, error) {
	tg, err := fdTarget(t, a.Int(0))
	if err == errNotVFS {
		return 0, nil // no attributes
	}
	if err != nil {
		return 0, err
	}
	return listXattr(t, tg, a[1], a[2])
}

func sysRemovexattr(t *kernel.Task, a shim.Args) (uint64, error) {
	return removexattrPath(t, a, true)
}
func sysLremovexattr(t *kernel.Task, a shim.Args) (uint64, error) {
	return removexattrPath(t, a, false)
}

func removexattrPath(t *kernel.Task, a shim.Args, follow bool) (uint64, error) {
	tg, err := pathTarget(t, a[0], follow)
	if err != nil {
		return 0, err
	}
	return removeXattr(t, tg, a[1])
}

func sysFremovexattr(t *kernel.Task, a shim.Args) (uint64, error) {
	tg, err := fdTarget(t, a.Int(0))
	if err == errNotVFS {
		return nonFile(t, a[1], true)
	}
	if err != nil {
		return 0, err
	}
	return removeXattr(t, tg, a[1])
}

// xattrArgsIn reads struct xattr_args (usize must be its size).
func xattrArgsIn(t *kernel.Task, addr, usize uint64) (xattrArgs, error) {
	var args xattrArgs
	if usize != uint64(unsafe.Sizeof(args)) {
		return args, unix.EINVAL
	}
	err := kernel.CopyInStruct(t, addr, &args)
	return args, err
}

// setxattrat(dirfd, path, at_flags, name, struct xattr_args *, size)
func sysSetxattrAt(t *kernel.Task, a shim.Args) (uint64, error) {
	args, err := xattrArgsIn(t, a[4], a[5])
	if err != nil {
		return 0, err
	}
	tg, err := atTarget(t, a)
	if err != nil {
		return 0, err
	}
	return setXattr(t, tg, a[3], args.Value, uint64(args.Size), int(args.Flags))
}

// getxattrat(dirfd, path, at_flags, name, struct xattr_args *, size)
func sysGetxattrAt(t *kernel.Task, a shim.Args) (uint64, error) {
	args, err := xattrArgsIn(t, a[4], a[5])
	if err != nil {
		return 0, err
	}
	if args.Flags != 0 {
		return 0, unix.EINVAL
	}
	tg, err := atTarget(t, a)
	if err != nil {
		return 0, err
	}
	return getXattr(t, tg, a[3], args.Value, uint64(args.Size))
}

// listxattrat(dirfd, path, at_flags, list, size)
func sysListxattrAt(t *kernel.Task, a shim.Args) (uint64, error) {
	tg, err := atTarget(t, a)
	if err != nil {
		return 0, err
	}
	return listXattr(t, tg, a[3], a[4])
}

// removexattrat(dirfd, path, at_flags, name)
func sysRemovexattrAt(t *kernel.Task, a shim.Args) (uint64, error) {
	tg, err := atTarget(t, a)
	if err != nil {
		return 0, err
	}
	return removeXattr(t, tg, a[3])
}
