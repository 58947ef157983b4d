package socket

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// wait runs op on the non-blocking host socket with the app's blocking
// rules: EAGAIN is the answer only for a non-blocking socket or
// MSG_DONTWAIT; otherwise the task waits (interruptibly) and retries.
func wait(t *kernel.Task, s *Socket, events int16, dontwait bool, op func() error) error {
	return waitUntil(t, s, events, dontwait, s.deadline(events), op)
}

// waitUntil is wait with the timeout's deadline given (zero: none), for a
// call whose waits share one timeout.
func waitUntil(t *kernel.Task, s *Socket, events int16, dontwait bool, deadline time.Time, op func() error) error {
	for {
		err := op()
		if err == unix.EINTR {
			continue
		}
		if err != unix.EAGAIN || dontwait || s.StatusFlags()&unix.O_NONBLOCK != 0 {
			return err
		}
		n, err := t.PollHost([]unix.PollFd{{Fd: int32(s.FD()), Events: events}}, deadline)
		if err != nil {
			if !deadline.IsZero() && err == kernel.ERESTARTSYS {
				return unix.EINTR // timed socket calls are not restarted
			}
			return err
		}
		if n == 0 && !deadline.IsZero() && !time.Now().Before(deadline) {
			return unix.EAGAIN // SO_RCVTIMEO / SO_SNDTIMEO
		}
	}
}

func sysBind(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	sa, err := readSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if err := landlockPort(t, s.Domain, s.Type, s.Protocol, sa, unix.LANDLOCK_ACCESS_NET_BIND_TCP); err != nil {
		return 0, err
	}
	host, undo, err := toHost(t, s, sa, useBind)
	if err != nil {
		return 0, err
	}
	if err := rawBind(s.FD(), host); err != nil {
		if undo != nil {
			undo()
		}
		s.boundPath = ""
		return 0, err
	}
	return 0, nil
}

