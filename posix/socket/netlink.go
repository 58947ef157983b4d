package socket

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// NETLINK_ROUTE sockets. The app's socket is one end of a host AF_UNIX
// datagram pair: elfloader writes the kernel's answers to the other end,
// one datagram per skb Linux would send, so receiving (blocking or not,
// MSG_PEEK, MSG_TRUNC), poll and epoll are the host's own. Requests never
// reach the host unchecked: only the read-only RTM_GET* requests are
// answered; with host networking they are sent as they are to a host
// NETLINK_ROUTE socket of elfloader's and the answers relayed with the
// app's sequence number and port id, so the app sees exactly the host's
// interfaces, addresses and routes; with --net=sandbox the links and
// addresses are those of the app's own stack. Every request that would
// change something (RTM_NEW*, RTM_DEL*, RTM_SET*) is refused with EPERM in
// an NLMSG_ERROR, as Linux refuses it to a process without CAP_NET_ADMIN.

// netlinkState is the kernel's half of an app netlink socket.
type netlinkState struct {
	mu      sync.Mutex
	peer    int    // the host end elfloader writes answers to
	port    uint32 // nl_pid once bound (0: not yet)
	groups  uint32 // multicast groups bound (no notifications are sent)
	opts    map[int]int
	pending [][]byte // answer datagrams the host pair could not take yet
}

// nlmsgGoodSize is the most Linux puts in one datagram of a dump before
// the app has shown a bigger buffer (NLMSG_GOODSIZE on 4 KiB pages).
const nlmsgGoodSize = 4096 - 320

const (
	nlmsgHdrLen = 16
	solNetlink  = 270
)

func newNetlinkSocket(t *kernel.Task, base, proto, flags int) (uint64, error) {
	switch {
	case base != unix.SOCK_RAW && base != unix.SOCK_DGRAM:
		return 0, unix.ESOCKTNOSUPPORT
	case proto != unix.NETLINK_ROUTE:
		return 0, unix.EPROTONOSUPPORT
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return 0, err
	}
	s := newSocket(t, fds[0], unix.AF_NETLINK, base, proto, flags&unix.SOCK_NONBLOCK != 0)
	s.nl = &netlinkState{peer: fds[1], opts: map[int]int{}}
	s.InitRefs(func() {
		s.HostFile.Close()
		unix.Close(s.nl.peer)
	})
	return install(t, s, flags&unix.SOCK_CLOEXEC != 0)
}

// netlinkCall is a socket call on an app netlink socket.
type netlinkCall func(t *kernel.Task, s *Socket, a shim.Args) (uint64, error)

// netlinkRoute sends the calls on netlink sockets to nl, the others to h.
func netlinkRoute(h shim.Handler, nl netlinkCall) shim.Handler {
	return func(t *kernel.Task, a shim.Args) (uint64, error) {
		f, err := t.Process().Files().Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		s, ok := f.(*Socket)
		if !ok || s.nl == nil {
			f.DecRef()
			return h(t, a)
		}
		defer s.DecRef()
		return nl(t, s, a)
	}
}

// netlinkAddr is a struct sockaddr_nl.
func netlinkAddr(port, groups uint32) []byte {
	sa := make([]byte, unix.SizeofSockaddrNetlink)
	binary.LittleEndian.PutUint16(sa, unix.AF_NETLINK)
	binary.LittleEndian.PutUint32(sa[4:], port)
	binary.LittleEndian.PutUint32(sa[8:], groups)
	return sa
}

// readNetlinkAddr reads a struct sockaddr_nl of the app: its port id and
// groups.
func readNetlinkAddr(t *kernel.Task, addr, n uint64) (port, groups uint32, err error) {
	if n < unix.SizeofSockaddrNetlink {
		return 0, 0, unix.EINVAL
	}
	sa, err := readSockaddr(t, addr, n)
	if err != nil {
		return 0, 0, err
	}
	if binary.LittleEndian.Uint16(sa) != unix.AF_NETLINK {
		return 0, 0, unix.EINVAL
	}
	return binary.LittleEndian.Uint32(sa[4:]), binary.LittleEndian.Uint32(sa[8:]), nil
}

// autobind gives the socket its port id if it has none: the process id,
// as Linux gives the first netlink socket of a process. Called with mu.
func (nl *netlinkState) autobind(t *kernel.Task) {
	if nl.port == 0 {
		nl.port = uint32(t.Process().PID)
	}
}

func netlinkBind(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	port, groups, err := readNetlinkAddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	nl := s.nl
	nl.mu.Lock()
	defer nl.mu.Unlock()
	if nl.port != 0 && port != 0 && port != nl.port {
		return 0, unix.EINVAL
	}
	if port != 0 {
		nl.port = port
	}
	nl.autobind(t)
	nl.groups = groups
	return 0, nil
}

