package fs

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

func registerMemfd(tb *shim.Table) {
	tb.Register(unix.SYS_MEMFD_CREATE, shim.Full, "a tmpfs-like file of its own with seals (F_ADD_SEALS, MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL); MFD_HUGETLB EINVAL, as without hugetlbfs", sysMemfdCreate)
}

// memfdNameMax is MFD_NAME_MAX_LEN: NAME_MAX less "memfd:".
const memfdNameMax = 255 - len("memfd:")

// memfdDev is st_dev of every memfd (makedev(0, 1)), as Linux's one
// internal shmem mount.
const memfdDev = 1

const (
	mfdHugeSizeMask = unix.MFD_HUGE_MASK << unix.MFD_HUGE_SHIFT
	mfdKnown        = unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING | unix.MFD_HUGETLB |
		unix.MFD_NOEXEC_SEAL | unix.MFD_EXEC | mfdHugeSizeMask
)

// sysMemfdCreate makes an anonymous file: an unlinked file of a ramfs of
// its own that no path reaches (only /proc/PID/fd), mapped through its host memfd like
// any ramfs file, so MAP_SHARED mappings are shared across fork.
func sysMemfdCreate(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := uint(a[1])
	switch {
	case flags&^mfdKnown != 0,
		flags&mfdHugeSizeMask != 0 && flags&unix.MFD_HUGETLB == 0,
		flags&unix.MFD_EXEC != 0 && flags&unix.MFD_NOEXEC_SEAL != 0:
		return 0, unix.EINVAL
	case flags&unix.MFD_HUGETLB != 0:
		return 0, unix.EINVAL // no hugetlbfs
	}
	if a[0] == 0 {
		return 0, unix.EFAULT
	}
	name, err := t.CopyInString(a[0], memfdNameMax+1)
	if err == unix.ENAMETOOLONG || err == nil && len(name) > memfdNameMax {
		return 0, unix.EINVAL
	}
	if err != nil {
		return 0, err
	}
	caller, err := fsctx(t)
	if err != nil {
		return 0, err
	}
	noExec := flags&unix.MFD_NOEXEC_SEAL != 0
	files := ramfs.New(ramfs.Options{
		Dev:          memfdDev,
		AllowSealing: flags&unix.MFD_ALLOW_SEALING != 0 || noExec,
		NoExecSeal:   noExec,
	})
	v, err := vfs.New(files, vfs.MountOptions{})
	if err != nil {
		return 0, fmt.Errorf("memfd_create: %w", err)
	}
	ctx := v.NewContext()
	ctx.Cred, ctx.Umask = caller.Cred, 0
	mode := uint32(0o777)
	if noExec {
		mode = 0o666
	}
	f, err := vfs.OpenAt(ctx, ctx.Root, "memfd", vfs.OpenHow{Flags: unix.O_RDWR | unix.O_CREAT | unix.O_EXCL | unix.O_LARGEFILE, Mode: mode})
	if err != nil {
		return 0, err
	}
	// Linux's memfd has no link (st_nlink 0); the open file keeps it.
	if err := vfs.UnlinkAt(ctx, ctx.Root, "memfd", 0); err != nil {
		f.DecRef()
		return 0, fmt.Errorf("memfd_create: %w", err)
	}
	vf := kernel.NewVFSFile(f, "/memfd:"+name+" (deleted)")
	defer vf.DecRef()
	fd, err := t.Process().Files().Install(vf, 0, flags&unix.MFD_CLOEXEC != 0)
	return uint64(fd), err
}
