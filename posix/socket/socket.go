package socket

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_SOCKET, shim.Partial, "AF_INET, AF_INET6 (host sockets, or with --net=sandbox TCP, UDP and ping sockets of the app's own stack), AF_UNIX (app-private), AF_NETLINK NETLINK_ROUTE (read-only: RTM_GET* requests answered from the host's tables, or the sandbox stack's links and addresses; changes EPERM; no multicast notifications); other families EAFNOSUPPORT", sysSocket)
	tb.Register(unix.SYS_SOCKETPAIR, shim.Full, "AF_UNIX", sysSocketpair)
	tb.Register(unix.SYS_BIND, shim.Full, "unix paths live in the app's vfs; --net=none allows loopback only", netlinkRoute(route(sysBind, stackBind), netlinkBind))
	tb.Register(unix.SYS_LISTEN, shim.Full, "", netlinkRoute(route(sysListen, stackListen), netlinkNoListen))
	tb.Register(unix.SYS_ACCEPT, shim.Full, "", netlinkRoute(route(sysAccept, stackAccept0), netlinkNoListen))
	tb.Register(unix.SYS_ACCEPT4, shim.Full, "", netlinkRoute(route(sysAccept4, stackAccept4), netlinkNoListen))
	tb.Register(unix.SYS_CONNECT, shim.Full, "blocking and non-blocking (EINPROGRESS, SO_ERROR)", netlinkRoute(route(sysConnect, stackConnect), netlinkConnect))
	tb.Register(unix.SYS_GETSOCKNAME, shim.Full, "", netlinkRoute(route(sysGetsockname, stackGetsockname), netlinkGetsockname))
	tb.Register(unix.SYS_GETPEERNAME, shim.Full, "", netlinkRoute(route(sysGetpeername, stackGetpeername), netlinkGetpeername))
	tb.Register(unix.SYS_SHUTDOWN, shim.Full, "", route(sysShutdown, stackShutdown))
	tb.Register(unix.SYS_SENDTO, shim.Full, "", netlinkRoute(route(sysSendto, stackSendto), netlinkSendto))
	tb.Register(unix.SYS_RECVFROM, shim.Full, "", netlinkRoute(route(sysRecvfrom, stackRecvfrom), netlinkRecv(sysRecvfrom)))
	tb.Register(unix.SYS_SENDMSG, shim.Partial, "SCM_RIGHTS for host-backed descriptors; other control messages pass through (--net=sandbox: not applied)", netlinkRoute(route(sysSendmsg, stackMsg(stackSendmsg)), netlinkSendmsg))
	tb.Register(unix.SYS_RECVMSG, shim.Partial, "SCM_RIGHTS received descriptors become app descriptors (--net=sandbox: no control messages)", netlinkRoute(route(sysRecvmsg, stackMsg(stackRecvmsg)), netlinkRecv(sysRecvmsg)))
	tb.Register(unix.SYS_SENDMMSG, shim.Full, "", netlinkRoute(route(sysSendmmsg, stackMmsg(stackSendmsg)), netlinkSendmmsg))
	tb.Register(unix.SYS_RECVMMSG, shim.Full, "the timeout is looked at between datagrams and the time left written back, as Linux does", netlinkRoute(route(sysRecvmmsg, stackRecvmmsg), netlinkRecv(sysRecvmmsg)))
	tb.Register(unix.SYS_SETSOCKOPT, shim.Full, "applied to the host socket (--net=sandbox: the common SOL_SOCKET, TCP, IP and IPv6 options of the app's stack)", netlinkRoute(route(sysSetsockopt, stackSetsockopt), netlinkSetsockopt))
	tb.Register(unix.SYS_GETSOCKOPT, shim.Full, "from the host socket (--net=sandbox: from the app's stack)", netlinkRoute(route(sysGetsockopt, stackGetsockopt), netlinkGetsockopt))
}

// Socket is an app socket: a host socket plus what the app must see that
// differs from the host (the unix path it bound, its connected path).
type Socket struct {
	*kernel.HostFile
	Domain, Type, Protocol int
	boundPath              string        // app path of a bound AF_UNIX socket
	peerPath               string        // app path a unix socket connected to
	nl                     *netlinkState // an AF_NETLINK socket's kernel half (netlink.go)

	mu                 sync.Mutex
	rcvTimeo, sndTimeo time.Duration // SO_RCVTIMEO, SO_SNDTIMEO
}

// timeout is the SO_RCVTIMEO (POLLIN) or SO_SNDTIMEO (POLLOUT) of the
// socket; the host socket is non-blocking, so elfloader applies them.
func (s *Socket) timeout(events int16) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if events&unix.POLLIN != 0 {
		return s.rcvTimeo
	}
	return s.sndTimeo
}

// deadline is when a call that starts now and waits for events times out
// (SO_RCVTIMEO, SO_SNDTIMEO); zero when it does not.
func (s *Socket) deadline(events int16) time.Time {
	if d := s.timeout(events); d > 0 {
		return time.Now().Add(d)
	}
	return time.Time{}
}

