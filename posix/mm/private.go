package mm

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// PrivateMapper is implemented by files that may map MAP_PRIVATE from a
// range of a host file not theirs alone (a file stored in an image maps
// from the image: vfs.PrivateMapper); base is where the file's byte 0 is,
// end where its pages end in fd (-1: fd holds the file alone).
type PrivateMapper interface {
	PrivateMapFD(off, length int64) (fd int, base, end int64, ok bool)
}

// fileMapFD returns the host descriptor to map the file of spec from, the
// offset of the file's byte 0 in it, and where the file's pages end in it
// (end, from base; -1 when the descriptor holds the file alone): for a
// private mapping, the PrivateMapper's range (an image's stored file maps
// from the image), else the file's own host descriptor (FileMapper) at 0.
// ok is false when the file has neither (mmap copies it then).
func fileMapFD(f kernel.File, spec kernel.MapSpec) (fd int, base uint64, end int64, ok bool) {
	if pm, isPM := f.(PrivateMapper); isPM && spec.Flags&0x3 == unix.MAP_PRIVATE && spec.Offset < 1<<62 && spec.Length < 1<<62 {
		if fd, b, end, ok := pm.PrivateMapFD(int64(spec.Offset), int64(spec.Length)); ok {
			return fd, uint64(b), end, true
		}
	}
	if fm, isFM := f.(FileMapper); isFM {
		if fd, ok := fm.MapFD(); ok {
			return fd, 0, -1, true
		}
	}
	return -1, 0, -1, false
}

// mapPastEnd maps spec, which runs past end, the end of the file's pages
// in hostFD (a file stored in an image: the image's next bytes follow).
// As on Linux, the pages past the file's fault with SIGBUS: the whole
// range is first a mapping of an empty memfd (the placement, and the
// fault), then the file's part replaces its start. ld.so's first mapping
// of a library reserves its whole span so; without this, the library was
// copied into a memfd of its own.
func mapPastEnd(t *kernel.Task, spec kernel.MapSpec, hostFD int, base uint64, end uint64) (uint64, error) {
	eof, err := unix.MemfdCreate("elfloader-past-eof", unix.MFD_CLOEXEC)
	if err != nil {
		return 0, unix.ENOMEM
	}
	defer unix.Close(eof) // the mapping keeps its own reference
	whole := spec
	whole.HostFD, whole.HostBase = eof, 0
	addr, err := t.MM().Map(whole)
	if err != nil || spec.Offset >= end {
		return addr, err
	}
	head := spec
	head.Addr, head.Length = addr, end-spec.Offset
	head.Flags = spec.Flags&^unix.MAP_FIXED_NOREPLACE | unix.MAP_FIXED
	head.HostFD, head.HostBase = hostFD, base
	if _, err := t.MM().Map(head); err != nil {
		t.MM().Unmap(addr, spec.Length)
		return 0, err
	}
	return addr, nil
}
