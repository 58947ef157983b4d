package cover

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/shim"
)

// Sub-operation kinds, as they appear in reports and profiles.
const (
	KindIoctl     = "ioctl"
	KindFcntl     = "fcntl"
	KindPrctl     = "prctl"
	KindFutex     = "futex"
	KindArchPrctl = "arch_prctl"
	KindSocket    = "socket"
	KindSockopt   = "sockopt"
	KindClone     = "clone"
	KindMmap      = "mmap"
	KindMprotect  = "mprotect"
	KindMadvise   = "madvise"
	KindOpen      = "open"
)

// MemReader reads app memory; *kernel.Task implements it. Sub-operations
// that live in a struct (clone3's flags, openat2's flags) need it.
type MemReader interface {
	CopyIn(addr uint64, dst []byte) error
}

// openIgnored are open flags left out of the open sub-operation: every
// file system serves them the same way, and they would only multiply the
// rows of a report.
const openIgnored = unix.O_CLOEXEC | linux.O_LARGEFILE | unix.O_NOCTTY

// futexFlags are the futex op bits that do not select the operation.
const futexFlags = linux.FUTEX_PRIVATE_FLAG | linux.FUTEX_CLOCK_REALTIME

// SubOps appends to buf the sub-operations of call nr with arguments a and
// returns the extended slice; a call that does not multiplex gives buf
// unchanged. Names are filled in (empty for values the ABI tables do not
// know); levels are not. mem may be nil, in which case sub-operations read
// from app memory are left out.
func SubOps(mem MemReader, nr uint64, a shim.Args, buf []coverage.SubOpID) []coverage.SubOpID {
	var uncached *nameCache
	return uncached.subOps(mem, nr, a, buf)
}

// subOps is SubOps with a name cache (nil: names are formatted every time).
func (c *nameCache) subOps(mem MemReader, nr uint64, a shim.Args, buf []coverage.SubOpID) []coverage.SubOpID {
	add := func(kind string, value uint64) []coverage.SubOpID {
		return append(buf, coverage.SubOpID{Kind: kind, Value: value, Name: c.name(kind, value)})
	}
	switch nr {
	case unix.SYS_IOCTL:
		return add(KindIoctl, a[1]&0xffffffff)
	case unix.SYS_FCNTL:
		return add(KindFcntl, uint64(uint32(a[1])))
	case unix.SYS_PRCTL:
		return add(KindPrctl, uint64(uint32(a[0])))
	case unix.SYS_FUTEX:
		return add(KindFutex, uint64(uint32(a[1]))&^futexFlags)
	case unix.SYS_ARCH_PRCTL:
		return add(KindArchPrctl, uint64(uint32(a[0])))
	case unix.SYS_SOCKET, unix.SYS_SOCKETPAIR:
		return add(KindSocket, socketValue(a[0], a[1], a[2]))
	case unix.SYS_SETSOCKOPT, unix.SYS_GETSOCKOPT:
		return add(KindSockopt, uint64(uint32(a[1]))<<32|uint64(uint32(a[2])))
	case unix.SYS_CLONE:
		return add(KindClone, a[0])
	case unix.SYS_CLONE3:
		if flags, ok := readUint64(mem, a[0]); ok {
			return add(KindClone, flags)
		}
	case unix.SYS_MMAP:
		return add(KindMmap, uint64(uint32(a[2]))<<32|uint64(uint32(a[3])))
	case unix.SYS_MPROTECT, unix.SYS_PKEY_MPROTECT:
		return add(KindMprotect, uint64(uint32(a[2])))
	case unix.SYS_MADVISE:
		return add(KindMadvise, uint64(uint32(a[2])))
	case unix.SYS_OPEN:
		return add(KindOpen, uint64(uint32(a[1]))&^openIgnored)
	case unix.SYS_CREAT:
		return add(KindOpen, uint64(unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC))
	case unix.SYS_OPENAT:
		return add(KindOpen, uint64(uint32(a[2]))&^openIgnored)
	case unix.SYS_OPENAT2:
		if flags, ok := readUint64(mem, a[2]); ok {
			return add(KindOpen, flags&^openIgnored)
		}
	}
	return buf
}

// socketValue packs socket(2)'s domain, type (without SOCK_CLOEXEC and
// SOCK_NONBLOCK) and protocol into one sub-operation value: domain in bits
// 40–55, type in 32–39, protocol in 0–31.
func socketValue(domain, typ, proto uint64) uint64 {
	return uint64(uint16(domain))<<40 | (typ&linux.SockTypeMask)<<32 | uint64(uint32(proto))
}

func readUint64(mem MemReader, addr uint64) (uint64, bool) {
	if mem == nil {
		return 0, false
	}
	var b [8]byte
	if err := mem.CopyIn(addr, b[:]); err != nil {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[:]), true
}

// SubOpName is the symbolic name of a sub-operation value of the given kind,
// or "" when the ABI tables do not name it.
func SubOpName(kind string, value uint64) string {
	switch kind {
	case KindIoctl:
		return lookup(linux.IoctlReq(), value)
	case KindFcntl:
		return lookup(linux.FcntlCmd(), value)
	case KindPrctl:
		return lookup(linux.PrctlOption(), value)
	case KindFutex:
		return lookup(linux.FutexCmd(), value)
	case KindArchPrctl:
		return lookup(linux.ArchPrctlCode(), value)
	case KindSocket:
		return socketName(value)
	case KindSockopt:
		level, opt := value>>32, value&0xffffffff
		return linux.FormatEnum(linux.SockLevel(), level) + "," + linux.FormatSockOpt(level, opt)
	case KindClone:
		return linux.FormatCloneFlags(value)
	case KindMmap:
		return linux.FormatFlags(linux.MmapProt, value>>32) + "," + linux.FormatFlags(linux.MmapFlags, value&0xffffffff)
	case KindMprotect:
		return linux.FormatFlags(linux.MmapProt, value)
	case KindMadvise:
		return lookup(linux.MadvAdvice(), value)
	case KindOpen:
		return linux.FormatFlags(linux.OpenFlags, value)
	}
	return ""
}

func lookup(e linux.Enum, v uint64) string {
	name, _ := e.Lookup(v)
	return name
}

func socketName(v uint64) string {
	domain, typ, proto := v>>40, (v>>32)&0xff, v&0xffffffff
	parts := []string{linux.FormatEnum(linux.SockDomain(), domain), linux.FormatFlags(linux.SockType, typ)}
	if proto != 0 {
		p := strconv.FormatUint(proto, 10)
		if domain == unix.AF_INET || domain == unix.AF_INET6 {
			p = linux.FormatEnum(linux.IPProto(), proto)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}

// nameCache remembers SubOpName results, so that a hot multiplexing call
// (futex, mmap) formats its name once rather than on every call.
type nameCache struct {
	mu    sync.RWMutex
	names map[nameKey]string
}

type nameKey struct {
	kind  string
	value uint64
}

func (c *nameCache) name(kind string, value uint64) string {
	if c == nil {
		return SubOpName(kind, value)
	}
	k := nameKey{kind, value}
	c.mu.RLock()
	n, ok := c.names[k]
	c.mu.RUnlock()
	if ok {
		return n
	}
	n = SubOpName(kind, value)
	c.mu.Lock()
	if c.names == nil {
		c.names = make(map[nameKey]string)
	}
	if len(c.names) < maxCachedNames {
		c.names[k] = n
	}
	c.mu.Unlock()
	return n
}

// maxCachedNames bounds the cache against programs that pass random values.
const maxCachedNames = 4096
