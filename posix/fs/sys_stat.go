package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerStat(tb *shim.Table) {
	tb.Register(unix.SYS_STAT, shim.Full, "", sysStat)
	tb.Register(unix.SYS_FSTAT, shim.Full, "", sysFstat)
	tb.Register(unix.SYS_LSTAT, shim.Full, "", sysLstat)
	tb.Register(unix.SYS_NEWFSTATAT, shim.Full, "", sysNewfstatat)
	tb.Register(unix.SYS_STATX, shim.Partial, "basic fields and the mount id (STATX_MNT_ID, STATX_MNT_ID_UNIQUE); no birth time or attributes", sysStatx)
	tb.Register(unix.SYS_STATFS, shim.Full, "", sysStatfs)
	tb.Register(unix.SYS_FSTATFS, shim.Full, "", sysFstatfs)
}

// statOf stats a path, or with AT_EMPTY_PATH and "" the dirfd's file
// (which may be any file, such as the console).
func statOf(t *kernel.Task, dirfd int, p string, flags int) (unix.Stat_t, error) {
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 && dirfd != unix.AT_FDCWD {
		return fstat(t, dirfd)
	}
	ctx, loc, err := start(t, dirfd, p)
	if err != nil {
		return unix.Stat_t{}, err
	}
	st, err := vfs.StatAt(ctx, loc, p, flags)
	if err != nil {
		return unix.Stat_t{}, err
	}
	return kernel.StatToUnix(st), nil
}

// fstat stats the file at fd, whatever kind it is.
func fstat(t *kernel.Task, fd int) (unix.Stat_t, error) {
	f, err := fileOf(t, fd)
	if err != nil {
		return unix.Stat_t{}, err
	}
	defer f.DecRef()
	s, ok := f.(kernel.Stater)
	if !ok {
		return unix.Stat_t{}, unix.EBADF
	}
	return s.Stat(t)
}

func sysFstat(t *kernel.Task, a shim.Args) (uint64, error) {
	st, err := fstat(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[1], &st)
}

func statPath(t *kernel.Task, a shim.Args, follow bool) (uint64, error) {
	p, err := path(t, a[0])
	if err != nil {
		return 0, err
	}
	flags := 0
	if !follow {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	st, err := statOf(t, unix.AT_FDCWD, p, flags)
	if err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[1], &st)
}

func sysStat(t *kernel.Task, a shim.Args) (uint64, error)  { return statPath(t, a, true) }
func sysLstat(t *kernel.Task, a shim.Args) (uint64, error) { return statPath(t, a, false) }

func sysNewfstatat(t *kernel.Task, a shim.Args) (uint64, error) {
	p, err := path(t, a[1])
	if err != nil {
		return 0, err
	}
	st, err := statOf(t, a.Int(0), p, a.Int(3))
	if err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[2], &st)
}

// sysStatx fills a struct statx (linux.SizeofStatx bytes, all written).
func sysStatx(t *kernel.Task, a shim.Args) (uint64, error) {
	p, err := path(t, a[1])
	if err != nil {
		return 0, err
	}
	flags, mask := a.Int(2), uint32(a[3])
	// AT_STATX_SYNC_TYPE is a two-bit field; both bits together are invalid.
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|linux.AT_STATX_SYNC_TYPE) != 0 ||
		flags&linux.AT_STATX_SYNC_TYPE == linux.AT_STATX_SYNC_TYPE || mask&unix.STATX__RESERVED != 0 {
		return 0, unix.EINVAL
	}
	st, m, err := statWithMount(t, a.Int(0), p, flags&^linux.AT_STATX_SYNC_TYPE)
	if err != nil {
		return 0, err
	}
	out := statxOf(&st)
	// Linux always reports the mount: the unique id when asked for it.
	switch {
	case m == nil:
	case mask&unix.STATX_MNT_ID_UNIQUE != 0:
		out.Mask |= unix.STATX_MNT_ID_UNIQUE
		out.Mnt_id = m.UniqueID()
	default:
		out.Mask |= unix.STATX_MNT_ID
		out.Mnt_id = uint64(m.ID())
	}
	return 0, kernel.CopyOutStruct(t, a[4], &out)
}

