package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// IOV_MAX is the most iovecs one call may pass.
const iovMax = 1024

// Iovec is one struct iovec.
type Iovec struct{ Base, Len uint64 }

// maxRW is Linux's MAX_RW_COUNT: the most one read or write transfers.
const maxRW = 0x7ffff000

// CopyInIovecs reads an iovec array the way Linux imports one: EINVAL for a
// bad count or a negative length, EFAULT for a segment outside the user
// address space, and lengths cut so that the total is at most MAX_RW_COUNT.
func (t *Task) CopyInIovecs(addr uint64, count int) ([]Iovec, error) {
	if count < 0 || count > iovMax {
		return nil, unix.EINVAL
	}
	buf := make([]byte, 16*count)
	if err := t.CopyIn(addr, buf); err != nil {
		return nil, err
	}
	iov := make([]Iovec, count)
	var total uint64
	for i := range iov {
		iov[i] = Iovec{binary.LittleEndian.Uint64(buf[16*i:]), binary.LittleEndian.Uint64(buf[16*i+8:])}
		if iov[i].Len > 1<<63-1 {
			return nil, unix.EINVAL
		}
		if !AccessOK(iov[i].Base, iov[i].Len) {
			return nil, unix.EFAULT
		}
		iov[i].Len = min(iov[i].Len, maxRW-total)
		total += iov[i].Len
	}
	return iov, nil
}

// AppBytesPrefix returns the part of the app's buffer [addr, addr+n) that a
// copy reaches before it would fault, for transfers that Linux ends short at
// the first fault (read, write and their relatives): EFAULT when the range
// is outside the user address space or its first byte is not app memory
// with the needed access. A zero length is never a fault.
func (t *Task) AppBytesPrefix(addr uint64, n int, write bool) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if n < 0 || !AccessOK(addr, uint64(n)) {
		return nil, unix.EFAULT
	}
	ok := t.p.mm.Prefix(addr, uint64(n), write)
	if ok == 0 {
		return nil, unix.EFAULT
	}
	return t.lend(addr, int(ok), write)
}

// AppBytes returns the app's memory [addr, addr+n) for the duration of a
// handler, EFAULT if it is not all app memory with the needed access.
func (t *Task) AppBytes(addr uint64, n int, write bool) ([]byte, error) {
	return t.lend(addr, n, write)
}

// lend returns app memory for a handler: the memory itself when the
// platform lends it (in-process), else a copy ("bounce buffer") that goes
// back to the app after the handler when the kernel may write it.
func (t *Task) lend(addr uint64, n int, write bool) ([]byte, error) {
	mm := t.p.mm
	b, err := mm.Slice(addr, n, write)
	if err != errNoDirectAccess {
		return b, err
	}
	buf := make([]byte, n)
	// Read even what the kernel will write: a handler may fill only part.
	if err := mm.as.CopyIn(addr, buf); err != nil {
		return nil, unix.EFAULT
	}
	if write {
		t.bounces = append(t.bounces, bounce{mm: mm, addr: addr, buf: buf})
	}
	return buf, nil
}

// bounce is app memory lent to a handler by copy.
type bounce struct {
	mm   *MM
	addr uint64
	buf  []byte
}

// flushBounces writes lent copies back to the app's memory (unless the
// process replaced its memory meanwhile: execve).
func (t *Task) flushBounces() {
	for _, b := range t.bounces {
		if b.mm == t.p.mm {
			b.mm.CopyOut(b.addr, b.buf)
		}
	}
	t.bounces = nil
}