func netlinkConnect(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	if a[2] >= 2 {
		if sa, err := readSockaddr(t, a[1], 2); err == nil && binary.LittleEndian.Uint16(sa) == unix.AF_UNSPEC {
			return 0, nil // disconnect: the kernel stays the peer
		}
	}
	port, _, err := readNetlinkAddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if port != 0 {
		return 0, unix.ECONNREFUSED // only the kernel answers here
	}
	s.nl.mu.Lock()
	s.nl.autobind(t)
	s.nl.mu.Unlock()
	return 0, nil
}

func netlinkGetsockname(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	s.nl.mu.Lock()
	sa := netlinkAddr(s.nl.port, s.nl.groups)
	s.nl.mu.Unlock()
	return 0, moveAddrToUser(t, a[1], a[2], sa)
}

func netlinkGetpeername(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	return 0, moveAddrToUser(t, a[1], a[2], netlinkAddr(0, 0))
}

func netlinkNoListen(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	return 0, unix.EOPNOTSUPP
}

// netlinkDest checks a destination address: only the kernel (port 0)
// answers.
func netlinkDest(t *kernel.Task, addr, n uint64) error {
	if addr == 0 || n == 0 {
		return nil
	}
	port, groups, err := readNetlinkAddr(t, addr, n)
	if err != nil {
		return err
	}
	if port != 0 || groups != 0 {
		return unix.ECONNREFUSED
	}
	return nil
}

func netlinkSendto(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	if err := netlinkDest(t, a[4], a[5]); err != nil {
		return 0, err
	}
	buf, err := t.AppBytes(a[1], int(min(a[2], 1<<20)), false)
	if err != nil {
		return 0, err
	}
	s.nl.request(t, append([]byte(nil), buf...))
	return uint64(len(buf)), nil
}

func netlinkSendmsg(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	n, err := netlinkSendmsgAt(t, s, a[1])
	return uint64(n), err
}

func netlinkSendmsgAt(t *kernel.Task, s *Socket, addr uint64) (int, error) {
	m, bufs, err := readMessage(t, addr, false)
	if err != nil {
		return 0, err
	}
	if err := netlinkDest(t, m.name, uint64(m.namelen)); err != nil {
		return 0, err
	}
	var msg []byte
	for _, b := range bufs {
		msg = append(msg, b...)
	}
	s.nl.request(t, msg)
	return len(msg), nil
}

func netlinkSendmmsg(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	return mmsg(t, a, func(addr uint64, flags int) (int, error) { return netlinkSendmsgAt(t, s, addr) }, time.Time{})
}

// The receive calls are the host socket's, once the answers waiting are
// queued; the source address is the kernel's (recvfrom and recvmsg ask
// Socket.source).
func netlinkRecv(h shim.Handler) netlinkCall {
	return func(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
		s.nl.flush()
		return h(t, a)
	}
}

// source is the sender's address the app sees for a datagram from.
func (s *Socket) source(t *kernel.Task, from []byte) []byte {
	if s.nl != nil {
		return netlinkAddr(0, 0)
	}
	return fromHost(t, from)
}

func netlinkSetsockopt(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	if a.Int(1) != solNetlink {
		return sysSetsockopt(t, a)
	}
	buf, err := optionValue(t, a)
	if err != nil {
		return 0, err
	}
	if len(buf) < 4 {
		return 0, unix.EINVAL
	}
	v := int(int32(binary.LittleEndian.Uint32(buf)))
	s.nl.mu.Lock()
	defer s.nl.mu.Unlock()
	switch opt := a.Int(2); opt {
	case unix.NETLINK_ADD_MEMBERSHIP, unix.NETLINK_DROP_MEMBERSHIP:
		if v <= 0 || v > 32 {
			return 0, unix.EINVAL
		}
		if opt == unix.NETLINK_ADD_MEMBERSHIP {
			s.nl.groups |= 1 << (v - 1)
		} else {
			s.nl.groups &^= 1 << (v - 1)
		}
	case unix.NETLINK_PKTINFO, unix.NETLINK_BROADCAST_ERROR, unix.NETLINK_NO_ENOBUFS,
		unix.NETLINK_LISTEN_ALL_NSID, unix.NETLINK_CAP_ACK, unix.NETLINK_EXT_ACK, unix.NETLINK_GET_STRICT_CHK:
		s.nl.opts[opt] = min(v, 1)
		if v != 0 {
			s.nl.opts[opt] = 1
		}
	default:
		return 0, unix.ENOPROTOOPT
	}
	return 0, nil
}

