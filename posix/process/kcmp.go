package process

import (
	"crypto/rand"
	"encoding/binary"
	"reflect"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// kcmp(2) compares kernel objects of two tasks: whether they share an open
// file description, an address space, a descriptor table, a filesystem
// context (cwd, root, umask) or signal handlers. As Linux, the answer
// orders the objects by an obfuscated identity (random keys per type, made
// once), so that equal is 0 and a program can sort, but learns no address.

const (
	kcmpFile = iota
	kcmpVM
	kcmpFiles
	kcmpFS
	kcmpSighand
	kcmpIO
	kcmpSysvsem
	kcmpEpollTFD
	kcmpTypes
)

func registerKcmp(tb *shim.Table) {
	tb.Register(unix.SYS_KCMP, shim.Partial, "KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS and KCMP_SIGHAND between app tasks, with ptrace's read access rule and Linux's obfuscated order; KCMP_IO, KCMP_SYSVSEM and KCMP_EPOLL_TFD answer EOPNOTSUPP (no I/O contexts or undo lists shared apart, epoll targets not compared)", sysKcmp)
}

var kcmpCookies = sync.OnceValue(func() (c [kcmpTypes][2]uint64) {
	var b [kcmpTypes * 16]byte
	rand.Read(b[:])
	for i := range c {
		c[i][0] = binary.LittleEndian.Uint64(b[16*i:])
		c[i][1] = binary.LittleEndian.Uint64(b[16*i+8:]) | 1 // odd: a bijection
	}
	return c
})

// identity is the address of the object behind a pointer or an interface
// holding one (Go's heap objects never move).
func identity(v any) uint64 {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return 0
	}
	return uint64(rv.Pointer())
}

func kcmpOrder(typ int, a, b uint64) uint64 {
	c := kcmpCookies()[typ]
	x, y := (a^c[0])*c[1], (b^c[0])*c[1]
	switch {
	case x < y:
		return 1
	case x > y:
		return 2
	}
	return 0
}

func sysKcmp(t *kernel.Task, a shim.Args) (uint64, error) {
	pid1, pid2, typ := int(int32(a[0])), int(int32(a[1])), a.Int(2)
	t1, t2 := t.Kernel().TaskByTID(pid1), t.Kernel().TaskByTID(pid2)
	if pid1 <= 0 || pid2 <= 0 || t1 == nil || t2 == nil {
		return 0, unix.ESRCH
	}
	p1, p2 := t1.Process(), t2.Process()
	if !t.Process().MayPtrace(p1) || !t.Process().MayPtrace(p2) {
		return 0, unix.EPERM
	}
	var x, y uint64
	switch typ {
	case kcmpFile:
		f1, err := p1.Files().GetForeign(a.Int(3))
		if err != nil {
			return 0, unix.EBADF
		}
		defer f1.DecRef()
		f2, err := p2.Files().GetForeign(a.Int(4))
		if err != nil {
			return 0, unix.EBADF
		}
		defer f2.DecRef()
		x, y = identity(f1), identity(f2)
	case kcmpVM:
		x, y = identity(p1.MM()), identity(p2.MM())
	case kcmpFiles:
		x, y = identity(p1.Files()), identity(p2.Files())
	case kcmpFS:
		x, y = identity(p1.FS), identity(p2.FS)
	case kcmpSighand:
		// Signal handlers belong to the process (CLONE_SIGHAND without
		// CLONE_THREAD is not served apart).
		x, y = identity(p1), identity(p2)
	case kcmpIO, kcmpSysvsem, kcmpEpollTFD:
		return 0, unix.EOPNOTSUPP
	default:
		return 0, unix.EINVAL
	}
	return kcmpOrder(typ, x, y), nil
}
