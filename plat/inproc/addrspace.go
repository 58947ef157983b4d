package inproc

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// AddressSpace is app memory on the in-process platform: elfloader's own
// address space, shared by every app process it runs. The kernel's memory
// manager decides which ranges are the app's and never lets a change reach
// host memory; this type only makes the host calls.
type AddressSpace struct {
	p *Platform // nil for HostAddressSpace: no fork
}

// HostAddressSpace returns the in-process address space. It needs no
// platform set-up (signal handlers), so the kernel's unit tests use it too.
func HostAddressSpace() *AddressSpace { return &AddressSpace{} }

// NewAddressSpace implements plat.Platform: every in-process app process
// lives in the one host address space, so they all get the same object.
func (p *Platform) NewAddressSpace() (plat.AddressSpace, error) { return &p.host, nil }

// Map implements plat.AddressSpace.
func (*AddressSpace) Map(addr, length uint64, prot, flags, fd int, off uint64) (uint64, error) {
	r, _, e := unix.Syscall6(unix.SYS_MMAP, uintptr(addr), uintptr(length), uintptr(prot), uintptr(flags), uintptr(fd), uintptr(off))
	if e != 0 {
		return 0, e
	}
	return uint64(r), nil
}

// Unmap implements plat.AddressSpace.
func (*AddressSpace) Unmap(addr, length uint64) error {
	if _, _, e := unix.Syscall(unix.SYS_MUNMAP, uintptr(addr), uintptr(length), 0); e != 0 {
		return e
	}
	return nil
}

// Protect implements plat.AddressSpace.
func (*AddressSpace) Protect(addr, length uint64, prot int) error {
	if _, _, e := unix.Syscall(unix.SYS_MPROTECT, uintptr(addr), uintptr(length), uintptr(prot)); e != 0 {
		return e
	}
	return nil
}

// Advise implements plat.AddressSpace.
func (*AddressSpace) Advise(addr, length uint64, advice int) error {
	if _, _, e := unix.Syscall(unix.SYS_MADVISE, uintptr(addr), uintptr(length), uintptr(advice)); e != 0 {
		return e
	}
	return nil
}

// CopyIn implements plat.AddressSpace.
func (as *AddressSpace) CopyIn(addr uint64, dst []byte) error {
	b, _ := as.Direct(addr, len(dst))
	copy(dst, b)
	return nil
}

// CopyOut implements plat.AddressSpace.
func (as *AddressSpace) CopyOut(addr uint64, src []byte) error {
	b, _ := as.Direct(addr, len(src))
	copy(b, src)
	return nil
}

// Direct implements plat.AddressSpace: app memory is host memory.
func (*AddressSpace) Direct(addr uint64, n int) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	// App memory is not Go memory: convert the address without arithmetic
	// on unsafe.Pointer (which go vet rightly flags for Go memory).
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n), true
}

// Release implements plat.AddressSpace; the host's memory stays.
func (*AddressSpace) Release() {}

// VDSO implements plat.VDSOAddressSpace: app code runs in elfloader's
// process and uses elfloader's vDSO.
func (*AddressSpace) VDSO() []plat.VDSOMapping { return plat.HostVDSO() }