// statWithMount is statOf that also returns the mount of what it looked
// at (nil for descriptors of host objects), resolving the path once.
func statWithMount(t *kernel.Task, dirfd int, p string, flags int) (unix.Stat_t, *vfs.Mount, error) {
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 && dirfd != unix.AT_FDCWD {
		st, err := fstat(t, dirfd)
		if err != nil {
			return st, nil, err
		}
		var m *vfs.Mount
		if vf, err := vfsFileOf(t, dirfd, unix.EBADF); err == nil {
			if loc := vf.F.Location(); loc.Valid() {
				m = loc.Mount
			}
			vf.DecRef()
		}
		return st, m, nil
	}
	ctx, start, err := start(t, dirfd, p)
	if err != nil {
		return unix.Stat_t{}, nil, err
	}
	loc, err := vfs.ResolveAt(ctx, start, p, flags&(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH))
	if err != nil {
		return unix.Stat_t{}, nil, err
	}
	st, err := loc.Stat()
	if err != nil {
		return unix.Stat_t{}, nil, err
	}
	return kernel.StatToUnix(st), loc.Mount, nil
}

// statxOf converts a stat to a statx with the basic fields.
func statxOf(st *unix.Stat_t) unix.Statx_t {
	ts := func(t unix.Timespec) unix.StatxTimestamp {
		return unix.StatxTimestamp{Sec: t.Sec, Nsec: uint32(t.Nsec)}
	}
	return unix.Statx_t{
		Mask: unix.STATX_BASIC_STATS, Blksize: uint32(st.Blksize), Nlink: uint32(st.Nlink),
		Uid: st.Uid, Gid: st.Gid, Mode: uint16(st.Mode), Ino: st.Ino, Size: uint64(st.Size), Blocks: uint64(st.Blocks),
		Atime: ts(st.Atim), Ctime: ts(st.Ctim), Mtime: ts(st.Mtim),
		Rdev_major: unix.Major(st.Rdev), Rdev_minor: unix.Minor(st.Rdev),
		Dev_major: unix.Major(st.Dev), Dev_minor: unix.Minor(st.Dev),
	}
}

func putStatfs(t *kernel.Task, addr uint64, s vfs.Statfs) error {
	out := unix.Statfs_t{
		Type: s.Type, Bsize: s.Bsize, Blocks: s.Blocks, Bfree: s.Bfree, Bavail: s.Bavail,
		Files: s.Files, Ffree: s.Ffree, Namelen: s.Namelen, Frsize: s.Frsize, Flags: s.Flags,
	}
	return kernel.CopyOutStruct(t, addr, &out)
}

func sysStatfs(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	s, err := vfs.StatfsAt(ctx, loc, p)
	if err != nil {
		return 0, err
	}
	return 0, putStatfs(t, a[1], s)
}

func sysFstatfs(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return 0, hostFstatfs(t, f, a[1])
	}
	s, err := vf.F.Statfs()
	if err != nil {
		return 0, err
	}
	return 0, putStatfs(t, a[1], s)
}

// hostFstatfs answers fstatfs for descriptors that are host objects (pipes,
// sockets, eventfds, the console): the host's pseudo file system describes
// them exactly.
func hostFstatfs(t *kernel.Task, f kernel.File, addr uint64) error {
	h, ok := f.(kernel.Pollable)
	if !ok {
		// Pipes and the like without a host descriptor of their own.
		page := int64(unix.Getpagesize())
		return putStatfs(t, addr, vfs.Statfs{Type: unix.PIPEFS_MAGIC, Bsize: page, Namelen: 255, Frsize: page})
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(h.HostFD(), &st); err != nil {
		return err
	}
	return kernel.CopyOutStruct(t, addr, &st)
}
