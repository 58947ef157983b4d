package kernel

import (
	"runtime"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// remap_file_pages(2). Since Linux 4.0 the call is emulated by mapping
// the file again: the range of a MAP_SHARED file mapping gets the file's
// pages from pgoff on, MAP_FIXED, with the mapping's protection. The MM
// does the same through Map, with a host descriptor of the file it kept
// when the mapping was made (VMA.file, Linux's vm_file).

// mappedFile is a host descriptor of the file behind a MAP_SHARED file
// mapping, or behind a private one where the platform cannot discard
// pages itself (a stub: MM.discard maps the file's pages again for
// MADV_DONTNEED): a duplicate of the descriptor mmap was given, shared by every
// VMA cut from that mapping (and by a fork child's copies). It is closed
// when no VMA refers to it any more (a finalizer: VMAs are values that
// splits, merges and forks copy, so nothing counts them).
type mappedFile struct{ fd int }

// maxKeptFiles bounds the descriptors kept for shared file mappings.
// Finalizers run only after a garbage collection, which a program that
// maps and unmaps shared files in a loop (and allocates little in
// elfloader) may not cause for a long time: past the bound, a mapping
// keeps no descriptor, and remap_file_pages answers EINVAL for it as for
// a shared anonymous mapping. A failed dup never fails the mmap.
const maxKeptFiles = 512

// keptFiles counts the live mappedFiles of every process: the host
// descriptor table they use is elfloader's, one per host process.
var keptFiles atomic.Int64

// keepMappedFile duplicates the host descriptor of a MAP_SHARED file
// mapping for VMA.file, and of a private one with privateToo; nil for
// other mappings.
func keepMappedFile(s MapSpec, privateToo bool) (*mappedFile, error) {
	if s.HostFD < 0 || (s.Flags&0x3 == unix.MAP_PRIVATE && !privateToo) {
		return nil, nil
	}
	if s.file != nil {
		return s.file, nil
	}
	if keptFiles.Load() >= maxKeptFiles {
		return nil, nil
	}
	fd, err := unix.FcntlInt(uintptr(s.HostFD), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, nil // remap_file_pages will answer EINVAL for this one
	}
	keptFiles.Add(1)
	f := &mappedFile{fd: fd}
	runtime.SetFinalizer(f, func(f *mappedFile) {
		unix.Close(f.fd)
		keptFiles.Add(-1)
	})
	return f, nil
}

// sameMapping reports whether w continues v as remap_file_pages allows a
// range to span VMAs: adjacent, the same file, the same flags.
func sameMapping(v, w VMA) bool {
	return v.file == w.file && v.object == w.object && v.Prot == w.Prot && v.Shared == w.Shared &&
		v.NoWrite == w.NoWrite && v.Sealed == w.Sealed
}

// RemapFilePages is remap_file_pages(2): [start, start+size) (rounded
// down to pages), inside one MAP_SHARED file mapping or adjacent VMAs of
// it, shows the file's pages from page pgoff on. prot must be 0; of the
// flags only MAP_NONBLOCK (which skips populating the pages) means
// something, and the others are ignored, as Linux's code does (the man
// page's EINVAL for them is not what the kernel does). A private mapping,
// a shared one of a file not open for writing (Linux's VM_SHARED needs
// write access) or a range the mapping does not cover is EINVAL.
func (m *MM) RemapFilePages(start, size uint64, prot int, pgoff uint64, flags int) error {
	if prot != 0 {
		return unix.EINVAL
	}
	start, size = pageDown(start), pageDown(size)
	if start+size <= start {
		return unix.EINVAL
	}
	if pgoff+size/pageSize < pgoff {
		return unix.EINVAL
	}
	if pgoff >= 1<<(64-12) {
		return unix.EOVERFLOW // the byte offset does not fit
	}
	end := start + size
	m.mu.RLock()
	i := m.vmaAt(start)
	if i < 0 || !m.vmas[i].Shared || m.vmas[i].NoWrite {
		m.mu.RUnlock()
		return unix.EINVAL
	}
	v := m.vmas[i]
	for reach := v.End; reach < end; {
		i++
		if i >= len(m.vmas) || m.vmas[i].Start != reach || !sameMapping(v, m.vmas[i]) {
			m.mu.RUnlock()
			return unix.EINVAL
		}
		reach = m.vmas[i].End
	}
	m.mu.RUnlock()
	if v.file == nil {
		// A MAP_SHARED|MAP_ANONYMOUS mapping: Linux remaps its shmem
		// object, whose pages elfloader cannot name again.
		return unix.EINVAL
	}
	mflags := unix.MAP_SHARED | unix.MAP_FIXED
	if flags&unix.MAP_NONBLOCK == 0 {
		mflags |= unix.MAP_POPULATE
	}
	_, err := m.Map(MapSpec{Addr: start, Length: size, Prot: v.Prot, Flags: mflags, HostFD: v.file.fd,
		Offset: pgoff * pageSize, Name: v.Name, NoWrite: v.NoWrite, file: v.file})
	runtime.KeepAlive(v.file)
	return err
}
