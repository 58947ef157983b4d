package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// IOV_MAX is the most iovecs one call may pass.
const iovMax = 1024

// Iovec is one struct iovec.
type Iovec struct{ Base, Len uint64 }

// CopyInIovecs reads an iovec array; EINVAL for a bad count or a total
// length that overflows ssize_t.
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
		total += iov[i].Len
		if iov[i].Len > 1<<63-1 || total > 1<<63-1 {
			return nil, unix.EINVAL
		}
	}
	return iov, nil
}

// AppBytes returns the app's memory [addr, addr+n) for the duration of a
// handler, EFAULT if it is not all app memory with the needed access.
func (t *Task) AppBytes(addr uint64, n int, write bool) ([]byte, error) {
	return t.p.mm.Slice(addr, n, write)
}