func newSocket(t *kernel.Task, hostFD, domain, typ, proto int, nonblock bool) *Socket {
	fl := unix.O_RDWR
	if nonblock {
		fl |= unix.O_NONBLOCK
	}
	s := &Socket{HostFile: kernel.NewOwnedHostFile(hostFD, "socket", fl), Domain: domain, Type: typ, Protocol: proto}
	if domain != unix.AF_NETLINK {
		// Its reads and writes are the host's (netlink's are answered
		// by elfloader): the platform may pass them through.
		t.PassThrough(s.HostFile, true)
	}
	return s
}

// install gives a new socket a descriptor; the socket's creation
// reference ends here.
func install(t *kernel.Task, s kernel.File, cloexec bool) (uint64, error) {
	defer s.DecRef()
	fd, err := t.Process().Files().Install(s, 0, cloexec)
	return uint64(fd), err
}

func getSocket(t *kernel.Task, fd int) (*Socket, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, err
	}
	s, ok := f.(*Socket)
	if !ok {
		f.DecRef()
		return nil, unix.ENOTSOCK
	}
	return s, nil
}

func sysSocket(t *kernel.Task, a shim.Args) (uint64, error) {
	domain, typ, proto := a.Int(0), a.Int(1), a.Int(2)
	base := typ &^ (unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC)
	switch domain {
	case unix.AF_INET, unix.AF_INET6, unix.AF_UNIX:
	case unix.AF_NETLINK:
		return newNetlinkSocket(t, base, proto, typ)
	default:
		return 0, unix.EAFNOSUPPORT
	}
	switch base {
	case unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET, unix.SOCK_RAW:
	default:
		return 0, unix.EINVAL
	}
	if base == unix.SOCK_RAW {
		return 0, unix.EPERM
	}
	if domain != unix.AF_UNIX && t.Kernel().Net() == kernel.NetSandbox {
		return newSandboxSocket(t, domain, base, proto, typ)
	}
	fd, err := unix.Socket(domain, base|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return 0, err
	}
	return install(t, newSocket(t, fd, domain, base, proto, typ&unix.SOCK_NONBLOCK != 0), typ&unix.SOCK_CLOEXEC != 0)
}

func sysSocketpair(t *kernel.Task, a shim.Args) (uint64, error) {
	domain, typ, proto := a.Int(0), a.Int(1), a.Int(2)
	if domain != unix.AF_UNIX {
		return 0, unix.EOPNOTSUPP
	}
	base := typ &^ (unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC)
	fds, err := unix.Socketpair(domain, base|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return 0, err
	}
	nb, cloexec := typ&unix.SOCK_NONBLOCK != 0, typ&unix.SOCK_CLOEXEC != 0
	s0, s1 := newSocket(t, fds[0], domain, base, proto, nb), newSocket(t, fds[1], domain, base, proto, nb)
	defer s0.DecRef()
	defer s1.DecRef()
	return 0, t.InstallPair(s0, s1, cloexec, a[3])
}

func sysListen(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	return 0, unix.Listen(s.FD(), a.Int(1))
}

func sysShutdown(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	return 0, unix.Shutdown(s.FD(), a.Int(1))
}

// optionValue copies in setsockopt's value (at most a page: EINVAL).
func optionValue(t *kernel.Task, a shim.Args) ([]byte, error) {
	n := a[4]
	if n > 4096 {
		return nil, unix.EINVAL
	}
	buf := make([]byte, n)
	if err := t.CopyIn(a[3], buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func sysSetsockopt(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	buf, err := optionValue(t, a)
	if err != nil {
		return 0, err
	}
	if err := rawSetsockopt(s.FD(), a.Int(1), a.Int(2), buf); err != nil {
		return 0, err
	}
	if a.Int(1) == unix.SOL_SOCKET && (a.Int(2) == unix.SO_RCVTIMEO || a.Int(2) == unix.SO_SNDTIMEO) && len(buf) >= linux.SizeofTimeval {
		var tv unix.Timeval
		kernel.DecodeStruct(buf, &tv)
		d := time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond
		s.mu.Lock()
		if a.Int(2) == unix.SO_RCVTIMEO {
			s.rcvTimeo = d
		} else {
			s.sndTimeo = d
		}
		s.SetPassTimed(s.rcvTimeo != 0 || s.sndTimeo != 0)
		s.mu.Unlock()
	}
	return 0, nil
}

func sysGetsockopt(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	var n int32
	if err := kernel.CopyInStruct(t, a[4], &n); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, unix.EINVAL
	}
	buf := make([]byte, min(n, 4096))
	got, err := rawGetsockopt(s.FD(), a.Int(1), a.Int(2), buf)
	if err != nil {
		return 0, err
	}
	if err := t.CopyOut(a[3], buf[:got]); err != nil {
		return 0, err
	}
	n = int32(got)
	return 0, kernel.CopyOutStruct(t, a[4], &n)
}