func netlinkGetsockopt(t *kernel.Task, s *Socket, a shim.Args) (uint64, error) {
	var v int32
	switch {
	case a.Int(1) == unix.SOL_SOCKET && a.Int(2) == unix.SO_TYPE:
		v = int32(s.Type)
	case a.Int(1) == unix.SOL_SOCKET && a.Int(2) == unix.SO_DOMAIN:
		v = unix.AF_NETLINK
	case a.Int(1) == unix.SOL_SOCKET && a.Int(2) == unix.SO_PROTOCOL:
		v = int32(s.Protocol)
	case a.Int(1) == unix.SOL_SOCKET:
		return sysGetsockopt(t, a)
	case a.Int(1) == solNetlink:
		s.nl.mu.Lock()
		v = int32(s.nl.opts[a.Int(2)])
		s.nl.mu.Unlock()
		switch a.Int(2) {
		case unix.NETLINK_PKTINFO, unix.NETLINK_BROADCAST_ERROR, unix.NETLINK_NO_ENOBUFS,
			unix.NETLINK_LISTEN_ALL_NSID, unix.NETLINK_CAP_ACK, unix.NETLINK_EXT_ACK, unix.NETLINK_GET_STRICT_CHK:
		default:
			return 0, unix.ENOPROTOOPT
		}
	default:
		return 0, unix.ENOPROTOOPT
	}
	var n int32
	if err := kernel.CopyInStruct(t, a[4], &n); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, unix.EINVAL
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(v))
	n = min(n, 4)
	if err := t.CopyOut(a[3], b[:n]); err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[4], &n)
}

// flush queues the waiting answers on the host pair, as many as it takes.
func (nl *netlinkState) flush() {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	nl.flushLocked()
}

func (nl *netlinkState) flushLocked() {
	for len(nl.pending) > 0 {
		if _, err := unix.Write(nl.peer, nl.pending[0]); err != nil {
			return // full: the next receive tops it up
		}
		nl.pending = nl.pending[1:]
	}
}

// nlmsg is one netlink message header.
type nlmsg struct {
	len   uint32
	typ   uint16
	flags uint16
	seq   uint32
	pid   uint32
}

func parseNlmsg(b []byte) nlmsg {
	return nlmsg{
		len:   binary.LittleEndian.Uint32(b),
		typ:   binary.LittleEndian.Uint16(b[4:]),
		flags: binary.LittleEndian.Uint16(b[6:]),
		seq:   binary.LittleEndian.Uint32(b[8:]),
		pid:   binary.LittleEndian.Uint32(b[12:]),
	}
}

func putNlmsg(b []byte, h nlmsg) {
	binary.LittleEndian.PutUint32(b, h.len)
	binary.LittleEndian.PutUint16(b[4:], h.typ)
	binary.LittleEndian.PutUint16(b[6:], h.flags)
	binary.LittleEndian.PutUint32(b[8:], h.seq)
	binary.LittleEndian.PutUint32(b[12:], h.pid)
}

func nlmsgAlign(n int) int { return (n + 3) &^ 3 }

// request serves the messages of one datagram the app sent, as Linux's
// netlink_rcv_skb does: each complete message with NLM_F_REQUEST is
// served; an NLMSG_ERROR answers a failure, or a success with NLM_F_ACK.
func (nl *netlinkState) request(t *kernel.Task, b []byte) {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	nl.autobind(t)
	for len(b) >= nlmsgHdrLen {
		h := parseNlmsg(b)
		if h.len < nlmsgHdrLen || int(h.len) > len(b) {
			break
		}
		msg := b[:h.len]
		b = b[min(nlmsgAlign(int(h.len)), len(b)):]
		if h.flags&unix.NLM_F_REQUEST == 0 || h.typ < unix.NLMSG_MIN_TYPE {
			if h.flags&unix.NLM_F_ACK != 0 {
				nl.answer([][]byte{nl.errorMsg(msg, 0)})
			}
			continue
		}
		var err error
		switch {
		case h.typ > unix.RTM_MAX:
			err = unix.EOPNOTSUPP
		case (h.typ-unix.RTM_BASE)%4 != 2:
			// RTM_NEW*, RTM_DEL*, RTM_SET*: a change of the network
			// configuration, which the app may not make.
			err = unix.EPERM
		default:
			var out [][]byte
			out, err = nl.get(t, msg, h)
			if err == nil {
				nl.answer(out)
			}
		}
		if err != nil || h.flags&unix.NLM_F_ACK != 0 && h.flags&unix.NLM_F_DUMP != unix.NLM_F_DUMP {
			e, _ := err.(unix.Errno)
			nl.answer([][]byte{nl.errorMsg(msg, e)})
		}
	}
	nl.flushLocked()
}

