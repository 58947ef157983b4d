package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// Register adds the file syscalls' handlers to tb.
func Register(tb *shim.Table) {
	registerOpen(tb)
	registerFD(tb)
	registerRead(tb)
	registerWrite(tb)
	registerRW2(tb)
	registerLseek(tb)
	registerStat(tb)
	registerFile(tb)
	registerGetdents(tb)
	registerAttr(tb)
	registerXattr(tb)
	registerFcntl(tb)
	registerIoctl(tb)
	registerSync(tb)
	registerSyncFileRange(tb)
	registerSplice(tb)
	registerSplicePipe(tb)
	registerInotify(tb)
	registerFanotify(tb)
	registerPipe(tb)
	registerMemfd(tb)
	registerSysfs(tb)
	registerAio(tb)
	registerCachestat(tb)
	registerHandle(tb)
	registerSecretmem(tb)
	registerMount(tb)
}

// fsctx returns the process's filesystem context, or ENOSYS when the kernel
// runs without a filesystem.
func fsctx(t *kernel.Task) (*vfs.Context, error) {
	if t.Process().FS == nil {
		return nil, unix.ENOSYS
	}
	return t.Process().FS, nil
}

// fileOf returns the file at fd with a reference the caller drops.
func fileOf(t *kernel.Task, fd int) (kernel.File, error) {
	return t.Process().Files().Get(fd)
}

// vfsFileOf returns the vfs file at fd with a reference the caller drops;
// a descriptor of another kind answers notVFS.
func vfsFileOf(t *kernel.Task, fd int, notVFS error) (*kernel.VFSFile, error) {
	f, err := fileOf(t, fd)
	if err != nil {
		return nil, err
	}
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		f.DecRef()
		return nil, notVFS
	}
	return vf, nil
}

// start resolves a dirfd to where a relative path begins.
func start(t *kernel.Task, dirfd int, path string) (*vfs.Context, vfs.Location, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return nil, vfs.Location{}, err
	}
	if dirfd == unix.AT_FDCWD || len(path) > 0 && path[0] == '/' {
		return ctx, ctx.Cwd, nil
	}
	vf, err := vfsFileOf(t, dirfd, unix.ENOTDIR)
	if err != nil {
		return nil, vfs.Location{}, err
	}
	defer vf.DecRef()
	return ctx, vf.F.Location(), nil
}

// path reads a path argument (EFAULT, ENAMETOOLONG).
func path(t *kernel.Task, addr uint64) (string, error) {
	if addr == 0 {
		return "", unix.EFAULT
	}
	return t.CopyInString(addr, vfs.PathMax)
}

// at decodes (dirfd, path) argument pairs; dirArg < 0 means AT_FDCWD (the
// calls without a dirfd).
func at(t *kernel.Task, a shim.Args, dirArg, pathArg int) (*vfs.Context, vfs.Location, string, error) {
	p, err := path(t, a[pathArg])
	if err != nil {
		return nil, vfs.Location{}, "", err
	}
	dirfd := unix.AT_FDCWD
	if dirArg >= 0 {
		dirfd = a.Int(dirArg)
	}
	ctx, loc, err := start(t, dirfd, p)
	return ctx, loc, p, err
}

// result is the return of a transfer: the count when anything moved (an
// error after a partial transfer is for the next call), else the error.
func result(n int, err error) (uint64, error) {
	if n > 0 {
		return uint64(n), nil
	}
	return 0, err
}
