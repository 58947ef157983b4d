package socket

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw host socket calls on byte-level socket addresses, so that addresses
// pass through unchanged except where the app's view must differ. Host
// sockets are always non-blocking, so these calls never block and use
// RawSyscall: the Go scheduler need not hand the thread's P over for them.

func ptr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func rawBind(fd int, sa []byte) error {
	_, _, e := unix.RawSyscall(unix.SYS_BIND, uintptr(fd), ptr(sa), uintptr(len(sa)))
	return errnoErr(e)
}

func rawConnect(fd int, sa []byte) error {
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), ptr(sa), uintptr(len(sa)))
	return errnoErr(e)
}

const maxSockaddr = 128

func rawName(nr uintptr, fd int) ([]byte, error) {
	buf := make([]byte, maxSockaddr)
	n := uint32(len(buf))
	_, _, e := unix.RawSyscall(nr, uintptr(fd), ptr(buf), uintptr(unsafe.Pointer(&n)))
	if e != 0 {
		return nil, e
	}
	return buf[:min(int(n), len(buf))], nil
}

func rawAccept4(fd, flags int) (int, []byte, error) {
	buf := make([]byte, maxSockaddr)
	n := uint32(len(buf))
	r, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(fd), ptr(buf), uintptr(unsafe.Pointer(&n)), uintptr(flags), 0, 0)
	if e != 0 {
		return -1, nil, e
	}
	return int(r), buf[:min(int(n), len(buf))], nil
}

func rawSendto(fd int, p []byte, flags int, to []byte) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), ptr(p), uintptr(len(p)), uintptr(flags), ptr(to), uintptr(len(to)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// rawRecvfrom receives into p and, when from is not empty, the sender's
// address into from; it returns the bytes received and the address's
// length.
func rawRecvfrom(fd int, p []byte, flags int, from []byte) (int, int, error) {
	n := uint32(len(from))
	var fromPtr, lenPtr uintptr
	if len(from) > 0 {
		fromPtr, lenPtr = ptr(from), uintptr(unsafe.Pointer(&n))
	}
	r, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), ptr(p), uintptr(len(p)), uintptr(flags), fromPtr, lenPtr)
	if e != 0 {
		return 0, 0, e
	}
	return int(r), min(int(n), len(from)), nil
}

// hostMsghdr mirrors struct msghdr.
type hostMsghdr struct {
	name       uintptr
	namelen    uint32
	_          uint32
	iov        uintptr
	iovlen     uint64
	control    uintptr
	controllen uint64
	flags      int32
	_          int32
}

type hostIovec struct {
	base uintptr
	len  uint64
}

// rawSendmsg sends bufs with an optional address and control data.
func rawSendmsg(fd int, bufs [][]byte, to, control []byte, flags int) (int, error) {
	iov := make([]hostIovec, len(bufs))
	for i, b := range bufs {
		iov[i] = hostIovec{ptr(b), uint64(len(b))}
	}
	var msg hostMsghdr
	if len(iov) > 0 {
		msg.iov, msg.iovlen = uintptr(unsafe.Pointer(&iov[0])), uint64(len(iov))
	}
	msg.name, msg.namelen = ptr(to), uint32(len(to))
	msg.control, msg.controllen = ptr(control), uint64(len(control))
	r, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// rawRecvmsg receives into bufs; it returns the byte count, the source
// address, the control data and the message flags.
// rawRecvmsg receives into bufs; the host writes the control messages into
// control, whose bytes past them (the padding after the last one) stay as
// they were.
func rawRecvmsg(fd int, bufs [][]byte, control []byte, flags int) (int, []byte, []byte, int, error) {
	iov := make([]hostIovec, len(bufs))
	for i, b := range bufs {
		iov[i] = hostIovec{ptr(b), uint64(len(b))}
	}
	from := make([]byte, maxSockaddr)
	var msg hostMsghdr
	if len(iov) > 0 {
		msg.iov, msg.iovlen = uintptr(unsafe.Pointer(&iov[0])), uint64(len(iov))
	}
	msg.name, msg.namelen = ptr(from), uint32(len(from))
	msg.control, msg.controllen = ptr(control), uint64(len(control))
	r, _, e := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags|unix.MSG_CMSG_CLOEXEC))
	if e != 0 {
		return 0, nil, nil, 0, e
	}
	return int(r), from[:min(int(msg.namelen), len(from))], control[:msg.controllen], int(msg.flags), nil
}

// rawSetsockopt and rawGetsockopt never wait (an uncork's transmit runs
// in the call but does not block): raw calls keep the Go scheduler out.
func rawSetsockopt(fd, level, opt int, val []byte) error {
	_, _, e := unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), ptr(val), uintptr(len(val)), 0)
	return errnoErr(e)
}

func rawGetsockopt(fd, level, opt int, val []byte) (int, error) {
	n := uint32(len(val))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), ptr(val), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
