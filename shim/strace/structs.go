package strace

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

var le = binary.LittleEndian

// sockaddrMax is sizeof(struct sockaddr_storage).
const sockaddrMax = 128

// sockaddr prints a struct sockaddr of n bytes the way strace does.
func (c *call) sockaddr(addr, n uint64) string {
	if addr == 0 {
		return "NULL"
	}
	n &= 0xffffffff
	if n > sockaddrMax {
		n = sockaddrMax
	}
	if n < 2 {
		return pointer(addr)
	}
	b, ok := readBytes(c.mem, addr, int(n))
	if !ok {
		return pointer(addr)
	}
	family := uint64(le.Uint16(b))
	head := "{sa_family=" + formatEnum(linux.ArgSockDomain, linux.SockDomain(), family)
	body := b[2:]
	switch family {
	case unix.AF_UNIX:
		if len(body) == 0 {
			return head + "}"
		}
		if body[0] == 0 {
			return head + ", sun_path=@" + quote(trimNUL(body[1:]), false) + "}"
		}
		return head + ", sun_path=" + quote(trimNUL(body), false) + "}"
	case unix.AF_INET:
		if len(body) >= 6 {
			port := binary.BigEndian.Uint16(body[0:2])
			ip := netip.AddrFrom4([4]byte(body[2:6]))
			return fmt.Sprintf("%s, sin_port=htons(%d), sin_addr=inet_addr(%q)}", head, port, ip.String())
		}
	case unix.AF_INET6:
		if len(body) >= 26 {
			port := binary.BigEndian.Uint16(body[0:2])
			flow := binary.BigEndian.Uint32(body[2:6])
			ip := netip.AddrFrom16([16]byte(body[6:22]))
			scope := le.Uint32(body[22:26])
			return fmt.Sprintf("%s, sin6_port=htons(%d), sin6_flowinfo=htonl(%d), inet_pton(AF_INET6, %q, &sin6_addr), sin6_scope_id=%d}",
				head, port, flow, ip.String(), scope)
		}
	case unix.AF_NETLINK:
		if len(body) >= 10 {
			return fmt.Sprintf("%s, nl_pid=%d, nl_groups=%08x}", head, le.Uint32(body[2:6]), le.Uint32(body[6:10]))
		}
	}
	return head + ", sa_data=" + quote(body, false) + "}"
}

func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// sigset prints a 64-bit signal mask: "[INT TERM]", or "~[...]" listing
// the signals not in the set when more than half are set.
func (c *call) sigset(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := readBytes(c.mem, addr, 8)
	if !ok {
		return pointer(addr)
	}
	return formatSigset(le.Uint64(b))
}

func formatSigset(mask uint64) string {
	prefix := "["
	if bits.OnesCount64(mask) > linux.NumSignals/2 {
		prefix = "~["
		mask = ^mask
	}
	var names []string
	for sig := 1; sig <= linux.NumSignals; sig++ {
		if mask&(1<<(sig-1)) != 0 {
			names = append(names, strings.TrimPrefix(linux.SignalName(sig), "SIG"))
		}
	}
	return prefix + strings.Join(names, " ") + "]"
}

// sigaction prints the kernel's struct sigaction (handler, flags,
// restorer, mask).
func (c *call) sigaction(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := readBytes(c.mem, addr, 32)
	if !ok {
		return pointer(addr)
	}
	handler, flags, restorer, mask := le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:])
	h, named := linux.SigHandler().Lookup(handler)
	if !named {
		h = pointer(handler)
	}
	s := "{sa_handler=" + h + ", sa_mask=" + formatSigset(mask) + ", sa_flags=" + linux.FormatFlags(linux.SaFlags, flags)
	if flags&linux.SA_RESTORER != 0 {
		s += ", sa_restorer=" + pointer(restorer)
	}
	return s + "}"
}

// timespec prints a struct timespec.
func (c *call) timespec(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := readBytes(c.mem, addr, 16)
	if !ok {
		return pointer(addr)
	}
	return fmt.Sprintf("{tv_sec=%d, tv_nsec=%d}", int64(le.Uint64(b)), int64(le.Uint64(b[8:])))
}

