package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

const atFDCWD = -100

// fsctx returns the process's filesystem context, or ENOSYS when the kernel
// runs without a filesystem.
func fsctx(t *kernel.Task) (*vfs.Context, error) {
	if t.Process().FS == nil {
		return nil, unix.ENOSYS
	}
	return t.Process().FS, nil
}

// vfsFile returns the vfs file behind fd (EBADF, or EINVAL/ENOTDIR-like
// errors decided by the caller when the descriptor is not a vfs file).
func vfsFile(t *kernel.Task, fd int) (*kernel.VFSFile, kernel.File, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, nil, err
	}
	vf, _ := f.(*kernel.VFSFile)
	return vf, f, nil
}

// start resolves a dirfd to where a relative path begins.
func start(t *kernel.Task, dirfd int, path string) (*vfs.Context, vfs.Location, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return nil, vfs.Location{}, err
	}
	if dirfd == atFDCWD {
		return ctx, ctx.Cwd, nil
	}
	if len(path) > 0 && path[0] == '/' {
		return ctx, ctx.Cwd, nil
	}
	vf, _, err := vfsFile(t, dirfd)
	if err != nil {
		return nil, vfs.Location{}, err
	}
	if vf == nil {
		return nil, vfs.Location{}, unix.ENOTDIR
	}
	return ctx, vf.F.Location(), nil
}

// path reads a path argument (EFAULT, ENAMETOOLONG).
func path(t *kernel.Task, addr uint64) (string, error) {
	if addr == 0 {
		return "", unix.EFAULT
	}
	return t.CopyInString(addr, vfs.PathMax)
}

// at decodes (dirfd, path) argument pairs.
func at(t *kernel.Task, a shim.Args, dirArg, pathArg int) (*vfs.Context, vfs.Location, string, error) {
	p, err := path(t, a[pathArg])
	if err != nil {
		return nil, vfs.Location{}, "", err
	}
	dirfd := atFDCWD
	if dirArg >= 0 {
		dirfd = a.Int(dirArg)
	}
	ctx, loc, err := start(t, dirfd, p)
	return ctx, loc, p, err
}

func putU64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func getU64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}
