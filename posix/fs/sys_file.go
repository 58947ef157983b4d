package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// The path calls that make, remove, rename and link names, and the working
// directory.
func registerFile(tb *shim.Table) {
	tb.Register(unix.SYS_READLINK, shim.Full, "", sysReadlink)
	tb.Register(unix.SYS_READLINKAT, shim.Full, "", sysReadlinkat)
	tb.Register(unix.SYS_MKDIR, shim.Full, "", sysMkdir)
	tb.Register(unix.SYS_MKDIRAT, shim.Full, "", sysMkdirat)
	tb.Register(unix.SYS_MKNOD, shim.Full, "device nodes (CAP_MKNOD) open the app's own devices of their numbers, never the host's; none is created on a host directory (EPERM)", sysMknod)
	tb.Register(unix.SYS_MKNODAT, shim.Full, "as mknod", sysMknodat)
	tb.Register(unix.SYS_RMDIR, shim.Full, "", sysRmdir)
	tb.Register(unix.SYS_UNLINK, shim.Full, "", sysUnlink)
	tb.Register(unix.SYS_UNLINKAT, shim.Full, "", sysUnlinkat)
	tb.Register(unix.SYS_RENAME, shim.Full, "", sysRename)
	tb.Register(unix.SYS_RENAMEAT, shim.Full, "", sysRenameat)
	tb.Register(unix.SYS_RENAMEAT2, shim.Partial, "RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT EINVAL", sysRenameat2)
	tb.Register(unix.SYS_LINK, shim.Full, "", sysLink)
	tb.Register(unix.SYS_LINKAT, shim.Full, "", sysLinkat)
	tb.Register(unix.SYS_SYMLINK, shim.Full, "", sysSymlink)
	tb.Register(unix.SYS_SYMLINKAT, shim.Full, "", sysSymlinkat)
	tb.Register(unix.SYS_CHDIR, shim.Full, "", sysChdir)
	tb.Register(unix.SYS_CHROOT, shim.Full, "the process's vfs root: path walks, .. at the root, getcwd, /proc/PID/root; needs CAP_SYS_CHROOT", sysChroot)
	tb.Register(unix.SYS_FCHDIR, shim.Full, "", sysFchdir)
	tb.Register(unix.SYS_GETCWD, shim.Full, "", sysGetcwd)
}

func readlink(t *kernel.Task, ctx *vfs.Context, loc vfs.Location, p string, buf, size uint64) (uint64, error) {
	if int64(size) <= 0 {
		return 0, unix.EINVAL
	}
	target, err := vfs.ReadlinkAt(ctx, loc, p)
	if err != nil {
		return 0, err
	}
	out := []byte(target)
	if uint64(len(out)) > size {
		out = out[:size]
	}
	return uint64(len(out)), t.CopyOut(buf, out)
}

func sysReadlink(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return readlink(t, ctx, loc, p, a[1], a[2])
}

func sysReadlinkat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return readlink(t, ctx, loc, p, a[2], a[3])
}

func sysMkdir(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.MkdirAt(ctx, loc, p, uint32(a[1])&0o7777)
}

func sysMkdirat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.MkdirAt(ctx, loc, p, uint32(a[2])&0o7777)
}

// mknod serves mknod and mknodat: regular files, FIFOs, sockets, and
// device nodes (CAP_MKNOD) that open the app's devices of their numbers;
// the rules are vfs.MknodAt's. dev is the 32-bit encoding of the syscall.
func mknod(ctx *vfs.Context, loc vfs.Location, p string, mode uint32, dev uint64) error {
	return vfs.MknodAt(ctx, loc, p, mode, uint64(uint32(dev)))
}

func sysMknod(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, mknod(ctx, loc, p, uint32(a[1]), a[2])
}

func sysMknodat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, mknod(ctx, loc, p, uint32(a[2]), a[3])
}

func sysRmdir(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UnlinkAt(ctx, loc, p, unix.AT_REMOVEDIR)
}

func sysUnlink(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UnlinkAt(ctx, loc, p, 0)
}

func sysUnlinkat(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(2)&^unix.AT_REMOVEDIR != 0 {
		return 0, unix.EINVAL
	}
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UnlinkAt(ctx, loc, p, a.Int(2))
}

