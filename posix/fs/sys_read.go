package fs

import (
	"context"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerRead(tb *shim.Table) {
	tb.Register(unix.SYS_READ, shim.Full, "", sysRead)
	tb.Register(unix.SYS_READV, shim.Full, "", sysReadv)
	tb.Register(unix.SYS_PREAD64, shim.Full, "", sysPread64)
	tb.Register(unix.SYS_PREADV, shim.Full, "", sysPreadv)
}

// bg is the context of positional vfs I/O: only regular files have
// positions, and they never block.
var bg = context.Background()

// transfer serves read and write: up to MAX_RW_COUNT bytes at buf, ending
// where the first fault would stop Linux's copy.
func transfer(t *kernel.Task, a shim.Args, write bool) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	buf, err := t.AppBytesPrefix(a[1], int(min(a[2], linux.MaxRWCount)), !write)
	if err != nil {
		return 0, err
	}
	if write {
		return result(f.Write(t, buf))
	}
	return result(f.Read(t, buf))
}

func sysRead(t *kernel.Task, a shim.Args) (uint64, error) { return transfer(t, a, false) }

// vectorIO serves readv and writev: segment by segment, stopping at the
// first short transfer or fault.
func vectorIO(t *kernel.Task, a shim.Args, write bool) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	iov, err := t.CopyInIovecs(a[1], a.Int(2))
	if err != nil {
		return 0, err
	}
	var done uint64
	for _, v := range iov {
		if v.Len == 0 {
			continue
		}
		// A fault inside a segment ends the transfer there.
		buf, err := t.AppBytesPrefix(v.Base, int(min(v.Len, linux.MaxRWCount-done)), !write)
		if err != nil {
			return result(int(done), err)
		}
		short := uint64(len(buf)) < v.Len
		var n int
		if write {
			n, err = f.Write(t, buf)
		} else {
			n, err = f.Read(t, buf)
		}
		done += uint64(max(n, 0))
		if err != nil || n < len(buf) || short || done >= linux.MaxRWCount {
			return result(int(done), err)
		}
	}
	return done, nil
}

func sysReadv(t *kernel.Task, a shim.Args) (uint64, error) { return vectorIO(t, a, false) }

// positional returns the vfs file at fd for the calls with an offset:
// other descriptors are pipes, sockets and the like (ESPIPE).
func positional(t *kernel.Task, fd int) (*kernel.VFSFile, error) {
	return vfsFileOf(t, fd, unix.ESPIPE)
}

// positionalIO serves pread64 (read) and pwrite64 (write).
func positionalIO(t *kernel.Task, a shim.Args, read bool) (uint64, error) {
	if a.Long(3) < 0 {
		return 0, unix.EINVAL
	}
	vf, err := positional(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	buf, err := t.AppBytesPrefix(a[1], int(min(a[2], linux.MaxRWCount)), read)
	if err != nil {
		return 0, err
	}
	if read {
		n, err := vf.F.Pread(bg, buf, a.Long(3))
		if err == nil {
			// A file that became passable (a tmpfs file grown into a
			// memfd) is registered now.
			t.PassThroughRead(a.Int(0), vf)
		}
		return result(n, err)
	}
	return result(vf.F.Pwrite(bg, buf, a.Long(3)))
}

func sysPread64(t *kernel.Task, a shim.Args) (uint64, error) { return positionalIO(t, a, true) }

// iovecBuffers maps an iovec array to app buffers; the transfer ends where
// the first fault would stop Linux's copy.
func iovecBuffers(t *kernel.Task, addr uint64, count int, write bool) ([][]byte, error) {
	iov, err := t.CopyInIovecs(addr, count)
	if err != nil {
		return nil, err
	}
	bufs := make([][]byte, 0, len(iov))
	for _, v := range iov {
		b, err := t.AppBytesPrefix(v.Base, int(v.Len), !write)
		if err != nil {
			if len(bufs) == 0 {
				return nil, err
			}
			break
		}
		bufs = append(bufs, b)
		if uint64(len(b)) < v.Len {
			break
		}
	}
	return bufs, nil
}

// positionalVectorIO serves preadv (read) and pwritev (write).
func positionalVectorIO(t *kernel.Task, a shim.Args, read bool) (uint64, error) {
	off := a.Long(3)
	if off < 0 {
		return 0, unix.EINVAL
	}
	vf, err := positional(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer vf.DecRef()
	bufs, err := iovecBuffers(t, a[1], a.Int(2), !read)
	if err != nil {
		return 0, err
	}
	if read {
		return result(vf.F.Preadv(bg, bufs, off))
	}
	return result(vf.F.Pwritev(bg, bufs, off))
}

func sysPreadv(t *kernel.Task, a shim.Args) (uint64, error) { return positionalVectorIO(t, a, true) }