// answer queues messages, packed into datagrams as a dump fills its skbs.
func (nl *netlinkState) answer(msgs [][]byte) {
	var dg []byte
	for _, m := range msgs {
		if len(dg) > 0 && len(dg)+len(m) > nlmsgGoodSize {
			nl.pending = append(nl.pending, dg)
			dg = nil
		}
		dg = append(dg, m...)
	}
	if len(dg) > 0 {
		nl.pending = append(nl.pending, dg)
	}
}

// errorMsg is the NLMSG_ERROR answering req: the error and the request's
// header, with its payload too for a failure (unless NETLINK_CAP_ACK).
func (nl *netlinkState) errorMsg(req []byte, e unix.Errno) []byte {
	echo, flags := req[:nlmsgHdrLen], uint16(unix.NLM_F_CAPPED)
	if e != 0 && nl.opts[unix.NETLINK_CAP_ACK] == 0 {
		echo, flags = req, 0
	}
	out := make([]byte, nlmsgHdrLen+4+nlmsgAlign(len(echo)))
	h := parseNlmsg(req)
	putNlmsg(out, nlmsg{len: uint32(nlmsgHdrLen + 4 + len(echo)), typ: unix.NLMSG_ERROR, flags: flags, seq: h.seq, pid: nl.port})
	binary.LittleEndian.PutUint32(out[nlmsgHdrLen:], uint32(-int32(e)))
	copy(out[nlmsgHdrLen+4:], echo)
	return out[:nlmsgHdrLen+4+len(echo)]
}

// get answers one RTM_GET* request: the messages, dump's NLMSG_DONE
// included, or the errno for an NLMSG_ERROR.
func (nl *netlinkState) get(t *kernel.Task, req []byte, h nlmsg) ([][]byte, error) {
	var msgs [][]byte
	var err error
	if nw := t.Kernel().Sandbox(); nw != nil && t.Kernel().Net() == kernel.NetSandbox {
		msgs, err = sandboxGet(nw, req, h)
	} else {
		msgs, err = nl.hostGet(req, h)
	}
	for _, m := range msgs {
		// Answers carry the app's sequence number and port id.
		binary.LittleEndian.PutUint32(m[8:], h.seq)
		binary.LittleEndian.PutUint32(m[12:], nl.port)
	}
	return msgs, err
}

// hostGet sends one read-only request to a host NETLINK_ROUTE socket and
// collects its answers: the whole dump to NLMSG_DONE, or the one answer.
// A failure comes back as an NLMSG_ERROR, returned as the errno.
func (nl *netlinkState) hostGet(req []byte, h nlmsg) ([][]byte, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if nl.opts[unix.NETLINK_GET_STRICT_CHK] != 0 {
		unix.SetsockoptInt(fd, solNetlink, unix.NETLINK_GET_STRICT_CHK, 1)
	}
	// Without NLM_F_ACK: the app's ack, if any, is elfloader's to send.
	q := append([]byte(nil), req...)
	binary.LittleEndian.PutUint16(q[6:], h.flags&^unix.NLM_F_ACK)
	binary.LittleEndian.PutUint32(q[8:], 1)
	binary.LittleEndian.PutUint32(q[12:], 0)
	if err := unix.Sendto(fd, q, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	dump := h.flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP
	buf := make([]byte, 64<<10)
	var out [][]byte
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		for b := buf[:n]; len(b) >= nlmsgHdrLen; {
			m := parseNlmsg(b)
			if m.len < nlmsgHdrLen || int(m.len) > len(b) {
				break
			}
			msg := b[:m.len]
			b = b[min(nlmsgAlign(int(m.len)), len(b)):]
			if m.typ == unix.NLMSG_ERROR && len(msg) >= nlmsgHdrLen+4 {
				if e := -int32(binary.LittleEndian.Uint32(msg[nlmsgHdrLen:])); e != 0 {
					return nil, unix.Errno(e)
				}
				return out, nil
			}
			cp := make([]byte, nlmsgAlign(len(msg)))
			copy(cp, msg)
			out = append(out, cp)
			if !dump || m.typ == unix.NLMSG_DONE {
				return out, nil
			}
		}
	}
}

// Read is read(2) of a socket: on a netlink socket the waiting answers are
// queued first.
func (s *Socket) Read(t *kernel.Task, p []byte) (int, error) {
	if s.nl != nil {
		s.nl.flush()
	}
	return s.HostFile.Read(t, p)
}

// Write is write(2) of a socket: on a netlink socket a request to the
// kernel, as send(2).
func (s *Socket) Write(t *kernel.Task, p []byte) (int, error) {
	if s.nl != nil {
		s.nl.request(t, append([]byte(nil), p...))
		return len(p), nil
	}
	return s.HostFile.Write(t, p)
}
