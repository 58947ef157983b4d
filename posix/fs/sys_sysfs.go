package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs/procfs"
)

func registerSysfs(tb *shim.Table) {
	tb.Register(unix.SYS_SYSFS, shim.Full, "the filesystem types of /proc/filesystems, numbered in its order", sysSysfs)
}

// sysSysfs is sysfs(option, arg1, arg2): 1 maps a type name to its index,
// 2 writes the name of an index into a buffer, 3 counts the types.
func sysSysfs(t *kernel.Task, a shim.Args) (uint64, error) {
	names := procfs.FilesystemNames()
	switch a.Int(0) {
	case 1:
		if a[1] == 0 {
			return 0, unix.EFAULT
		}
		name, err := t.CopyInString(a[1], 256)
		if err == unix.ENAMETOOLONG {
			return 0, unix.EINVAL
		}
		if err != nil {
			return 0, err
		}
		for i, n := range names {
			if n == name {
				return uint64(i), nil
			}
		}
		return 0, unix.EINVAL
	case 2:
		i := uint32(a[1])
		if int(i) >= len(names) {
			return 0, unix.EINVAL
		}
		return 0, t.CopyOut(a[2], append([]byte(names[i]), 0))
	case 3:
		return uint64(len(names)), nil
	}
	return 0, unix.EINVAL
}
