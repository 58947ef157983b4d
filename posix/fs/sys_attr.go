package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerAttr(tb *shim.Table) {
	tb.Register(unix.SYS_ACCESS, shim.Full, "the real ids", sysAccess)
	tb.Register(unix.SYS_FACCESSAT, shim.Full, "the real ids", sysFaccessat)
	tb.Register(unix.SYS_FACCESSAT2, shim.Full, "the real ids, or the effective ones with AT_EACCESS", sysFaccessat2)
	tb.Register(unix.SYS_CHMOD, shim.Full, "", sysChmod)
	tb.Register(unix.SYS_FCHMOD, shim.Full, "", sysFchmod)
	tb.Register(unix.SYS_FCHMODAT, shim.Full, "", sysFchmodat)
	tb.Register(unix.SYS_FCHMODAT2, shim.Full, "AT_SYMLINK_NOFOLLOW (EOPNOTSUPP on a symlink) and AT_EMPTY_PATH", sysFchmodat2)
	tb.Register(unix.SYS_CHOWN, shim.Full, "ownership is recorded in the vfs, never applied to the host", sysChown)
	tb.Register(unix.SYS_FCHOWN, shim.Full, "recorded in the vfs", sysFchown)
	tb.Register(unix.SYS_LCHOWN, shim.Full, "recorded in the vfs", sysLchown)
	tb.Register(unix.SYS_FCHOWNAT, shim.Full, "recorded in the vfs", sysFchownat)
	tb.Register(unix.SYS_UTIMENSAT, shim.Full, "UTIME_NOW, UTIME_OMIT", sysUtimensat)
	tb.Register(unix.SYS_UTIME, shim.Full, "", sysUtime)
	tb.Register(unix.SYS_UTIMES, shim.Full, "", sysUtimes)
	tb.Register(unix.SYS_FUTIMESAT, shim.Full, "", sysFutimesat)
	tb.Register(unix.SYS_TRUNCATE, shim.Full, "", sysTruncate)
	tb.Register(unix.SYS_FTRUNCATE, shim.Full, "", sysFtruncate)
	tb.Register(unix.SYS_UMASK, shim.Full, "", sysUmask)
}

func sysAccess(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.AccessAt(accessContext(t, ctx, 0), loc, p, uint32(a[1]), 0)
}

func sysFaccessat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.AccessAt(accessContext(t, ctx, 0), loc, p, uint32(a[2]), 0)
}

func sysFaccessat2(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.AccessAt(accessContext(t, ctx, a.Int(3)), loc, p, uint32(a[2]), a.Int(3))
}

// accessContext is the identity the access calls check with: the real
// user and group IDs (a set-user-ID program asks what its caller may do),
// or the filesystem ones with AT_EACCESS. With the real ids go the
// capabilities Linux's faccessat gives them (unless
// SECBIT_NO_SETUID_FIXUP): none for a real uid other than 0, the
// permitted set for 0.
func accessContext(t *kernel.Task, ctx *vfs.Context, flags int) *vfs.Context {
	if flags&unix.AT_EACCESS != 0 {
		return ctx
	}
	c := t.Process().Creds()
	caps := ctx.Caps
	if c.Securebits&kernel.SecbitNoSetuidFixup == 0 {
		caps = 0
		if c.RUID == 0 {
			caps = c.Permitted
		}
	}
	if c.RUID == ctx.UID && c.RGID == ctx.GID && caps == ctx.Caps {
		return ctx
	}
	asReal := ctx.Fork()
	asReal.UID, asReal.GID = c.RUID, c.RGID
	asReal.Caps, asReal.CapsSet = caps, true
	return asReal
}

// fileLoc returns the location of a descriptor's vfs file for the f*
// attribute calls; other files have no vfs inode to change.
func fileLoc(t *kernel.Task, fd int) (*vfs.Context, vfs.Location, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return nil, vfs.Location{}, err
	}
	vf, err := vfsFileOf(t, fd, unix.EINVAL)
	if err != nil {
		return nil, vfs.Location{}, err
	}
	defer vf.DecRef()
	return ctx, vf.F.Location(), nil
}

// sysFchmodat2 is fchmodat2(dirfd, path, mode, flags).
func sysFchmodat2(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChmodAt(ctx, loc, p, uint32(a[2])&0o7777, a.Int(3))
}

func sysChmod(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChmodAt(ctx, loc, p, uint32(a[1])&0o7777, 0)
}

func sysFchmod(t *kernel.Task, a shim.Args) (uint64, error) {
	if h, ok := hostAttrOf(t, a.Int(0)); ok {
		return 0, h.Chmod(uint32(a[1]) & 0o7777)
	}
	ctx, loc, err := fileLoc(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChmodAt(ctx, loc, "", uint32(a[1])&0o7777, unix.AT_EMPTY_PATH)
}

func sysFchmodat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	// fchmodat(2) has no flags argument (that is fchmodat2).
	return 0, vfs.ChmodAt(ctx, loc, p, uint32(a[2])&0o7777, 0)
}

