//go:build !elfloader_lean

package socket

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
)

// Sizes of struct sockaddr_in and sockaddr_in6 (and the RFC 2133 one
// without sin6_scope_id, which Linux also takes).
const (
	sizeofSockaddrInet4   = unix.SizeofSockaddrInet4
	sizeofSockaddrInet6   = unix.SizeofSockaddrInet6
	sizeofSockaddrRFC2133 = 24
)

// stackAddress reads an app sockaddr for a socket of family into the
// stack's form, as Linux's inet_bind/inet_stream_connect check it. The
// unspecified address becomes the empty address (any).
func stackAddress(family int, sa []byte) (tcpip.FullAddress, error) {
	var fa tcpip.FullAddress
	if len(sa) < 2 {
		return fa, unix.EINVAL
	}
	var minLen, ipOff, ipLen int
	switch sockaddrFamily(sa) {
	case unix.AF_INET:
		minLen, ipOff, ipLen = sizeofSockaddrInet4, 4, 4
	case unix.AF_INET6:
		minLen, ipOff, ipLen = sizeofSockaddrRFC2133, 8, 16
	default:
		return fa, unix.EAFNOSUPPORT
	}
	if len(sa) < minLen {
		return fa, unix.EINVAL
	}
	if sockaddrFamily(sa) != family {
		return fa, unix.EAFNOSUPPORT
	}
	ip := sa[ipOff : ipOff+ipLen]
	fa.Port = binary.BigEndian.Uint16(sa[2:4])
	for _, b := range ip {
		if b != 0 {
			fa.Addr = tcpip.AddrFromSlice(ip)
			break
		}
	}
	return fa, nil
}

// appSockaddr is the app's sockaddr of a stack address for a socket of
// family: an IPv4 peer of an IPv6 socket is v4-mapped, as Linux shows it.
func appSockaddr(family int, fa tcpip.FullAddress) []byte {
	if family == unix.AF_INET {
		sa := make([]byte, sizeofSockaddrInet4)
		binary.LittleEndian.PutUint16(sa, unix.AF_INET)
		binary.BigEndian.PutUint16(sa[2:], fa.Port)
		if fa.Addr.Len() == 4 {
			copy(sa[4:8], fa.Addr.AsSlice())
		}
		return sa
	}
	sa := make([]byte, sizeofSockaddrInet6)
	binary.LittleEndian.PutUint16(sa, unix.AF_INET6)
	binary.BigEndian.PutUint16(sa[2:], fa.Port)
	switch fa.Addr.Len() {
	case 4:
		sa[18], sa[19] = 0xff, 0xff
		copy(sa[20:24], fa.Addr.AsSlice())
	case 16:
		copy(sa[8:24], fa.Addr.AsSlice())
	}
	return sa
}
