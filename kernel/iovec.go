package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Iovec is one struct iovec.
type Iovec struct{ Base, Len uint64 }

// CopyInIovecs reads an iovec array the way Linux imports one: EINVAL for a
// bad count or a negative length, EFAULT for a segment outside the user
// address space, and lengths cut so that the total is at most MAX_RW_COUNT.
func (t *Task) CopyInIovecs(addr uint64, count int) ([]Iovec, error) {
	if count < 0 || count > linux.UIO_MAXIOV {
		return nil, unix.EINVAL
	}
	iov := make([]Iovec, count)
	if err := CopyInStructs(t, addr, iov); err != nil {
		return nil, err
	}
	var total uint64
	for i := range iov {
		if iov[i].Len > 1<<63-1 {
			return nil, unix.EINVAL
		}
		if !AccessOK(iov[i].Base, iov[i].Len) {
			return nil, unix.EFAULT
		}
		iov[i].Len = min(iov[i].Len, linux.MaxRWCount-total)
		total += iov[i].Len
	}
	return iov, nil
}

// AppBytesPrefix returns the part of the app's buffer [addr, addr+n) that a
// copy reaches before it would fault, for transfers that Linux ends short at
// the first fault (read, write and their relatives): EFAULT when the range
// is outside the user address space or its first byte is not app memory
// with the needed access. A zero length is never a fault. On a platform
// without direct access it is a copy of at most maxPrefixBounce bytes
// (see AppBytes).
func (t *Task) AppBytesPrefix(addr uint64, n int, write bool) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if n < 0 || !AccessOK(addr, uint64(n)) {
		return nil, unix.EFAULT
	}
	b, ok, err := t.p.mm.SlicePrefix(addr, n, write)
	if err != errNoDirectAccess {
		return b, err
	}
	return t.lend(addr, ok, write, true)
}

// AppBytes returns the app's memory [addr, addr+n) for the duration of a
// handler, EFAULT if it is not all app memory with the needed access. On a
// platform without direct access it is a copy, written back when the
// handler returns (bounce.go): a handler must not keep it past its return.
func (t *Task) AppBytes(addr uint64, n int, write bool) ([]byte, error) {
	return t.lend(addr, n, write, false)
}
