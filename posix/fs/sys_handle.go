package fs

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// File handles (name_to_handle_at(2), open_by_handle_at(2)), shaped as
// tmpfs's: FILEID_INO32_GEN with a generation and the 64-bit inode number
// in 12 bytes. A handle names a file the kernel has met through
// name_to_handle_at, for the life of the unikernel (as tmpfs's handles
// live as long as the machine); procfs and sysfs give none, as on Linux.

func registerHandle(tb *shim.Table) {
	const note = "tmpfs-shaped handles (FILEID_INO32_GEN, 12 bytes) valid while the unikernel runs, for every filesystem but procfs and sysfs"
	tb.Register(unix.SYS_NAME_TO_HANDLE_AT, shim.Full, note, sysNameToHandleAt)
	tb.Register(unix.SYS_OPEN_BY_HANDLE_AT, shim.Full, note+"; needs CAP_DAC_READ_SEARCH", sysOpenByHandleAt)
}

const (
	maxHandleSize   = 128 // MAX_HANDLE_SZ
	handleBytes     = 12
	fileidIno32Gen  = 1
	atHandleFID     = 0x200
	atHandleMntUniq = 0x001
	capDacReadSrch  = 2
	maxHandles      = 1 << 16
)

// noExport is implemented by filesystems without handles (procfs, sysfs).
type noExport interface{ NoExport() }

type handleKey struct {
	fs  vfs.FileSystem
	ino uint64
}

// handleTable remembers the files that got a handle.
type handleTable struct {
	mu    sync.Mutex
	files map[handleKey]vfs.Location
	gen   map[handleKey]uint32
}

type handleTableKey struct{}

func handles(t *kernel.Task) *handleTable {
	return t.Kernel().LibraryState(handleTableKey{}, func() any {
		return &handleTable{files: map[handleKey]vfs.Location{}, gen: map[handleKey]uint32{}}
	}).(*handleTable)
}

// sysNameToHandleAt is name_to_handle_at(dirfd, path, handle, mount_id,
// flags): the final symlink is followed only with AT_SYMLINK_FOLLOW.
func sysNameToHandleAt(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := a.Int(4)
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH|atHandleFID|atHandleMntUniq) != 0 {
		return 0, unix.EINVAL
	}
	var want uint32
	if err := kernel.CopyInStruct(t, a[2], &want); err != nil {
		return 0, err
	}
	if want > maxHandleSize {
		return 0, unix.EINVAL
	}
	ctx, start, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	lookup := unix.AT_SYMLINK_NOFOLLOW
	if flags&unix.AT_SYMLINK_FOLLOW != 0 {
		lookup = 0
	}
	loc, err := vfs.Locate(ctx, start, p, lookup|flags&unix.AT_EMPTY_PATH)
	if err != nil {
		return 0, err
	}
	if _, ok := loc.Mount.FileSystem().(noExport); ok {
		return 0, unix.EOPNOTSUPP
	}
	st, err := loc.Stat()
	if err != nil {
		return 0, err
	}
	// The mount id goes out even when the buffer is too small.
	if flags&atHandleMntUniq != 0 {
		id := loc.Mount.UniqueID()
		err = kernel.CopyOutStruct(t, a[3], &id)
	} else {
		id := int32(loc.Mount.ID())
		err = kernel.CopyOutStruct(t, a[3], &id)
	}
	if err != nil {
		return 0, err
	}
	if want < handleBytes {
		need := uint32(handleBytes)
		if err := kernel.CopyOutStruct(t, a[2], &need); err != nil {
			return 0, err
		}
		return 0, unix.EOVERFLOW
	}
	key := handleKey{loc.Mount.FileSystem(), st.Ino}
	ht := handles(t)
	ht.mu.Lock()
	gen, ok := ht.gen[key]
	if !ok {
		if len(ht.files) >= maxHandles {
			ht.files, ht.gen = map[handleKey]vfs.Location{}, map[handleKey]uint32{}
		}
		gen = uint32(len(ht.gen)) + 1
		ht.gen[key] = gen
	}
	ht.files[key] = loc
	ht.mu.Unlock()
	var h [8 + handleBytes]byte // struct file_handle: bytes, type, then the handle
	binary.LittleEndian.PutUint32(h[0:], handleBytes)
	binary.LittleEndian.PutUint32(h[4:], fileidIno32Gen)
	binary.LittleEndian.PutUint32(h[8:], gen)
	binary.LittleEndian.PutUint64(h[12:], st.Ino)
	return 0, t.CopyOut(a[2], h[:])
}

// sysOpenByHandleAt is open_by_handle_at(mount_fd, handle, flags).
func sysOpenByHandleAt(t *kernel.Task, a shim.Args) (uint64, error) {
	if !t.Process().HasCap(capDacReadSrch) {
		return 0, unix.EPERM
	}
	var hdr [2]uint32
	if err := kernel.CopyInStruct(t, a[1], &hdr); err != nil {
		return 0, err
	}
	if hdr[0] == 0 || hdr[0] > maxHandleSize {
		return 0, unix.EINVAL
	}
	ctx, err := fsctx(t)
	if err != nil {
		return 0, err
	}
	var mount *vfs.Mount
	if fd := a.Int(0); fd == unix.AT_FDCWD {
		mount = ctx.Cwd.Mount
	} else {
		vf, err := vfsFileOf(t, fd, unix.EBADF)
		if err != nil {
			return 0, err
		}
		mount = vf.F.Location().Mount
		vf.DecRef()
	}
	body := make([]byte, hdr[0])
	if err := t.CopyIn(a[1]+8, body); err != nil {
		return 0, err
	}
	if hdr[1] != fileidIno32Gen || len(body) != handleBytes {
		return 0, unix.ESTALE
	}
	key := handleKey{mount.FileSystem(), binary.LittleEndian.Uint64(body[4:])}
	ht := handles(t)
	ht.mu.Lock()
	loc, ok := ht.files[key]
	gen := ht.gen[key]
	ht.mu.Unlock()
	if !ok || gen != binary.LittleEndian.Uint32(body[0:]) {
		return 0, unix.ESTALE
	}
	if st, err := loc.Stat(); err != nil || st.Nlink == 0 && st.Type() != unix.S_IFDIR {
		return 0, unix.ESTALE // removed since
	}
	flags := a.Int(2)
	f, err := vfs.OpenLocation(ctx, loc, flags)
	if err != nil {
		return 0, err
	}
	name, _ := vfs.PathOf(ctx, f.Location())
	vf := kernel.NewVFSFile(f, name)
	defer vf.DecRef()
	fd, err := t.Process().Files().Install(vf, 0, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}