func sysConnect(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	sa, err := readSockaddr(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	if err := landlockPort(t, s.Domain, s.Type, s.Protocol, sa, unix.LANDLOCK_ACCESS_NET_CONNECT_TCP); err != nil {
		return 0, err
	}
	host, _, err := toHost(t, s, sa, useConnect)
	if err != nil {
		return 0, err
	}
	err = rawConnect(s.FD(), host)
	if err == unix.EAGAIN && s.Domain == unix.AF_UNIX {
		// A unix listener with a full backlog: blocking sockets wait.
		err = wait(t, s, unix.POLLOUT, false, func() error { return rawConnect(s.FD(), host) })
	}
	if err != unix.EINPROGRESS || s.StatusFlags()&unix.O_NONBLOCK != 0 {
		if err == nil && s.Domain == unix.AF_UNIX && len(sa) > 2 && sa[2] != 0 {
			s.peerPath = unixPath(sa)
		}
		return 0, err
	}
	if err := t.WaitHostFD(s.FD(), unix.POLLOUT); err != nil {
		return 0, unix.EINTR
	}
	soerr, err := unix.GetsockoptInt(s.FD(), unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return 0, err
	}
	if soerr != 0 {
		return 0, unix.Errno(soerr)
	}
	return 0, nil
}

func accept(t *kernel.Task, a shim.Args, flags int) (uint64, error) {
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	var nfd int
	var peer []byte
	err = wait(t, s, unix.POLLIN, false, func() error {
		var e error
		nfd, peer, e = rawAccept4(s.FD(), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		return e
	})
	if err != nil {
		return 0, err
	}
	ns := newSocket(t, nfd, s.Domain, s.Type, s.Protocol, flags&unix.SOCK_NONBLOCK != 0)
	if s.boundPath != "" {
		ns.boundPath = s.boundPath
	}
	// The new socket inherits the listener's timeouts (sk_clone_lock).
	s.mu.Lock()
	ns.rcvTimeo, ns.sndTimeo = s.rcvTimeo, s.sndTimeo
	s.mu.Unlock()
	ns.SetPassTimed(ns.rcvTimeo != 0 || ns.sndTimeo != 0)
	if err := putSockaddr(t, a[1], a[2], fromHost(t, peer)); err != nil {
		ns.DecRef()
		return 0, err
	}
	return install(t, ns, flags&unix.SOCK_CLOEXEC != 0)
}

func sysAccept(t *kernel.Task, a shim.Args) (uint64, error)  { return accept(t, a, 0) }
func sysAccept4(t *kernel.Task, a shim.Args) (uint64, error) { return accept(t, a, a.Int(3)) }

func name(t *kernel.Task, a shim.Args, nr uintptr) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	sa, err := rawName(nr, s.FD())
	if err != nil {
		return 0, err
	}
	return 0, moveAddrToUser(t, a[1], a[2], fromHost(t, sa))
}

func sysGetsockname(t *kernel.Task, a shim.Args) (uint64, error) {
	return name(t, a, unix.SYS_GETSOCKNAME)
}

func sysGetpeername(t *kernel.Task, a shim.Args) (uint64, error) {
	return name(t, a, unix.SYS_GETPEERNAME)
}

// sendFlags are the flags the host sees: never a host SIGPIPE.
func sendFlags(flags int) int { return flags | unix.MSG_NOSIGNAL }

func raisePipe(t *kernel.Task, err error, flags int) {
	if err == unix.EPIPE && flags&unix.MSG_NOSIGNAL == 0 {
		si := kernel.NewSigInfo(int(unix.SIGPIPE), linux.SI_USER)
		si.SetSender(t.Process().PID, t.Process().UID)
		t.SendSignal(si)
	}
}

func sysSendto(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	flags := a.Int(3)
	buf, err := t.AppBytes(a[1], int(min(a[2], 1<<30)), false)
	if err != nil {
		return 0, err
	}
	var to []byte
	if a[4] != 0 {
		sa, err := readSockaddr(t, a[4], a[5])
		if err != nil {
			return 0, err
		}
		if to, _, err = toHost(t, s, sa, useConnect); err != nil {
			return 0, err
		}
	}
	off := 0
	n, err := sendAll(t, s, flags,
		func() (int, error) { return rawSendto(s.FD(), buf[off:], sendFlags(flags), to) },
		func(m int) bool { off += m; return off < len(buf) })
	return uint64(n), err
}

// sendAll makes a send: send is one host call of what is left, sent says
// that m more bytes went and whether any are left. A stream socket gets
// everything, waiting for room as its mode allows; a signal, a full
// non-blocking socket or an error after part of it ends the call with the
// part (Linux's unix_stream_sendmsg and tcp_sendmsg; no SIGPIPE then).
func sendAll(t *kernel.Task, s *Socket, flags int, send func() (int, error), sent func(m int) bool) (int, error) {
	var n int
	var err error
	// Linux's TCP send keeps one SO_SNDTIMEO for the whole call
	// (sk_stream_wait_memory counts it down); an AF_UNIX stream socket's
	// takes it afresh for each wait for room (sock_alloc_send_pskb).
	whole := s.Domain != unix.AF_UNIX
	var deadline time.Time
	if whole {
		deadline = s.deadline(unix.POLLOUT)
	}
	for {
		var m int
		if !whole {
			deadline = s.deadline(unix.POLLOUT)
		}
		err = waitUntil(t, s, unix.POLLOUT, flags&unix.MSG_DONTWAIT != 0, deadline, func() error {
			var e error
			m, e = send()
			return e
		})
		if err != nil {
			if n > 0 {
				err = nil
			}
			break
		}
		n += m
		if s.Type != unix.SOCK_STREAM || m == 0 || !sent(m) {
			break
		}
	}
	raisePipe(t, err, flags)
	return n, err
}

// receiveAll completes a receive with MSG_WAITALL on a stream socket
// that got n of its total bytes: it receives more (recv from offset off of
// the buffer) until the buffer is full, the peer closes, or a signal, an
// error or the call's timeout (deadline) ends it, and returns the count.
func receiveAll(t *kernel.Task, s *Socket, flags int, deadline time.Time, n, total int, recv func(off int) (int, error)) int {
	if flags&unix.MSG_WAITALL == 0 || flags&unix.MSG_PEEK != 0 || s.Type != unix.SOCK_STREAM {
		return n
	}
	for n > 0 && n < total {
		var m int
		e := waitUntil(t, s, unix.POLLIN, flags&unix.MSG_DONTWAIT != 0, deadline, func() error {
			var e error
			m, e = recv(n)
			return e
		})
		if e != nil || m == 0 {
			break
		}
		n += m
	}
	return n
}

func sysRecvfrom(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	flags := a.Int(3)
	buf, err := t.AppBytes(a[1], int(min(a[2], 1<<30)), true)
	if err != nil {
		return 0, err
	}
	var n, fromLen int
	var from []byte
	if a[4] != 0 {
		from = t.Scratch(maxSockaddr) // the sender's address is wanted
	}
	// One SO_RCVTIMEO for the whole call, MSG_WAITALL's waits too
	// (tcp_recvmsg, unix_stream_read_generic).
	deadline := s.deadline(unix.POLLIN)
	err = waitUntil(t, s, unix.POLLIN, flags&unix.MSG_DONTWAIT != 0, deadline, func() error {
		var e error
		n, fromLen, e = rawRecvfrom(s.FD(), buf, flags&^(unix.MSG_CMSG_CLOEXEC|unix.MSG_WAITALL), from)
		return e
	})
	if err == nil {
		n = receiveAll(t, s, flags, deadline, n, len(buf), func(off int) (int, error) {
			m, _, e := rawRecvfrom(s.FD(), buf[off:], 0, nil)
			return m, e
		})
	}
	if err != nil {
		return 0, err
	}
	if a[4] != 0 && (fromLen > 0 || s.nl != nil) {
		if err := putSockaddr(t, a[4], a[5], s.source(t, from[:fromLen])); err != nil {
			return 0, err
		}
	} else if a[5] != 0 && a[4] != 0 {
		var lb [4]byte
		t.CopyOut(a[5], lb[:])
	}
	return uint64(n), nil
}

// appMsghdr is the kernel's struct user_msghdr with the app's pointers as
// addresses (unix.Msghdr has the layout but holds Go pointers, which must
// never carry app addresses).
type appMsghdr struct {
	name       uint64
	namelen    uint32
	_          uint32
	iov        uint64
	iovlen     uint64
	control    uint64
	controllen uint64
	flags      int32
	_          uint32
}

// The struct is the kernel's to the byte.
var _ = [1]struct{}{}[unsafe.Sizeof(appMsghdr{})-linux.SizeofMsghdr]

// Offsets of the fields recvmsg writes back.
const (
	msgNamelenOff    = uint64(unsafe.Offsetof(appMsghdr{}.namelen))
	msgControllenOff = uint64(unsafe.Offsetof(appMsghdr{}.controllen))
	msgFlagsOff      = uint64(unsafe.Offsetof(appMsghdr{}.flags))
)

func readMsghdr(t *kernel.Task, addr uint64) (appMsghdr, error) {
	var m appMsghdr
	err := kernel.CopyInStruct(t, addr, &m)
	return m, err
}

// readMessage reads the struct msghdr at addr and its iovec buffers
// (written by a receive when write is set).
func readMessage(t *kernel.Task, addr uint64, write bool) (appMsghdr, [][]byte, error) {
	m, err := readMsghdr(t, addr)
	if err != nil {
		return m, nil, err
	}
	bufs, err := iovBuffers(t, m, write)
	return m, bufs, err
}

func iovBuffers(t *kernel.Task, m appMsghdr, write bool) ([][]byte, error) {
	if m.iovlen > linux.UIO_MAXIOV {
		return nil, unix.EMSGSIZE
	}
	iov, err := t.CopyInIovecs(m.iov, int(m.iovlen))
	if err != nil {
		return nil, err
	}
	bufs := make([][]byte, 0, len(iov))
	for _, v := range iov {
		b, err := t.AppBytes(v.Base, int(v.Len), write)
		if err != nil {
			return nil, err
		}
		bufs = append(bufs, b)
	}
	return bufs, nil
}

func sendmsg(t *kernel.Task, s *Socket, addr uint64, flags int) (int, error) {
	m, bufs, err := readMessage(t, addr, false)
	if err != nil {
		return 0, err
	}
	var to []byte
	if m.name != 0 && m.namelen > 0 {
		sa, err := readSockaddr(t, m.name, uint64(m.namelen))
		if err != nil {
			return 0, err
		}
		if to, _, err = toHost(t, s, sa, useConnect); err != nil {
			return 0, err
		}
	}
	var control []byte
	if m.control != 0 && m.controllen > 0 {
		if m.controllen > 1<<16 {
			return 0, unix.ENOBUFS
		}
		control = make([]byte, m.controllen)
		if err := t.CopyIn(m.control, control); err != nil {
			return 0, err
		}
		var held []kernel.File
		control, held, err = rightsToHost(t, control)
		defer dropAll(held)
		if err != nil {
			return 0, err
		}
	}
	// The control data goes with the first part (sendAll).
	return sendAll(t, s, flags,
		func() (int, error) { return rawSendmsg(s.FD(), bufs, to, control, sendFlags(flags)) },
		func(m int) bool { bufs, control = skipBytes(bufs, m), nil; return len(bufs) > 0 })
}

// totalLen is the number of bytes bufs hold.
func totalLen(bufs [][]byte) int {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// skipBytes drops the first n bytes of bufs, and the buffers left empty.
func skipBytes(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if len(bufs) > 0 && n > 0 {
		bufs = append([][]byte{bufs[0][n:]}, bufs[1:]...)
	}
	return bufs
}

func sysSendmsg(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	n, err := sendmsg(t, s, a[1], a.Int(2))
	return uint64(n), err
}

func recvmsg(t *kernel.Task, s *Socket, addr uint64, flags int) (int, error) {
	m, bufs, err := readMessage(t, addr, true)
	if err != nil {
		return 0, err
	}
	// The kernel writes only the control messages themselves: the padding
	// after the last one keeps the app's bytes, so start from them.
	control := make([]byte, min(m.controllen, 1<<16))
	if m.control != 0 {
		_ = t.CopyIn(m.control, control) // an unreadable buffer faults below, when written
	}
	var n, mflags int
	var from, received []byte
	deadline := s.deadline(unix.POLLIN)
	err = waitUntil(t, s, unix.POLLIN, flags&unix.MSG_DONTWAIT != 0, deadline, func() error {
		var e error
		n, from, received, mflags, e = rawRecvmsg(s.FD(), bufs, control, flags&^(unix.MSG_CMSG_CLOEXEC|unix.MSG_WAITALL))
		return e
	})
	if err != nil {
		return 0, err
	}
	// The rest of the data only: control messages came with the first.
	n = receiveAll(t, s, flags, deadline, n, totalLen(bufs), func(off int) (int, error) {
		m, _, _, _, e := rawRecvmsg(s.FD(), skipBytes(bufs, off), nil, 0)
		return m, e
	})
	control = received
	// The host call always asks for MSG_CMSG_CLOEXEC (elfloader's own
	// descriptors); msg_flags shows the app's: Linux's recvmsg starts
	// msg_flags from the call's MSG_CMSG_CLOEXEC before the protocol adds
	// MSG_TRUNC, MSG_CTRUNC, MSG_EOR, MSG_OOB or MSG_ERRQUEUE.
	mflags = mflags&^unix.MSG_CMSG_CLOEXEC | flags&unix.MSG_CMSG_CLOEXEC
	if len(control) > 0 {
		if control, err = rightsFromHost(t, control, flags&unix.MSG_CMSG_CLOEXEC != 0); err != nil {
			return 0, err
		}
		if err := t.CopyOut(m.control, control); err != nil {
			return 0, err
		}
	}
	if err := kernel.CopyOutValue(t, addr+msgControllenOff, uint64(len(control))); err != nil {
		return 0, err
	}
	if err := kernel.CopyOutValue(t, addr+msgFlagsOff, int32(mflags)); err != nil {
		return 0, err
	}
	if m.name != 0 {
		sa := s.source(t, from)
		if err := t.CopyOut(m.name, sa[:min(len(sa), int(m.namelen))]); err != nil {
			return 0, err
		}
		if err := kernel.CopyOutValue(t, addr+msgNamelenOff, uint32(len(sa))); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func sysRecvmsg(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	n, err := recvmsg(t, s, a[1], a.Int(2))
	return uint64(n), err
}

// msgCall is sendmsg or recvmsg of one message header at addr.
type msgCall func(addr uint64, flags int) (int, error)

// mmsg serves sendmmsg and recvmmsg: one msgCall per struct mmsghdr, its
// msg_len written back; an error after the first message ends the batch
// with the count so far. MSG_WAITFORONE (recvmmsg) waits only for the
// first. deadline (zero: none) is recvmmsg's timeout, which Linux looks at
// between messages: a blocking receive itself is not cut short.
func mmsg(t *kernel.Task, a shim.Args, call msgCall, deadline time.Time) (uint64, error) {
	vlen, flags := min(a.Int(2), linux.UIO_MAXIOV), a.Int(3)
	for i := 0; i < vlen; i++ {
		addr := a[1] + uint64(i)*linux.SizeofMmsghdr
		n, err := call(addr, flags&^unix.MSG_WAITFORONE)
		if err != nil {
			if i > 0 {
				return uint64(i), nil
			}
			return 0, err
		}
		msgLen := uint32(n) // struct mmsghdr's msg_len
		if err := kernel.CopyOutStruct(t, addr+linux.SizeofMsghdr, &msgLen); err != nil {
			return uint64(i), err
		}
		if flags&unix.MSG_WAITFORONE != 0 {
			flags |= unix.MSG_DONTWAIT
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return uint64(i + 1), nil
		}
	}
	return uint64(vlen), nil
}

// withRecvmmsgTimeout runs a recvmmsg with the deadline of its timeout
// argument (a[4]) and, as Linux does, writes the time left back.
func withRecvmmsgTimeout(t *kernel.Task, a shim.Args, recv func(deadline time.Time) (uint64, error)) (uint64, error) {
	var deadline time.Time
	if a[4] != 0 {
		var ts unix.Timespec
		if err := kernel.CopyInStruct(t, a[4], &ts); err != nil {
			return 0, err
		}
		if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
			return 0, unix.EINVAL
		}
		deadline = time.Now().Add(time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec))
	}
	n, err := recv(deadline)
	if a[4] != 0 && err == nil {
		left := unix.NsecToTimespec(max(time.Until(deadline), 0).Nanoseconds())
		if kernel.CopyOutStruct(t, a[4], &left) != nil {
			return 0, unix.EFAULT
		}
	}
	return n, err
}

func sysSendmmsg(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	return mmsg(t, a, func(addr uint64, flags int) (int, error) { return sendmsg(t, s, addr, flags) }, time.Time{})
}

func sysRecvmmsg(t *kernel.Task, a shim.Args) (uint64, error) {
	s, err := getSocket(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer s.DecRef()
	return withRecvmmsgTimeout(t, a, func(deadline time.Time) (uint64, error) {
		return mmsg(t, a, func(addr uint64, flags int) (int, error) { return recvmsg(t, s, addr, flags) }, deadline)
	})
}
