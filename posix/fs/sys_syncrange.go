package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerSyncFileRange(tb *shim.Table) {
	tb.Register(unix.SYS_SYNC_FILE_RANGE, shim.Full, "files of writable host mounts: the host's sync_file_range on the file; files kept in memory have nothing to write back", sysSyncFileRange)
}

const syncFileRangeFlags = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER

// sysSyncFileRange is sync_file_range(fd, offset, nbytes, flags), with
// Linux's checks in its order: EBADF, then EINVAL for unknown flags and a
// negative or wrapping range, then ESPIPE for what is not a regular file,
// directory, symlink or block device.
func sysSyncFileRange(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	vf, isVFS := f.(*kernel.VFSFile)
	if isVFS && vf.F.IsPath() {
		return 0, unix.EBADF
	}
	off, n, flags := a.Long(1), a.Long(2), uint32(a[3])
	end := off + n
	if flags&^syncFileRangeFlags != 0 || off < 0 || end < 0 || end < off {
		return 0, unix.EINVAL
	}
	if !isVFS {
		return 0, unix.ESPIPE
	}
	st, err := vf.F.Stat()
	if err != nil {
		return 0, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR, unix.S_IFLNK, unix.S_IFBLK:
	default:
		return 0, unix.ESPIPE
	}
	if _, onHost := vf.F.Impl().(vfs.Syncer); !onHost {
		return 0, nil
	}
	fd, ok := vf.F.MapFD()
	if !ok {
		return 0, nil
	}
	return 0, unix.SyncFileRange(fd, off, n, int(flags))
}