func sysChown(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChownAt(ctx, loc, p, a.Int(1), a.Int(2), 0)
}

func sysLchown(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChownAt(ctx, loc, p, a.Int(1), a.Int(2), unix.AT_SYMLINK_NOFOLLOW)
}

func sysFchown(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, err := fileLoc(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChownAt(ctx, loc, "", a.Int(1), a.Int(2), unix.AT_EMPTY_PATH)
}

func sysFchownat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.ChownAt(ctx, loc, p, a.Int(2), a.Int(3), a.Int(4))
}

func sysUtimensat(t *kernel.Task, a shim.Args) (uint64, error) {
	var times *[2]unix.Timespec
	if a[2] != 0 {
		times = new([2]unix.Timespec)
		if err := kernel.CopyInStruct(t, a[2], times); err != nil {
			return 0, err
		}
	}
	flags := a.Int(3)
	if a[1] == 0 && a.Int(0) != unix.AT_FDCWD {
		// utimensat(fd, NULL, ...) is futimens; with AT_FDCWD the
		// NULL is a path, and a fault.
		ctx, loc, err := fileLoc(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		return 0, vfs.UtimensAt(ctx, loc, "", times, flags|unix.AT_EMPTY_PATH)
	}
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UtimensAt(ctx, loc, p, times, flags)
}

// sysUtime is utime(path, struct utimbuf *): whole seconds.
func sysUtime(t *kernel.Task, a shim.Args) (uint64, error) {
	var times *[2]unix.Timespec
	if a[1] != 0 {
		var buf unix.Utimbuf
		if err := kernel.CopyInStruct(t, a[1], &buf); err != nil {
			return 0, err
		}
		times = &[2]unix.Timespec{{Sec: buf.Actime}, {Sec: buf.Modtime}}
	}
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UtimensAt(ctx, loc, p, times, 0)
}

// timevalTimes reads utimes' struct timeval[2]; NULL means now, and a
// microsecond count outside [0, 1000000) is EINVAL.
func timevalTimes(t *kernel.Task, addr uint64) (*[2]unix.Timespec, error) {
	if addr == 0 {
		return nil, nil
	}
	var tv [2]unix.Timeval
	if err := kernel.CopyInStruct(t, addr, &tv); err != nil {
		return nil, err
	}
	var times [2]unix.Timespec
	for i, v := range tv {
		if v.Usec < 0 || v.Usec >= 1000000 {
			return nil, unix.EINVAL
		}
		times[i] = unix.Timespec{Sec: v.Sec, Nsec: v.Usec * 1000}
	}
	return &times, nil
}

func sysUtimes(t *kernel.Task, a shim.Args) (uint64, error) {
	times, err := timevalTimes(t, a[1])
	if err != nil {
		return 0, err
	}
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UtimensAt(ctx, loc, p, times, 0)
}

// sysFutimesat is futimesat(dirfd, path, struct timeval[2]); a NULL path
// names dirfd itself, as Linux allows.
func sysFutimesat(t *kernel.Task, a shim.Args) (uint64, error) {
	times, err := timevalTimes(t, a[2])
	if err != nil {
		return 0, err
	}
	if a[1] == 0 {
		ctx, loc, err := fileLoc(t, a.Int(0))
		if err != nil {
			return 0, err
		}
		return 0, vfs.UtimensAt(ctx, loc, "", times, unix.AT_EMPTY_PATH)
	}
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return 0, vfs.UtimensAt(ctx, loc, p, times, 0)
}

func sysTruncate(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	if a.Long(1) < 0 {
		return 0, unix.EINVAL
	}
	wait := &openWait{t: t}
	defer wait.stop()
	err = vfs.TruncateAtWait(ctx, loc, p, a.Long(1), wait)
	if err == unix.EINTR && wait.Err() != nil {
		return 0, kernel.ERESTARTSYS // a lease break interrupted by a signal
	}
	return 0, err
}

func sysFtruncate(t *kernel.Task, a shim.Args) (uint64, error) {
	if h, ok := hostAttrOf(t, a.Int(0)); ok {
		if a.Long(1) < 0 {
			return 0, unix.EINVAL
		}
		return 0, h.Truncate(a.Long(1))
	}
	vf, err := vfsFileOf(t, a.Int(0), unix.EINVAL)
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	if a.Long(1) < 0 {
		return 0, unix.EINVAL
	}
	return 0, vf.F.Truncate(a.Long(1))
}

func sysUmask(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return 0, err
	}
	old := ctx.Umask
	ctx.Umask = uint32(a[0]) & 0o777
	return uint64(old), nil
}
