package loop

import (
	"context"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// sectorSize is the unit of BLKGETSIZE and the default logical block size.
const sectorSize = 512

// configurable are the flags LOOP_CONFIGURE takes.
const configurable = unix.LO_FLAGS_READ_ONLY | unix.LO_FLAGS_AUTOCLEAR | unix.LO_FLAGS_PARTSCAN | unix.LO_FLAGS_DIRECT_IO

// device is one loop device: its backing file while bound.
type device struct {
	number  int
	devices *Devices

	mu        sync.Mutex
	opens     int
	backing   *vfs.File // holds a reference while bound
	offset    uint64
	sizeLimit uint64
	flags     uint32
	blockSize uint32
	fileName  [unix.LO_NAME_SIZE]uint8
}

func (d *device) bound() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.backing != nil
}

// deviceFile is an open /dev/loopN.
type deviceFile struct {
	dev      *device
	writable bool
	once     sync.Once
}

var _ vfs.BlockDevice = (*deviceFile)(nil)

// size is the device's size: the backing file's less the offset, capped
// by the size limit. Caller holds d.mu.
func (d *device) sizeLocked() int64 {
	if d.backing == nil {
		return 0
	}
	st, err := d.backing.Stat()
	if err != nil || uint64(st.Size) <= d.offset {
		return 0
	}
	size := uint64(st.Size) - d.offset
	if d.sizeLimit != 0 && d.sizeLimit < size {
		size = d.sizeLimit
	}
	return int64(size)
}

// Size implements vfs.Seekable and vfs.BlockDevice.
func (f *deviceFile) Size() (int64, error) {
	f.dev.mu.Lock()
	defer f.dev.mu.Unlock()
	return f.dev.sizeLocked(), nil
}

// ReadAt implements vfs.BlockDevice.
func (f *deviceFile) ReadAt(p []byte, off int64) (int, error) {
	return f.Read(context.Background(), p, off, false)
}

// span returns the backing file and the part of [off, off+n) inside the
// device.
func (f *deviceFile) span(off int64, n int) (*vfs.File, int64, int, error) {
	d := f.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	size := d.sizeLocked()
	if off < 0 {
		return nil, 0, 0, unix.EINVAL
	}
	if d.backing == nil || off >= size {
		return nil, 0, 0, nil
	}
	d.backing.IncRef()
	return d.backing, off + int64(d.offset), int(min(int64(n), size-off)), nil
}

func (f *deviceFile) Read(ctx context.Context, p []byte, off int64, _ bool) (int, error) {
	backing, at, n, err := f.span(off, len(p))
	if backing == nil || err != nil {
		return 0, err
	}
	defer backing.DecRef()
	return backing.Pread(ctx, p[:n], at)
}

func (f *deviceFile) Write(ctx context.Context, p []byte, off int64, _ bool) (int, error) {
	f.dev.mu.Lock()
	ro := f.dev.flags&unix.LO_FLAGS_READ_ONLY != 0
	f.dev.mu.Unlock()
	if ro {
		return 0, unix.EPERM
	}
	backing, at, n, err := f.span(off, len(p))
	if err != nil {
		return 0, err
	}
	if backing == nil {
		return 0, unix.ENOSPC
	}
	defer backing.DecRef()
	return backing.Pwrite(ctx, p[:n], at)
}

// Release drops the open; the last close of an autoclear device unbinds it.
func (f *deviceFile) Release() {
	f.once.Do(func() {
		d := f.dev
		d.mu.Lock()
		d.opens--
		if d.opens == 0 && d.flags&unix.LO_FLAGS_AUTOCLEAR != 0 {
			d.clearLocked()
		}
		d.mu.Unlock()
	})
}

// clearLocked unbinds the device. Caller holds d.mu.
func (d *device) clearLocked() {
	if d.backing != nil {
		d.backing.DecRef()
	}
	d.backing, d.offset, d.sizeLimit, d.flags, d.blockSize = nil, 0, 0, 0, 0
	d.fileName = [unix.LO_NAME_SIZE]uint8{}
}

// Ioctl implements vfs.Ioctler.
func (f *deviceFile) Ioctl(ctx context.Context, cmd uint32, arg uint64) (uint64, error) {
	t, err := taskOf(ctx)
	if err != nil {
		return 0, err
	}
	switch cmd {
	case unix.LOOP_SET_FD:
		return 0, f.bind(t, int(int32(arg)), nil)
	case unix.LOOP_CONFIGURE:
		var cfg unix.LoopConfig
		if err := kernel.CopyInStruct(t, arg, &cfg); err != nil {
			return 0, err
		}
		return 0, f.bind(t, int(int32(cfg.Fd)), &cfg)
	case unix.LOOP_CLR_FD:
		return 0, f.clear()
	case unix.LOOP_GET_STATUS64:
		info, err := f.status()
		if err != nil {
			return 0, err
		}
		return 0, kernel.CopyOutStruct(t, arg, &info)
	case unix.LOOP_SET_STATUS64:
		var info unix.LoopInfo64
		if err := kernel.CopyInStruct(t, arg, &info); err != nil {
			return 0, err
		}
		return 0, f.setStatus(&info)
	case unix.LOOP_SET_CAPACITY, unix.BLKFLSBUF:
		return 0, f.requireBound() // the size follows the backing file
	case unix.LOOP_SET_DIRECT_IO:
		return 0, f.setDirectIO(arg)
	case unix.LOOP_SET_BLOCK_SIZE:
		return 0, f.setBlockSize(arg)
	}
	return f.blockIoctl(t, cmd, arg)
}

