package socket

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// nodeKey identifies a socket node in the app's vfs.
type nodeKey struct{ dev, ino uint64 }

// registry maps the app's unix socket paths to the host abstract names
// that back them (one per kernel).
type registry struct {
	mu      sync.Mutex
	next    int
	byNode  map[nodeKey]string
	appPath map[string]string // host abstract name → app path
	// hashed maps the host names of abstract names too long to carry
	// behind the kernel's prefix to the app's names.
	hashed   map[string]string
	autobind uint32 // the next autobind name
}

type registryKey struct{}

func reg(t *kernel.Task) *registry {
	return t.Kernel().LibraryState(registryKey{}, func() any {
		return &registry{byNode: map[nodeKey]string{}, appPath: map[string]string{}, hashed: map[string]string{}}
	}).(*registry)
}

func prefix(t *kernel.Task) string { return "elfloader/" + t.Kernel().ID() + "/" }

// hostAbstract is the sockaddr_un of an abstract name: the family, a NUL,
// then the name, as long as the name (not NUL-terminated).
func hostAbstract(name string) []byte {
	b := make([]byte, 3+len(name))
	family := uint16(unix.AF_UNIX)
	kernel.EncodeStruct(b, &family)
	copy(b[3:], name)
	return b
}

// maxAbstract is the longest host abstract name: sun_path's 108 bytes but
// the leading NUL.
const maxAbstract = 107

// hostAbstractName is the host address of the app's abstract name: the
// kernel's prefix and the name, or, when that is too long for sun_path,
// the prefix and a hash of the name (remembered, so that getsockname and
// accept give the app its own name back).
func hostAbstractName(t *kernel.Task, name string) []byte {
	host := prefix(t) + "a/" + name
	if len(host) <= maxAbstract {
		return hostAbstract(host)
	}
	sum := sha256.Sum256([]byte(name))
	host = prefix(t) + "h/" + hex.EncodeToString(sum[:20])
	r := reg(t)
	r.mu.Lock()
	r.hashed[host] = name
	r.mu.Unlock()
	return hostAbstract(host)
}

// autobindName returns the next autobind name, five hex digits.
func autobindName(t *kernel.Task) string {
	r := reg(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.autobind = (r.autobind + 1) & 0xfffff
	return fmt.Sprintf("%05x", r.autobind)
}

// sockaddrFamily is sa_family, the first field of every sockaddr; sa holds
// at least its two bytes.
func sockaddrFamily(sa []byte) int {
	var raw unix.RawSockaddr
	kernel.DecodeStruct(sa, &raw)
	return int(raw.Family)
}

func readSockaddr(t *kernel.Task, addr uint64, n uint64) ([]byte, error) {
	if n > maxSockaddr || int64(n) < 0 {
		return nil, unix.EINVAL
	}
	b := make([]byte, n)
	if err := t.CopyIn(addr, b); err != nil {
		return nil, err
	}
	return b, nil
}

type addrUse int

const (
	useBind addrUse = iota
	useConnect
)

// unixPath returns the path of a sockaddr_un (up to the NUL).
func unixPath(sa []byte) string {
	p := sa[2:]
	if i := strings.IndexByte(string(p), 0); i >= 0 {
		p = p[:i]
	}
	return string(p)
}

// toHost translates an app socket address into the host address to use.
// A bind of a unix path creates its socket node; the returned undo removes
// it if the host bind then fails.
func toHost(t *kernel.Task, s *Socket, sa []byte, use addrUse) ([]byte, func(), error) {
	if len(sa) < 2 {
		return nil, nil, unix.EINVAL
	}
	family := sockaddrFamily(sa)
	switch family {
	case unix.AF_UNIX:
		if s != nil && s.Domain != unix.AF_UNIX {
			return nil, nil, unix.EAFNOSUPPORT
		}
		if len(sa) == 2 {
			if use == useBind {
				// Autobind: Linux picks "\0" and five hex digits.
				return hostAbstractName(t, autobindName(t)), nil, nil
			}
			return sa, nil, nil
		}
		if sa[2] == 0 {
			return hostAbstractName(t, string(sa[3:])), nil, nil
		}
		path := unixPath(sa)
		if use == useBind {
			return bindPath(t, s, path)
		}
		h, err := lookupPath(t, path)
		return h, nil, err
	case unix.AF_INET, unix.AF_INET6:
		if s != nil && s.Domain != family {
			return nil, nil, unix.EAFNOSUPPORT
		}
		if t.Kernel().Net() == kernel.NetNone {
			return loopbackOnly(sa, family, use)
		}
		return sa, nil, nil
	}
	return nil, nil, unix.EAFNOSUPPORT
}

// loopbackOnly keeps --net=none apps on loopback: wildcard binds become
// loopback binds, anything else that is not loopback is unreachable.
func loopbackOnly(sa []byte, family int, use addrUse) ([]byte, func(), error) {
	out := append([]byte(nil), sa...)
	switch family {
	case unix.AF_INET:
		if len(sa) < 8 {
			return nil, nil, unix.EINVAL
		}
		ip := out[4:8]
		switch {
		case ip[0] == 127:
		case use == useBind && ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] == 0:
			copy(ip, []byte{127, 0, 0, 1})
		case use == useBind:
			return nil, nil, unix.EADDRNOTAVAIL
		default:
			return nil, nil, unix.ENETUNREACH
		}
	case unix.AF_INET6:
		if len(sa) < 24 {
			return nil, nil, unix.EINVAL
		}
		ip := out[8:24]
		loop := [16]byte{15: 1}
		var any [16]byte
		v4loop := [16]byte{10: 0xff, 11: 0xff, 12: 127}
		switch {
		case [16]byte(ip) == loop, [16]byte(ip[:13]) == [16]byte(v4loop[:13]):
		case use == useBind && [16]byte(ip) == any:
			copy(ip, loop[:])
		case use == useBind:
			return nil, nil, unix.EADDRNOTAVAIL
		default:
			return nil, nil, unix.ENETUNREACH
		}
	}
	return out, nil, nil
}

