package vfs

import "golang.org/x/sys/unix"

// Chdir implements chdir(2): ctx.Cwd becomes the directory at path
// (ENOTDIR for a non-directory, EACCES without search permission).
func Chdir(ctx *Context, start Location, path string) error {
	loc, err := resolve(ctx, start, path, resolveOpts{follow: true})
	if err != nil {
		return err
	}
	return setDir(ctx, loc, &ctx.Cwd)
}

// Fchdir implements fchdir(2) on an open file (O_PATH files included).
func Fchdir(ctx *Context, f *File) error {
	if !f.loc.Valid() {
		return unix.ENOTDIR
	}
	return setDir(ctx, f.loc, &ctx.Cwd)
}

// Chroot implements chroot(2): ctx.Root becomes the directory at path.
// Like Linux, the cwd is left alone, and the lookup and search-permission
// errors come before EPERM for a caller without CAP_SYS_CHROOT (capable).
func Chroot(ctx *Context, start Location, path string, capable bool) error {
	loc, err := resolve(ctx, start, path, resolveOpts{follow: true})
	if err != nil {
		return err
	}
	if !loc.IsDir() {
		return unix.ENOTDIR
	}
	if err := mayAccess(ctx, loc, unix.X_OK); err != nil {
		return err
	}
	if !capable {
		return unix.EPERM
	}
	ctx.Root = loc
	return nil
}

func setDir(ctx *Context, loc Location, dst *Location) error {
	if !loc.IsDir() {
		return unix.ENOTDIR
	}
	if err := mayAccess(ctx, loc, unix.X_OK); err != nil {
		return err
	}
	*dst = loc
	return nil
}

// Getcwd implements getcwd(2): the cwd's path from ctx.Root, ENOENT if
// the cwd was removed.
func Getcwd(ctx *Context) (string, error) {
	p, err := PathOf(ctx, ctx.Cwd)
	if err != nil {
		return "", err
	}
	return p, nil
}
