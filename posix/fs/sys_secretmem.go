package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSecretmem(tb *shim.Table) {
	tb.Register(unix.SYS_MEMFD_SECRET, shim.Full, "the host's own secret memory (memfd_secret), held by its descriptor: mapped shared only, never read or written", sysMemfdSecret)
}

// secretFile is a memfd_secret descriptor: the host's secret memory, which
// the app maps MAP_SHARED and never reads or writes with read(2) or
// write(2); the host answers its fstat, fstatfs, ftruncate, fchmod and
// fallocate.
type secretFile struct {
	kernel.FileRefs
	fd int
}

func sysMemfdSecret(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := a.Int(0)
	if flags&^unix.O_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	fd, _, e := unix.Syscall(unix.SYS_MEMFD_SECRET, unix.O_CLOEXEC, 0, 0)
	if e != 0 {
		return 0, e
	}
	f := &secretFile{fd: int(fd)}
	f.InitRefs(func() { unix.Close(f.fd) })
	defer f.DecRef()
	nfd, err := t.Process().Files().Install(f, 0, flags&unix.O_CLOEXEC != 0)
	return uint64(nfd), err
}

// Read implements kernel.File: secret memory has no read(2).
func (f *secretFile) Read(*kernel.Task, []byte) (int, error) { return 0, unix.EINVAL }

// Write implements kernel.File: nor write(2).
func (f *secretFile) Write(*kernel.Task, []byte) (int, error) { return 0, unix.EINVAL }

// HostFD implements kernel.Pollable (fstatfs, poll and epoll answer from
// the host).
func (f *secretFile) HostFD() int { return f.fd }

// MapFD is what mmap maps: the host refuses MAP_PRIVATE (EINVAL).
func (f *secretFile) MapFD() (int, bool) { return f.fd, true }

// Stat implements kernel.Stater.
func (f *secretFile) Stat(t *kernel.Task) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(f.fd, &st)
	return st, err
}

// Name is what /proc/PID/fd shows.
func (f *secretFile) Name() string { return "/secretmem (deleted)" }

// Truncate, Chmod and Allocate are ftruncate, fchmod and fallocate on the
// host's descriptor.
func (f *secretFile) Truncate(size int64) error { return unix.Ftruncate(f.fd, size) }
func (f *secretFile) Chmod(mode uint32) error   { return unix.Fchmod(f.fd, mode) }
func (f *secretFile) Allocate(mode uint32, off, length int64) error {
	return unix.Fallocate(f.fd, mode, off, length)
}

// hostAttrFile is implemented by files outside the vfs whose attributes
// the host keeps (secret memory).
type hostAttrFile interface {
	Truncate(size int64) error
	Chmod(mode uint32) error
	Allocate(mode uint32, off, length int64) error
}

// hostAttrOf returns the file at fd when the host keeps its attributes.
func hostAttrOf(t *kernel.Task, fd int) (hostAttrFile, bool) {
	f, err := fileOf(t, fd)
	if err != nil {
		return nil, false
	}
	defer f.DecRef()
	h, ok := f.(hostAttrFile)
	return h, ok
}