func rename(t *kernel.Task, oldDir int, oldAddr uint64, newDir int, newAddr uint64, flags uint32) (uint64, error) {
	if flags&^(unix.RENAME_NOREPLACE|unix.RENAME_EXCHANGE) != 0 ||
		flags&unix.RENAME_NOREPLACE != 0 && flags&unix.RENAME_EXCHANGE != 0 {
		return 0, unix.EINVAL
	}
	pp, err := readPathPair(t, oldDir, oldAddr, newDir, newAddr)
	if err != nil {
		return 0, err
	}
	return 0, vfs.RenameAt(pp.ctx, pp.oldLoc, pp.oldPath, pp.newLoc, pp.newPath, flags)
}

func sysRename(t *kernel.Task, a shim.Args) (uint64, error) {
	return rename(t, unix.AT_FDCWD, a[0], unix.AT_FDCWD, a[1], 0)
}

func sysRenameat(t *kernel.Task, a shim.Args) (uint64, error) {
	return rename(t, a.Int(0), a[1], a.Int(2), a[3], 0)
}

func sysRenameat2(t *kernel.Task, a shim.Args) (uint64, error) {
	return rename(t, a.Int(0), a[1], a.Int(2), a[3], uint32(a[4]))
}

func link(t *kernel.Task, oldDir int, oldAddr uint64, newDir int, newAddr uint64, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	pp, err := readPathPair(t, oldDir, oldAddr, newDir, newAddr)
	if err != nil {
		return 0, err
	}
	return 0, vfs.LinkAt(pp.ctx, pp.oldLoc, pp.oldPath, pp.newLoc, pp.newPath, flags)
}

func sysLink(t *kernel.Task, a shim.Args) (uint64, error) {
	return link(t, unix.AT_FDCWD, a[0], unix.AT_FDCWD, a[1], 0)
}

func sysLinkat(t *kernel.Task, a shim.Args) (uint64, error) {
	return link(t, a.Int(0), a[1], a.Int(2), a[3], a.Int(4))
}

func symlink(t *kernel.Task, targetAddr uint64, dirfd int, pathAddr uint64) (uint64, error) {
	target, err := path(t, targetAddr)
	if err != nil {
		return 0, err
	}
	p, err := path(t, pathAddr)
	if err != nil {
		return 0, err
	}
	ctx, loc, err := start(t, dirfd, p)
	if err != nil {
		return 0, err
	}
	return 0, vfs.SymlinkAt(ctx, target, loc, p)
}

func sysSymlink(t *kernel.Task, a shim.Args) (uint64, error) {
	return symlink(t, a[0], unix.AT_FDCWD, a[1])
}

func sysSymlinkat(t *kernel.Task, a shim.Args) (uint64, error) {
	return symlink(t, a[0], a.Int(1), a[2])
}

func sysChdir(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.Chdir(ctx, loc, p)
}

func sysChroot(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.Chroot(ctx, loc, p, t.Process().HasCap(kernel.CapSysChroot))
}

func sysFchdir(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return 0, err
	}
	vf, err := vfsFileOf(t, a.Int(0), unix.ENOTDIR)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	return 0, vfs.Fchdir(ctx, vf.F)
}

func sysGetcwd(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return 0, err
	}
	cwd, err := vfs.Getcwd(ctx)
	if err != nil {
		return 0, err
	}
	b := append([]byte(cwd), 0)
	// Linux builds the path in a PATH_MAX buffer (fs/d_path.c): one that
	// does not fit, NUL included, is ENAMETOOLONG whatever the caller's
	// size; only then is a too small buffer ERANGE.
	if len(b) > unix.PathMax {
		return 0, unix.ENAMETOOLONG
	}
	if uint64(len(b)) > a[1] {
		return 0, unix.ERANGE
	}
	return uint64(len(b)), t.CopyOut(a[0], b)
}

// pathPair is the decoded (olddirfd, oldpath, newdirfd, newpath) of rename
// and link.
type pathPair struct {
	ctx              *vfs.Context
	oldLoc, newLoc   vfs.Location
	oldPath, newPath string
}

func readPathPair(t *kernel.Task, oldDir int, oldAddr uint64, newDir int, newAddr uint64) (pathPair, error) {
	var pp pathPair
	var err error
	if pp.oldPath, err = path(t, oldAddr); err != nil {
		return pp, err
	}
	if pp.newPath, err = path(t, newAddr); err != nil {
		return pp, err
	}
	if pp.ctx, pp.oldLoc, err = start(t, oldDir, pp.oldPath); err != nil {
		return pp, err
	}
	_, pp.newLoc, err = start(t, newDir, pp.newPath)
	return pp, err
}
