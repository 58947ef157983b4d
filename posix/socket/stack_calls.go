//go:build !elfloader_lean

package socket

import (
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/netstack"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// stackCall serves a call on a sandbox socket.
type stackCall func(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error)

// route is the handler of a socket call: by the descriptor in its first
// argument, a sandbox socket is served by onSandbox, anything else by the
// host handler.
func route(host shim.Handler, onSandbox stackCall) shim.Handler {
	return func(t *kernel.Task, a shim.Args) (uint64, error) {
		f, err := t.Process().Files().Get(a.Int(0))
		if err != nil {
			return 0, err
		}
		s, ok := f.(*stackSocket)
		if !ok {
			f.DecRef()
			return host(t, a)
		}
		defer s.DecRef()
		return onSandbox(t, s, a)
	}
}

// newSandboxSocket makes an endpoint of the sandbox's stack for
// socket(domain, base|flags, proto): TCP, UDP and ICMP echo ("ping
// sockets") over IPv4 and IPv6.
func newSandboxSocket(t *kernel.Task, domain, base, proto int, flags int) (uint64, error) {
	var transport tcpip.TransportProtocolNumber
	switch {
	case base == unix.SOCK_STREAM && (proto == 0 || proto == unix.IPPROTO_TCP):
		transport, proto = tcp.ProtocolNumber, unix.IPPROTO_TCP
	case base == unix.SOCK_DGRAM && (proto == 0 || proto == unix.IPPROTO_UDP):
		transport, proto = udp.ProtocolNumber, unix.IPPROTO_UDP
	case base == unix.SOCK_DGRAM && domain == unix.AF_INET && proto == unix.IPPROTO_ICMP:
		transport = icmp.ProtocolNumber4 // a ping socket
	case base == unix.SOCK_DGRAM && domain == unix.AF_INET6 && proto == unix.IPPROTO_ICMPV6:
		transport = icmp.ProtocolNumber6
	case base == unix.SOCK_STREAM || base == unix.SOCK_DGRAM:
		return 0, unix.EPROTONOSUPPORT
	default:
		return 0, unix.ESOCKTNOSUPPORT
	}
	network := ipv4.ProtocolNumber
	if domain == unix.AF_INET6 {
		network = ipv6.ProtocolNumber
	}
	nw, _ := t.Kernel().Sandbox().(*netstack.Network)
	if nw == nil {
		return 0, unix.EAFNOSUPPORT // a kernel configured without its network
	}
	var q waiter.Queue
	ep, err := nw.Stack().NewEndpoint(transport, network, &q)
	if err != nil {
		return 0, errnoOf(err)
	}
	s := newStackSocket(ep, &q, domain, base, proto, flags&unix.SOCK_NONBLOCK != 0)
	return install(t, s, flags&unix.SOCK_CLOEXEC != 0)
}

func stackBind(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	sa, err := readSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if err := landlockPort(t, s.family, s.typ, s.proto, sa, unix.LANDLOCK_ACCESS_NET_BIND_TCP); err != nil {
		return 0, err
	}
	addr, err := stackAddress(s.family, sa)
	if err != nil {
		return 0, err
	}
	return 0, errnoOf(s.ep.Bind(addr))
}

func stackListen(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	if s.typ != unix.SOCK_STREAM {
		return 0, unix.EOPNOTSUPP
	}
	backlog := min(max(a.Int(1), 0), unix.SOMAXCONN*16)
	return 0, errnoOf(s.ep.Listen(backlog))
}

// stackConnect connects; a blocking TCP connect waits for the handshake
// and answers its outcome, a non-blocking one EINPROGRESS (SO_ERROR then).
func stackConnect(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	sa, err := readSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if len(sa) >= 2 && sockaddrFamily(sa) == unix.AF_UNSPEC {
		return 0, errnoOf(s.ep.Disconnect())
	}
	if err := landlockPort(t, s.family, s.typ, s.proto, sa, unix.LANDLOCK_ACCESS_NET_CONNECT_TCP); err != nil {
		return 0, err
	}
	addr, err := stackAddress(s.family, sa)
	if err != nil {
		return 0, err
	}
	switch cerr := s.ep.Connect(addr); cerr.(type) {
	case nil:
		return 0, nil
	case *tcpip.ErrConnectStarted:
	case *tcpip.ErrAlreadyConnecting:
		if s.nonblocking() {
			return 0, unix.EALREADY
		}
		// A blocking connect restarted after a signal waits on.
	default:
		return 0, errnoOf(cerr)
	}
	if s.nonblocking() {
		return 0, unix.EINPROGRESS
	}
	if err := s.awaitConnect(t); err != nil {
		return 0, err
	}
	// Tell the endpoint the app heard of the connection: the next
	// connect is EISCONN, as after Linux's blocking connect.
	s.ep.Connect(addr)
	return 0, nil
}

// awaitConnect waits for a blocking connect's handshake as Linux does:
// bounded by SO_SNDTIMEO (EINPROGRESS then), restarted after a signal
// handler with SA_RESTART unless a timeout is set (EINTR then).
func (s *stackSocket) awaitConnect(t *kernel.Task) error {
	var deadline time.Time
	if d := s.timeout(false); d > 0 {
		deadline = time.Now().Add(d)
	}
	for s.Readiness(vfs.EventOut) == 0 {
		switch err := s.block(t, vfs.EventOut, deadline); {
		case err == unix.ETIMEDOUT:
			return unix.EINPROGRESS
		case err == kernel.ERESTARTSYS && !deadline.IsZero():
			return unix.EINTR
		case err != nil:
			return err
		}
	}
	return errnoOf(s.ep.LastError())
}

func stackAccept(t *kernel.Task, s *stackSocket, a shim.Args, flags int) (uint64, error) {
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	var peer tcpip.FullAddress
	var ep tcpip.Endpoint
	var q *waiter.Queue
	err := s.retry(t, vfs.EventIn, false, func() tcpip.Error {
		var err tcpip.Error
		ep, q, err = s.ep.Accept(&peer)
		return err
	})
	if err != nil {
		return 0, err
	}
	ns := newStackSocket(ep, q, s.family, s.typ, s.proto, flags&unix.SOCK_NONBLOCK != 0)
	if err := putSockaddr(t, a[1], a[2], appSockaddr(s.family, peer)); err != nil {
		ns.DecRef()
		return 0, err
	}
	return install(t, ns, flags&unix.SOCK_CLOEXEC != 0)
}

func stackAccept4(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	return stackAccept(t, s, a, a.Int(3))
}

func stackAccept0(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	return stackAccept(t, s, a, 0)
}

func stackGetsockname(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	addr, err := s.ep.GetLocalAddress()
	if err != nil {
		return 0, errnoOf(err)
	}
	return 0, moveAddrToUser(t, a[1], a[2], appSockaddr(s.family, addr))
}

func stackGetpeername(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	addr, err := s.ep.GetRemoteAddress()
	if err != nil {
		return 0, errnoOf(err)
	}
	return 0, moveAddrToUser(t, a[1], a[2], appSockaddr(s.family, addr))
}

func stackShutdown(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	var how tcpip.ShutdownFlags
	switch a.Int(1) {
	case unix.SHUT_RD:
		how = tcpip.ShutdownRead
	case unix.SHUT_WR:
		how = tcpip.ShutdownWrite
	case unix.SHUT_RDWR:
		how = tcpip.ShutdownRead | tcpip.ShutdownWrite
	default:
		return 0, unix.EINVAL
	}
	return 0, errnoOf(s.ep.Shutdown(how))
}

// destination reads a sendto/sendmsg address; a stream socket ignores it
// as Linux's TCP does once connected.
func (s *stackSocket) destination(t *kernel.Task, addr, n uint64) (*tcpip.FullAddress, error) {
	if addr == 0 || n == 0 || s.typ == unix.SOCK_STREAM {
		return nil, nil
	}
	sa, err := readSockaddr(t, addr, n)
	if err != nil {
		return nil, err
	}
	to, err := stackAddress(s.family, sa)
	if err != nil {
		return nil, err
	}
	return &to, nil
}

func stackSendto(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	buf, err := t.AppBytes(a[1], int(min(a[2], 1<<30)), false)
	if err != nil {
		return 0, err
	}
	to, err := s.destination(t, a[4], a[5])
	if err != nil {
		return 0, err
	}
	n, err := s.send(t, [][]byte{buf}, to, a.Int(3))
	return uint64(n), err
}

// result is a receive's return value: with MSG_TRUNC a datagram's full size.
func (r received) result(s *stackSocket, flags int) int {
	if flags&unix.MSG_TRUNC != 0 && s.typ == unix.SOCK_DGRAM {
		return r.total
	}
	return r.n
}

func stackRecvfrom(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	buf, err := t.AppBytes(a[1], int(min(a[2], 1<<30)), true)
	if err != nil {
		return 0, err
	}
	flags := a.Int(3)
	r, err := s.recv(t, [][]byte{buf}, flags)
	if err != nil {
		return 0, err
	}
	if a[4] != 0 && s.typ == unix.SOCK_DGRAM {
		if err := putSockaddr(t, a[4], a[5], appSockaddr(s.family, r.from)); err != nil {
			return 0, err
		}
	}
	return uint64(r.result(s, flags)), nil
}

func stackSendmsg(t *kernel.Task, s *stackSocket, addr uint64, flags int) (int, error) {
	m, bufs, err := readMessage(t, addr, false)
	if err != nil {
		return 0, err
	}
	to, err := s.destination(t, m.name, uint64(m.namelen))
	if err != nil {
		return 0, err
	}
	// Control messages (IP_TOS and the like) are not applied.
	return s.send(t, bufs, to, flags)
}

func stackRecvmsg(t *kernel.Task, s *stackSocket, addr uint64, flags int) (int, error) {
	m, bufs, err := readMessage(t, addr, true)
	if err != nil {
		return 0, err
	}
	r, err := s.recv(t, bufs, flags)
	if err != nil {
		return 0, err
	}
	mflags := int32(flags & unix.MSG_CMSG_CLOEXEC) // as Linux's recvmsg starts msg_flags
	if r.total > r.n && s.typ == unix.SOCK_DGRAM {
		mflags |= unix.MSG_TRUNC
	}
	if err := kernel.CopyOutValue(t, addr+msgControllenOff, uint64(0)); err != nil {
		return 0, err
	}
	if err := kernel.CopyOutValue(t, addr+msgFlagsOff, mflags); err != nil {
		return 0, err
	}
	if m.name != 0 && s.typ == unix.SOCK_DGRAM {
		sa := appSockaddr(s.family, r.from)
		if err := t.CopyOut(m.name, sa[:min(len(sa), int(m.namelen))]); err != nil {
			return 0, err
		}
		if err := kernel.CopyOutValue(t, addr+msgNamelenOff, uint32(len(sa))); err != nil {
			return 0, err
		}
	} else if m.name != 0 {
		if err := kernel.CopyOutValue(t, addr+msgNamelenOff, uint32(0)); err != nil {
			return 0, err
		}
	}
	return r.result(s, flags), nil
}

func stackSetsockopt(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	buf, err := optionValue(t, a)
	if err != nil {
		return 0, err
	}
	return 0, s.setsockopt(a.Int(1), a.Int(2), buf)
}

func stackGetsockopt(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	var n int32
	if err := kernel.CopyInStruct(t, a[4], &n); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, unix.EINVAL
	}
	val, err := s.getsockopt(a.Int(1), a.Int(2))
	if err != nil {
		return 0, err
	}
	val = val[:min(int(n), len(val))]
	if err := t.CopyOut(a[3], val); err != nil {
		return 0, err
	}
	n = int32(len(val))
	return 0, kernel.CopyOutStruct(t, a[4], &n)
}

// stackMsg serves sendmsg or recvmsg on a sandbox socket.
func stackMsg(call func(t *kernel.Task, s *stackSocket, addr uint64, flags int) (int, error)) stackCall {
	return func(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
		n, err := call(t, s, a[1], a.Int(2))
		return uint64(n), err
	}
}

// stackMmsg serves sendmmsg or recvmmsg on a sandbox socket.
func stackMmsg(call func(t *kernel.Task, s *stackSocket, addr uint64, flags int) (int, error)) stackCall {
	return func(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
		return mmsg(t, a, func(addr uint64, flags int) (int, error) { return call(t, s, addr, flags) }, time.Time{})
	}
}

// stackRecvmmsg is stackMmsg(stackRecvmsg) with recvmmsg's timeout.
func stackRecvmmsg(t *kernel.Task, s *stackSocket, a shim.Args) (uint64, error) {
	return withRecvmmsgTimeout(t, a, func(deadline time.Time) (uint64, error) {
		return mmsg(t, a, func(addr uint64, flags int) (int, error) { return stackRecvmsg(t, s, addr, flags) }, deadline)
	})
}
