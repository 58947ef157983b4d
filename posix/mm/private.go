package mm

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// PrivateMapper is implemented by files that may map MAP_PRIVATE from a
// range of a host file not theirs alone (a file stored in an image maps
// from the image: vfs.PrivateMapper); base is where the file's byte 0 is.
type PrivateMapper interface {
	PrivateMapFD(off, length int64) (fd int, base int64, ok bool)
}

// fileMapFD returns the host descriptor to map the file of spec from and
// the offset of the file's byte 0 in it: for a private mapping, the
// PrivateMapper's range (an image's stored file maps from the image), else
// the file's own host descriptor (FileMapper) at 0. ok is false when the
// file has neither (mmap copies it then).
func fileMapFD(f kernel.File, spec kernel.MapSpec) (fd int, base uint64, ok bool) {
	if pm, isPM := f.(PrivateMapper); isPM && spec.Flags&0x3 == unix.MAP_PRIVATE && spec.Offset < 1<<62 && spec.Length < 1<<62 {
		if fd, b, ok := pm.PrivateMapFD(int64(spec.Offset), int64(spec.Length)); ok {
			return fd, uint64(b), true
		}
	}
	if fm, isFM := f.(FileMapper); isFM {
		if fd, ok := fm.MapFD(); ok {
			return fd, 0, true
		}
	}
	return -1, 0, false
}
