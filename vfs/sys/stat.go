package sys

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerStat(tb *shim.Table) {
	tb.Register(unix.SYS_STAT, shim.Full, "", sysStat)
	tb.Register(unix.SYS_LSTAT, shim.Full, "", sysLstat)
	tb.Register(unix.SYS_NEWFSTATAT, shim.Full, "", sysNewfstatat)
	tb.Register(unix.SYS_STATX, shim.Partial, "basic fields; no birth time, attributes or mount id", sysStatx)
	tb.Register(unix.SYS_STATFS, shim.Full, "", sysStatfs)
	tb.Register(unix.SYS_FSTATFS, shim.Full, "", sysFstatfs)
}

// statOf stats a path, or with AT_EMPTY_PATH and "" the dirfd's file
// (which may be any file, such as the console).
func statOf(t *kernel.Task, dirfd int, p string, flags int) (unix.Stat_t, error) {
	if p == "" && flags&unix.AT_EMPTY_PATH != 0 && dirfd != atFDCWD {
		f, err := t.Process().Files().Get(dirfd)
		if err != nil {
			return unix.Stat_t{}, err
		}
		s, ok := f.(kernel.Stater)
		if !ok {
			return unix.Stat_t{}, unix.EBADF
		}
		return s.Stat(t)
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

func statPath(t *kernel.Task, a shim.Args, follow bool) (uint64, error) {
	p, err := path(t, a[0])
	if err != nil {
		return 0, err
	}
	flags := 0
	if !follow {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	st, err := statOf(t, atFDCWD, p, flags)
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

// struct statx (256 bytes).
func sysStatx(t *kernel.Task, a shim.Args) (uint64, error) {
	p, err := path(t, a[1])
	if err != nil {
		return 0, err
	}
	flags := a.Int(2)
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|0x6000) != 0 {
		return 0, unix.EINVAL
	}
	st, err := statOf(t, a.Int(0), p, flags&^0x6000)
	if err != nil {
		return 0, err
	}
	var b [256]byte
	putU32(b[0:], unix.STATX_BASIC_STATS)
	putU32(b[4:], uint32(st.Blksize))
	putU32(b[16:], uint32(st.Nlink))
	putU32(b[20:], st.Uid)
	putU32(b[24:], st.Gid)
	b[28], b[29] = byte(st.Mode), byte(st.Mode>>8)
	putU64(b[32:], st.Ino)
	putU64(b[40:], uint64(st.Size))
	putU64(b[48:], uint64(st.Blocks))
	ts := func(off int, t unix.Timespec) {
		putU64(b[off:], uint64(t.Sec))
		putU32(b[off+8:], uint32(t.Nsec))
	}
	ts(64, st.Atim)
	ts(96, st.Ctim)
	ts(112, st.Mtim)
	putU32(b[128:], uint32(st.Rdev>>8&0xfff))
	putU32(b[132:], uint32(st.Rdev&0xff|st.Rdev>>12&0xfff00))
	putU32(b[136:], uint32(st.Dev>>8&0xfff))
	putU32(b[140:], uint32(st.Dev&0xff|st.Dev>>12&0xfff00))
	return 0, t.CopyOut(a[4], b[:])
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
	vf, _, err := vfsFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if vf == nil {
		// Pipes, sockets and the console live on pseudo filesystems.
		return 0, putStatfs(t, a[1], vfs.Statfs{Type: 0x50495045, Bsize: 4096, Namelen: 255, Frsize: 4096})
	}
	s, err := vf.F.Statfs()
	if err != nil {
		return 0, err
	}
	return 0, putStatfs(t, a[1], s)
}
