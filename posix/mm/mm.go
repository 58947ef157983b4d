package mm

import (
	"io"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_BRK, shim.Full, "", sysBrk)
	tb.Register(unix.SYS_MMAP, shim.Partial, "anonymous memory, files that have a host descriptor (MapFD) and, privately, image files mapped from the image (PrivateMapFD); MAP_FIXED never replaces host memory (ENOMEM)", sysMmap)
	tb.Register(unix.SYS_MUNMAP, shim.Full, "only the app's own mappings are removed", sysMunmap)
	tb.Register(unix.SYS_MPROTECT, shim.Full, "", sysMprotect)
	tb.Register(unix.SYS_MADVISE, shim.Full, "advice is passed to the host for the app's ranges", sysMadvise)
	registerRemap(tb)
	registerNUMA(tb)
	registerSeal(tb)
}

func sysBrk(t *kernel.Task, a shim.Args) (uint64, error) {
	return t.MM().Brk(a[0]), nil
}

// FileMapper is implemented by files whose bytes live in a host descriptor
// that can be mapped directly.
type FileMapper interface {
	MapFD() (int, bool)
}

const validProt = unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC | unix.PROT_GROWSDOWN | unix.PROT_GROWSUP

func sysMmap(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, length, prot, flags, fd, off := a[0], a[1], a.Int(2), a.Int(3), a.Int(4), a[5]
	if prot&^validProt != 0 {
		return 0, unix.EINVAL
	}
	switch flags & 0x3 {
	case unix.MAP_PRIVATE, unix.MAP_SHARED, unix.MAP_SHARED_VALIDATE:
	default:
		return 0, unix.EINVAL
	}
	spec := kernel.MapSpec{Addr: addr, Length: length, Prot: prot &^ (unix.PROT_GROWSDOWN | unix.PROT_GROWSUP), Flags: flags, HostFD: -1, Offset: off}
	// READ_IMPLIES_EXEC (personality(2)): readable memory is executable,
	// but for a file on a noexec mount (do_mmap).
	rier := prot&unix.PROT_READ != 0 && t.Personality()&kernel.PerReadImpliesExec != 0
	if rier && flags&unix.MAP_ANONYMOUS != 0 {
		spec.Prot |= unix.PROT_EXEC
	}
	if flags&unix.MAP_ANONYMOUS == 0 {
		f, err := t.Process().Files().Get(fd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if n, ok := f.(interface{ Name() string }); ok {
			spec.Name = n.Name()
		}
		if rier && !onNoexecMount(f) {
			spec.Prot |= unix.PROT_EXEC
		}
		if err := checkFileAccess(f, &spec); err != nil {
			return 0, err
		}
		// A file stored in an image maps privately from the image file
		// (fileMapFD, private.go); other files from their host fd.
		if hostFD, base, end, ok := fileMapFD(f, spec); ok {
			if end >= 0 && spec.Offset+(spec.Length+4095)&^4095 > uint64(end) {
				return mapPastEnd(t, spec, hostFD, base, uint64(end))
			}
			spec.HostFD, spec.HostBase = hostFD, base
			return t.MM().Map(spec)
		}
		return mapByCopy(t, f, spec)
	} else {
		spec.Offset = 0
	}
	return t.MM().Map(spec)
}

// checkFileAccess applies Linux's rules for mapping an open file: it must be
// open for reading, and a shared writable mapping needs a descriptor open
// for writing (EACCES). A shared mapping of a file
// not open for writing can never become writable (spec.NoWrite).
// Directories cannot be mapped (ENODEV). Write seals forbid shared
// writable mappings (EPERM).
func checkFileAccess(f kernel.File, spec *kernel.MapSpec) error {
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return nil
	}
	if st, err := vf.F.Stat(); err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.ENODEV
	}
	if !vf.F.Readable() {
		return unix.EACCES
	}
	if spec.Prot&unix.PROT_EXEC != 0 && vf.F.Location().Valid() && vf.F.Location().Mount.Attr()&unix.MOUNT_ATTR_NOEXEC != 0 {
		return unix.EPERM // a file on a noexec mount
	}
	if spec.Flags&0x3 == unix.MAP_PRIVATE {
		return nil
	}
	if spec.Prot&unix.PROT_WRITE != 0 && !vf.F.Writable() {
		return unix.EACCES
	}
	spec.NoWrite = !vf.F.Writable()
	// A file sealed against writes maps shared only read-only, for good.
	if seals, err := vf.F.Seals(); err == nil && seals&(unix.F_SEAL_WRITE|unix.F_SEAL_FUTURE_WRITE) != 0 {
		if spec.Prot&unix.PROT_WRITE != 0 {
			return unix.EPERM
		}
		spec.NoWrite = true
	}
	return nil
}

// onNoexecMount reports whether f is a vfs file on a noexec mount.
func onNoexecMount(f kernel.File) bool {
	vf, ok := f.(*kernel.VFSFile)
	return ok && vf.F.Location().Valid() && vf.F.Location().Mount.Attr()&unix.MOUNT_ATTR_NOEXEC != 0
}

func sysMunmap(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.MM().Unmap(a[0], a[1])
}

func sysMprotect(t *kernel.Task, a shim.Args) (uint64, error) {
	prot := a.Int(2)
	// Linux accepts any protection for an empty aligned range.
	if a[0]%4096 == 0 && a[1] == 0 {
		return 0, nil
	}
	if prot&^validProt != 0 {
		return 0, unix.EINVAL
	}
	return 0, t.MM().Protect(a[0], a[1], prot&^(unix.PROT_GROWSDOWN|unix.PROT_GROWSUP))
}

func sysMadvise(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.MM().Advise(a[0], a[1], a.Int(2))
}

// mapByCopy maps a file whose bytes have no host descriptor: private
// mappings get anonymous memory filled from the file (copy-on-write
// semantics hold, as nobody else shares the copy); writable shared ones
// cannot be honoured.
func mapByCopy(t *kernel.Task, f kernel.File, spec kernel.MapSpec) (uint64, error) {
	r, ok := f.(io.ReaderAt)
	if !ok {
		return 0, unix.ENODEV
	}
	if spec.Flags&unix.MAP_SHARED != 0 && spec.Prot&unix.PROT_WRITE != 0 {
		return 0, unix.ENODEV
	}
	prot := spec.Prot
	spec.Prot = unix.PROT_READ | unix.PROT_WRITE
	spec.Flags = spec.Flags&^(unix.MAP_SHARED|unix.MAP_SHARED_VALIDATE) | unix.MAP_PRIVATE
	off := spec.Offset
	spec.Offset = 0
	addr, err := t.MM().Map(spec)
	if err != nil {
		return 0, err
	}
	buf, err := t.AppBytes(addr, int(spec.Length), true)
	if err == nil {
		n, rerr := r.ReadAt(buf, int64(off))
		if rerr != nil && n == 0 && rerr != io.EOF && off == 0 {
			err = rerr
		}
	}
	if err == nil && prot != spec.Prot {
		err = t.MM().Protect(addr, spec.Length, prot)
	}
	if err != nil {
		t.MM().Unmap(addr, spec.Length)
		return 0, err
	}
	return addr, nil
}
