package socket

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// landlockPort applies the calling process's Landlock domain to a bind
// (LANDLOCK_ACCESS_NET_BIND_TCP) or connect (CONNECT_TCP) of a socket
// of family/typ/proto to the address sa: EACCES when a layer handles the
// right and has no rule for the port. Only TCP sockets are subject to it
// (Landlock's erratum 1: not MPTCP, UDP or others); a connect to
// AF_UNSPEC (a disconnect) is always allowed, and an address too short
// for its family is left to the call's own EINVAL.
func landlockPort(t *kernel.Task, family, typ, proto int, sa []byte, access uint64) error {
	d := t.Process().Landlock()
	if d == nil {
		return nil
	}
	if family != unix.AF_INET && family != unix.AF_INET6 || typ&0xf != unix.SOCK_STREAM ||
		proto != 0 && proto != unix.IPPROTO_TCP || len(sa) < 4 {
		return nil
	}
	switch binary.LittleEndian.Uint16(sa) {
	case unix.AF_INET, unix.AF_INET6:
	case unix.AF_UNSPEC:
		if access == unix.LANDLOCK_ACCESS_NET_CONNECT_TCP {
			return nil
		}
	default:
		return nil
	}
	return d.CheckNet(binary.BigEndian.Uint16(sa[2:4]), access)
}