// epollEvent prints a packed struct epoll_event (12 bytes on x86-64).
func (c *call) epollEvent(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	b, ok := readBytes(c.mem, addr, 12)
	if !ok {
		return pointer(addr)
	}
	data := le.Uint64(b[4:])
	return fmt.Sprintf("{events=%s, data={u32=%d, u64=%d}}",
		linux.FormatFlags(linux.EpollEvents, uint64(le.Uint32(b))), uint32(data), data)
}

// iovec prints an array of n struct iovec. For an output array, total is
// the number of bytes the call transferred and each buffer shows only its
// part of them; for an input array total is -1.
func (c *call) iovec(addr, n uint64, total int64) string {
	n &= 0xffffffff
	if addr == 0 {
		return "NULL"
	}
	count := n
	more := false
	if count > maxArrayElements {
		count = maxArrayElements
		more = true
	}
	raw, ok := readBytes(c.mem, addr, int(count*16))
	if !ok {
		return pointer(addr)
	}
	limit := c.p.stringLimit()
	parts := make([]string, 0, count+1)
	for i := uint64(0); i < count; i++ {
		base, length := le.Uint64(raw[i*16:]), le.Uint64(raw[i*16+8:])
		data := length
		if total >= 0 {
			data = min(length, uint64(total))
			total -= int64(data)
		}
		parts = append(parts, "{iov_base="+c.buffer(base, data, limit, quote)+", iov_len="+strconv.FormatUint(length, 10)+"}")
	}
	if more {
		parts = append(parts, "...")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// fdPair prints the int[2] that pipe and socketpair fill.
func (c *call) fdPair(addr uint64) string {
	b, ok := readBytes(c.mem, addr, 8)
	if !ok {
		return pointer(addr)
	}
	return "[" + c.p.fd(int64(int32(le.Uint32(b)))) + ", " + c.p.fd(int64(int32(le.Uint32(b[4:])))) + "]"
}

// stringArray prints a NULL-terminated array of strings (execve's argv).
func (c *call) stringArray(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	limit := c.p.stringLimit()
	var parts []string
	for i := 0; ; i++ {
		if i == maxArrayElements {
			parts = append(parts, "...")
			break
		}
		b, ok := readBytes(c.mem, addr+uint64(8*i), 8)
		if !ok {
			if i == 0 {
				return pointer(addr)
			}
			parts = append(parts, "...")
			break
		}
		p := le.Uint64(b)
		if p == 0 {
			break
		}
		parts = append(parts, c.cString(p, limit))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// maxEnvCount bounds the walk of an environment array.
const maxEnvCount = 1 << 16

// envArray prints an environment array as strace does by default: the
// pointer and the number of variables.
func (c *call) envArray(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	n := 0
	for ; n < maxEnvCount; n++ {
		b, ok := readBytes(c.mem, addr+uint64(8*n), 8)
		if !ok {
			return pointer(addr)
		}
		if le.Uint64(b) == 0 {
			break
		}
	}
	word := "vars"
	if n == 1 {
		word = "var"
	}
	return fmt.Sprintf("%s /* %d %s */", pointer(addr), n, word)
}

// pollFds prints an array of n struct pollfd with their requested events.
func (c *call) pollFds(addr, n uint64) string {
	if addr == 0 {
		return "NULL"
	}
	count, more := n, false
	if count > maxArrayElements {
		count, more = maxArrayElements, true
	}
	raw, ok := readBytes(c.mem, addr, int(count*8))
	if !ok {
		return pointer(addr)
	}
	parts := make([]string, 0, count+1)
	for i := uint64(0); i < count; i++ {
		fd := int32(le.Uint32(raw[i*8:]))
		events := uint64(le.Uint16(raw[i*8+4:]))
		parts = append(parts, fmt.Sprintf("{fd=%d, events=%s}", fd, linux.FormatFlags(linux.PollEvents, events)))
	}
	if more {
		parts = append(parts, "...")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