func bindPath(t *kernel.Task, s *Socket, path string) ([]byte, func(), error) {
	ctx := t.Process().FS
	if ctx == nil {
		return nil, nil, unix.ENOSYS
	}
	if path == "" {
		return nil, nil, unix.ENOENT
	}
	err := vfs.MknodAt(ctx, ctx.Cwd, path, unix.S_IFSOCK|(0o777&^ctx.Umask), 0)
	if err == unix.EEXIST {
		return nil, nil, unix.EADDRINUSE
	}
	if err != nil {
		return nil, nil, err
	}
	undo := func() { vfs.UnlinkAt(ctx, ctx.Cwd, path, 0) }
	st, err := vfs.StatAt(ctx, ctx.Cwd, path, unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		undo()
		return nil, nil, err
	}
	r := reg(t)
	r.mu.Lock()
	r.next++
	name := fmt.Sprintf("%sp%d", prefix(t), r.next)
	r.byNode[nodeKey{st.Dev, st.Ino}] = name
	// getsockname and getpeername return the path as bind got it, relative
	// or not, as the kernel does.
	r.appPath[name] = path
	r.mu.Unlock()
	if s != nil {
		s.boundPath = path
	}
	return hostAbstract(name), undo, nil
}

func lookupPath(t *kernel.Task, path string) ([]byte, error) {
	ctx := t.Process().FS
	if ctx == nil {
		return nil, unix.ENOSYS
	}
	st, err := vfs.StatAt(ctx, ctx.Cwd, path, 0)
	if err != nil {
		return nil, err
	}
	if st.Type() != unix.S_IFSOCK {
		return nil, unix.ECONNREFUSED
	}
	r := reg(t)
	r.mu.Lock()
	name, ok := r.byNode[nodeKey{st.Dev, st.Ino}]
	r.mu.Unlock()
	if !ok {
		return nil, unix.ECONNREFUSED
	}
	return hostAbstract(name), nil
}

// fromHost translates a host socket address back to the app's view.
func fromHost(t *kernel.Task, sa []byte) []byte {
	if len(sa) < 3 || sockaddrFamily(sa) != unix.AF_UNIX || sa[2] != 0 {
		return sa
	}
	name := string(sa[3:])
	pfx := prefix(t)
	if !strings.HasPrefix(name, pfx) {
		return sa
	}
	rest := name[len(pfx):]
	if strings.HasPrefix(rest, "a/") {
		return append([]byte{sa[0], sa[1], 0}, rest[2:]...)
	}
	r := reg(t)
	if strings.HasPrefix(rest, "h/") {
		r.mu.Lock()
		app, ok := r.hashed[name]
		r.mu.Unlock()
		if ok {
			return append([]byte{sa[0], sa[1], 0}, app...)
		}
		return sa[:2]
	}
	r.mu.Lock()
	path, ok := r.appPath[name]
	r.mu.Unlock()
	if !ok {
		return sa[:2]
	}
	return append(append([]byte{sa[0], sa[1]}, path...), 0)
}

// putSockaddr writes an address with the value-result length convention:
// the app's buffer gets at most its size, the length the full size.
func putSockaddr(t *kernel.Task, addr, lenAddr uint64, sa []byte) error {
	if addr == 0 {
		return nil
	}
	return moveAddrToUser(t, addr, lenAddr, sa)
}

// moveAddrToUser writes an address and its length as Linux does: the
// length pointer is read first and is never optional (EFAULT), a negative
// length is EINVAL, and at most that many bytes of the address are written.
func moveAddrToUser(t *kernel.Task, addr, lenAddr uint64, sa []byte) error {
	var n int32
	if err := kernel.CopyInStruct(t, lenAddr, &n); err != nil {
		return err
	}
	if n < 0 {
		return unix.EINVAL
	}
	if n > 0 {
		if err := t.CopyOut(addr, sa[:min(int(n), len(sa))]); err != nil {
			return err
		}
	}
	n = int32(len(sa))
	return kernel.CopyOutStruct(t, lenAddr, &n)
}
