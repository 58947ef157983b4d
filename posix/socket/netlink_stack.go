//go:build !elfloader_lean

package socket

import (
	"encoding/binary"
	"sort"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/netstack"
)

// sandboxGet answers an RTM_GET* request with --net=sandbox from the app's
// own stack: its links (RTM_GETLINK, dump or one by index) and addresses
// (RTM_GETADDR dumps). Other dumps (routes, neighbours) answer an empty
// dump; other single requests EOPNOTSUPP.
func sandboxGet(sandbox kernel.SandboxNetwork, req []byte, h nlmsg) ([][]byte, error) {
	nw, ok := sandbox.(*netstack.Network)
	if !ok {
		return nil, unix.EAFNOSUPPORT
	}
	dump := h.flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP
	nics := nw.Stack().NICInfo()
	ids := make([]int, 0, len(nics))
	for id := range nics {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	var out [][]byte
	body := req[nlmsgHdrLen:]
	switch h.typ {
	case unix.RTM_GETLINK:
		want := 0
		if !dump {
			if len(body) < unix.SizeofIfInfomsg {
				return nil, unix.EINVAL
			}
			want = int(int32(binary.LittleEndian.Uint32(body[4:])))
		}
		for _, id := range ids {
			if want == 0 || want == id {
				out = append(out, linkMsg(id, nics[tcpip.NICID(id)], dump))
			}
		}
		if !dump {
			if len(out) == 0 {
				return nil, unix.ENODEV
			}
			return out, nil
		}
	case unix.RTM_GETADDR:
		if !dump {
			return nil, unix.EOPNOTSUPP
		}
		family := 0
		if len(body) > 0 {
			family = int(body[0])
		}
		for _, id := range ids {
			for _, pa := range nics[tcpip.NICID(id)].ProtocolAddresses {
				if m := addrMsg(id, nics[tcpip.NICID(id)], pa, family); m != nil {
					out = append(out, m)
				}
			}
		}
	default:
		if !dump {
			return nil, unix.EOPNOTSUPP
		}
	}
	done := make([]byte, nlmsgHdrLen+4)
	putNlmsg(done, nlmsg{len: uint32(len(done)), typ: unix.NLMSG_DONE, flags: unix.NLM_F_MULTI})
	return append(out, done), nil
}

// rtattrs builds a message's attributes.
type rtattrs []byte

func (b rtattrs) add(typ uint16, v []byte) rtattrs {
	n := unix.SizeofRtAttr + len(v)
	hdr := make([]byte, unix.SizeofRtAttr)
	binary.LittleEndian.PutUint16(hdr, uint16(n))
	binary.LittleEndian.PutUint16(hdr[2:], typ)
	b = append(append(b, hdr...), v...)
	return append(b, make([]byte, nlmsgAlign(n)-n)...)
}

func u32(v uint32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	return b
}

func cstring(s string) []byte { return append([]byte(s), 0) }

// message is a netlink message of type typ with a fixed header and
// attributes (sequence number and port id are set by the caller).
func message(typ uint16, flags uint16, fixed []byte, attrs rtattrs) []byte {
	n := nlmsgHdrLen + nlmsgAlign(len(fixed)) + len(attrs)
	m := make([]byte, n)
	putNlmsg(m, nlmsg{len: uint32(n), typ: typ, flags: flags})
	copy(m[nlmsgHdrLen:], fixed)
	copy(m[nlmsgHdrLen+nlmsgAlign(len(fixed)):], attrs)
	return m
}

// linkMsg is the RTM_NEWLINK describing one interface of the stack.
func linkMsg(id int, nic stack.NICInfo, multi bool) []byte {
	flags := uint32(0)
	if nic.Flags.Up {
		flags |= unix.IFF_UP
	}
	if nic.Flags.Running {
		flags |= unix.IFF_RUNNING | unix.IFF_LOWER_UP
	}
	if nic.Flags.Promiscuous {
		flags |= unix.IFF_PROMISC
	}
	arphrd, hw := uint16(unix.ARPHRD_ETHER), []byte(nic.LinkAddress)
	operstate := byte(6) // IF_OPER_UP
	if nic.Flags.Loopback {
		flags |= unix.IFF_LOOPBACK
		arphrd, operstate = unix.ARPHRD_LOOPBACK, 0 // IF_OPER_UNKNOWN, as lo
		if len(hw) == 0 {
			hw = make([]byte, 6)
		}
	} else {
		flags |= unix.IFF_BROADCAST | unix.IFF_MULTICAST
	}
	fixed := make([]byte, unix.SizeofIfInfomsg)
	binary.LittleEndian.PutUint16(fixed[2:], arphrd)
	binary.LittleEndian.PutUint32(fixed[4:], uint32(id))
	binary.LittleEndian.PutUint32(fixed[8:], flags)
	var a rtattrs
	a = a.add(unix.IFLA_IFNAME, cstring(nic.Name))
	a = a.add(unix.IFLA_MTU, u32(nic.MTU))
	a = a.add(unix.IFLA_TXQLEN, u32(1000))
	a = a.add(unix.IFLA_OPERSTATE, []byte{operstate})
	if len(hw) > 0 {
		a = a.add(unix.IFLA_ADDRESS, hw)
		bc := make([]byte, len(hw))
		if !nic.Flags.Loopback {
			for i := range bc {
				bc[i] = 0xff
			}
		}
		a = a.add(unix.IFLA_BROADCAST, bc)
	}
	var mf uint16
	if multi {
		mf = unix.NLM_F_MULTI
	}
	return message(unix.RTM_NEWLINK, mf, fixed, a)
}

// addrMsg is the RTM_NEWADDR of one address (nil if family filters it out).
func addrMsg(id int, nic stack.NICInfo, pa tcpip.ProtocolAddress, family int) []byte {
	ip := pa.AddressWithPrefix.Address.AsSlice()
	af := unix.AF_INET
	switch pa.Protocol {
	case ipv4.ProtocolNumber:
	case ipv6.ProtocolNumber:
		af = unix.AF_INET6
	default:
		return nil
	}
	if family != unix.AF_UNSPEC && family != af {
		return nil
	}
	scope := byte(unix.RT_SCOPE_UNIVERSE)
	switch {
	case nic.Flags.Loopback:
		scope = unix.RT_SCOPE_HOST
	case af == unix.AF_INET6 && ip[0] == 0xfe && ip[1]&0xc0 == 0x80:
		scope = unix.RT_SCOPE_LINK
	}
	fixed := []byte{byte(af), byte(pa.AddressWithPrefix.PrefixLen), unix.IFA_F_PERMANENT, scope, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(fixed[4:], uint32(id))
	var a rtattrs
	a = a.add(unix.IFA_ADDRESS, ip)
	if af == unix.AF_INET {
		a = a.add(unix.IFA_LOCAL, ip)
		if !nic.Flags.Loopback && pa.AddressWithPrefix.PrefixLen < 31 {
			bc := append([]byte(nil), ip...)
			host := uint32(1)<<(32-pa.AddressWithPrefix.PrefixLen) - 1
			binary.BigEndian.PutUint32(bc, binary.BigEndian.Uint32(bc)|host)
			a = a.add(unix.IFA_BROADCAST, bc)
		}
		a = a.add(unix.IFA_LABEL, cstring(nic.Name))
	}
	a = a.add(unix.IFA_FLAGS, u32(unix.IFA_F_PERMANENT))
	return message(unix.RTM_NEWADDR, unix.NLM_F_MULTI, fixed, a)
}