// blockIoctl serves the generic block device requests.
func (f *deviceFile) blockIoctl(t *kernel.Task, cmd uint32, arg uint64) (uint64, error) {
	size, _ := f.Size()
	d := f.dev
	d.mu.Lock()
	ro := int32(0)
	if d.flags&unix.LO_FLAGS_READ_ONLY != 0 {
		ro = 1
	}
	block := int32(d.blockSize)
	d.mu.Unlock()
	if block == 0 {
		block = sectorSize
	}
	switch cmd {
	case unix.BLKGETSIZE64:
		v := uint64(size)
		return 0, kernel.CopyOutStruct(t, arg, &v)
	case unix.BLKGETSIZE:
		v := uint64(size) / sectorSize
		return 0, kernel.CopyOutStruct(t, arg, &v)
	case unix.BLKSSZGET:
		return 0, kernel.CopyOutStruct(t, arg, &block)
	case unix.BLKROGET:
		return 0, kernel.CopyOutStruct(t, arg, &ro)
	}
	return 0, unix.ENOTTY
}

func (f *deviceFile) requireBound() error {
	if !f.dev.bound() {
		return unix.ENXIO
	}
	return nil
}

// bind attaches the file at fd (LOOP_SET_FD, or LOOP_CONFIGURE with cfg):
// EBUSY when bound, EBADF for a bad descriptor, EINVAL for a file that is
// neither a regular file nor a block device of the vfs. The device is
// read-only when asked, when the file is not open for writing or when the
// device itself is not.
func (f *deviceFile) bind(t *kernel.Task, fd int, cfg *unix.LoopConfig) error {
	if cfg != nil {
		if cfg.Info.Flags&^configurable != 0 || !validBlockSize(uint64(cfg.Size)) {
			return unix.EINVAL
		}
	}
	kf, err := t.Process().Files().Get(fd)
	if err != nil {
		return err
	}
	defer kf.DecRef()
	vf, ok := kf.(*kernel.VFSFile)
	if !ok || vf.F.IsPath() {
		return unix.EINVAL
	}
	st, err := vf.F.Stat()
	if err != nil {
		return err
	}
	if st.Type() != unix.S_IFREG && st.Type() != unix.S_IFBLK {
		return unix.EINVAL
	}
	d := f.dev
	d.devices.bindMu.Lock()
	defer d.devices.bindMu.Unlock()
	if err := d.checkChain(vf.F); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backing != nil {
		return unix.EBUSY
	}
	vf.F.IncRef()
	d.backing = vf.F
	if cfg != nil {
		d.offset, d.sizeLimit, d.flags, d.blockSize = cfg.Info.Offset, cfg.Info.Sizelimit, cfg.Info.Flags, cfg.Size
		d.fileName = cfg.Info.File_name
		d.fileName[len(d.fileName)-1] = 0
	}
	if !vf.F.Writable() || !f.writable {
		d.flags |= unix.LO_FLAGS_READ_ONLY
	}
	return nil
}

// checkChain refuses a backing file that is this device, or a loop
// device backed (through others) by it (EBADF), or an unbound loop device
// (EINVAL), as Linux's loop_validate_file: reads would never end. Caller
// holds the devices' bindMu, so no chain changes meanwhile.
func (d *device) checkChain(f *vfs.File) error {
	for {
		df, ok := f.Impl().(*deviceFile)
		if !ok {
			return nil
		}
		if df.dev == d {
			return unix.EBADF
		}
		df.dev.mu.Lock()
		next := df.dev.backing
		df.dev.mu.Unlock()
		if next == nil {
			return unix.EINVAL
		}
		f = next
	}
}

func validBlockSize(size uint64) bool {
	return size == 0 || size >= sectorSize && size <= 4096 && size&(size-1) == 0
}

// clear is LOOP_CLR_FD: ENXIO when unbound; while someone else has the
// device open it only marks it for autoclear, as Linux.
func (f *deviceFile) clear() error {
	d := f.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backing == nil {
		return unix.ENXIO
	}
	if d.opens > 1 {
		d.flags |= unix.LO_FLAGS_AUTOCLEAR
		return nil
	}
	d.clearLocked()
	return nil
}

func (f *deviceFile) status() (unix.LoopInfo64, error) {
	d := f.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backing == nil {
		return unix.LoopInfo64{}, unix.ENXIO
	}
	info := unix.LoopInfo64{Offset: d.offset, Sizelimit: d.sizeLimit, Number: uint32(d.number),
		Flags: d.flags, File_name: d.fileName}
	if st, err := d.backing.Stat(); err == nil {
		info.Device, info.Inode, info.Rdevice = st.Dev, st.Ino, st.Rdev
	}
	return info, nil
}

// setStatus is LOOP_SET_STATUS64: offset, size limit, file name and the
// flags Linux lets it change (autoclear, partscan).
func (f *deviceFile) setStatus(info *unix.LoopInfo64) error {
	d := f.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backing == nil {
		return unix.ENXIO
	}
	d.offset, d.sizeLimit = info.Offset, info.Sizelimit
	d.flags = d.flags&^unix.LOOP_SET_STATUS_CLEARABLE_FLAGS | info.Flags&unix.LOOP_SET_STATUS_SETTABLE_FLAGS
	d.fileName = info.File_name
	d.fileName[len(d.fileName)-1] = 0
	return nil
}

func (f *deviceFile) setDirectIO(arg uint64) error {
	d := f.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backing == nil {
		return unix.ENXIO
	}
	if arg != 0 {
		d.flags |= unix.LO_FLAGS_DIRECT_IO
	} else {
		d.flags &^= unix.LO_FLAGS_DIRECT_IO
	}
	return nil
}

func (f *deviceFile) setBlockSize(arg uint64) error {
	if !validBlockSize(arg) || arg == 0 {
		return unix.EINVAL
	}
	d := f.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backing == nil {
		return unix.ENXIO
	}
	d.blockSize = uint32(arg)
	return nil
}
