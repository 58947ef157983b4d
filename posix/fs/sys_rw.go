package fs

import (
	"context"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerIO(tb *shim.Table) {
	tb.Register(unix.SYS_PREAD64, shim.Full, "", sysPread64)
	tb.Register(unix.SYS_PWRITE64, shim.Full, "", sysPwrite64)
	tb.Register(unix.SYS_PREADV, shim.Full, "", sysPreadv)
	tb.Register(unix.SYS_PWRITEV, shim.Full, "", sysPwritev)
	tb.Register(unix.SYS_FSYNC, shim.Full, "", sysFsync)
	tb.Register(unix.SYS_FDATASYNC, shim.Full, "", sysFsync)
	tb.Register(unix.SYS_SYNC, shim.Stub, "returns 0 without flushing: ramfs and overlay data live in memory; writable host mounts are left to the host", func(t *kernel.Task, a shim.Args) (uint64, error) { return 0, nil })
	tb.Register(unix.SYS_FALLOCATE, shim.Partial, "mode 0 and FALLOC_FL_KEEP_SIZE", sysFallocate)
	tb.Register(unix.SYS_SENDFILE, shim.Full, "copies through elfloader between any two files", sysSendfile)
	tb.Register(unix.SYS_COPY_FILE_RANGE, shim.Full, "", sysCopyFileRange)
	tb.Register(unix.SYS_FADVISE64, shim.Partial, "validated (EBADF, ESPIPE, EINVAL); the advice itself is ignored", sysFadvise64)
	tb.Register(unix.SYS_FLOCK, shim.Partial, "whole-file locks per open file description (as OFD record locks, so they also conflict with F_OFD_* locks, unlike Linux)", sysFlock)
	tb.Register(unix.SYS_CLOSE_RANGE, shim.Full, "CLOSE_RANGE_CLOEXEC; CLOSE_RANGE_UNSHARE is a no-op (one table)", sysCloseRange)
}

// positional is implemented by files with offsets (vfs files).
func positional(t *kernel.Task, fd int) (*kernel.VFSFile, error) {
	vf, f, err := vfsFile(t, fd)
	if err != nil {
		return nil, err
	}
	if vf == nil {
		if _, ok := f.(kernel.Seeker); ok {
			return nil, unix.ESPIPE
		}
		return nil, unix.ESPIPE
	}
	return vf, nil
}

// maxRW is Linux's MAX_RW_COUNT: larger requests are truncated.
const maxRW = 0x7ffff000

// positionalIO serves pread64 (read) and pwrite64 (write).
func positionalIO(t *kernel.Task, a shim.Args, read bool) (uint64, error) {
	if a.Long(3) < 0 {
		return 0, unix.EINVAL
	}
	vf, err := positional(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	buf, err := t.AppBytesPrefix(a[1], int(min(a[2], maxRW)), read)
	if err != nil {
		return 0, err
	}
	var n int
	if read {
		n, err = vf.F.Pread(bg, buf, a.Long(3))
	} else {
		n, err = vf.F.Pwrite(bg, buf, a.Long(3))
	}
	if n > 0 {
		return uint64(n), nil
	}
	return 0, err
}

func sysPread64(t *kernel.Task, a shim.Args) (uint64, error)  { return positionalIO(t, a, true) }
func sysPwrite64(t *kernel.Task, a shim.Args) (uint64, error) { return positionalIO(t, a, false) }

func iovecBuffers(t *kernel.Task, addr uint64, count int, write bool) ([][]byte, error) {
	iov, err := t.CopyInIovecs(addr, count)
	if err != nil {
		return nil, err
	}
	// The transfer ends where the first fault would stop Linux's copy.
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

func sysPreadv(t *kernel.Task, a shim.Args) (uint64, error) {
	off := int64(a[3])
	if off < 0 {
		return 0, unix.EINVAL
	}
	vf, err := positional(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	bufs, err := iovecBuffers(t, a[1], a.Int(2), false)
	if err != nil {
		return 0, err
	}
	n, err := vf.F.Preadv(bg, bufs, off)
	if n > 0 {
		return uint64(n), nil
	}
	return 0, err
}

func sysPwritev(t *kernel.Task, a shim.Args) (uint64, error) {
	off := int64(a[3])
	if off < 0 {
		return 0, unix.EINVAL
	}
	vf, err := positional(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	bufs, err := iovecBuffers(t, a[1], a.Int(2), true)
	if err != nil {
		return 0, err
	}
	n, err := vf.F.Pwritev(bg, bufs, off)
	if n > 0 {
		return uint64(n), nil
	}
	return 0, err
}

func sysFsync(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, _, err := vfsFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if vf == nil {
		return 0, unix.EINVAL
	}
	return 0, vf.F.Sync()
}

func sysFallocate(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, _, err := vfsFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if vf == nil {
		return 0, unix.ESPIPE
	}
	if a.Long(2) < 0 || a.Long(3) <= 0 {
		return 0, unix.EINVAL
	}
	return 0, vf.F.Allocate(uint32(a[1]), a.Long(2), a.Long(3))
}

// copyData moves up to n bytes from in to out through a buffer. A non-nil
// inOff reads at that offset (and advances it) instead of the file position.
func copyData(t *kernel.Task, in, out kernel.File, inOff, outOff *int64, n uint64) (uint64, error) {
	var done uint64
	buf := make([]byte, min(n, 256<<10))
	for done < n {
		chunk := buf[:min(n-done, uint64(len(buf)))]
		var r int
		var err error
		if inOff != nil {
			vf, ok := in.(*kernel.VFSFile)
			if !ok {
				return done, unix.ESPIPE
			}
			r, err = vf.F.Pread(bg, chunk, *inOff)
		} else {
			r, err = in.Read(t, chunk)
		}
		if r <= 0 {
			if done > 0 {
				return done, nil
			}
			if err == unix.EAGAIN || r == 0 {
				return 0, err
			}
			return 0, err
		}
		var w int
		if outOff != nil {
			vf, ok := out.(*kernel.VFSFile)
			if !ok {
				return done, unix.ESPIPE
			}
			w, err = vf.F.Pwrite(bg, chunk[:r], *outOff)
			*outOff += int64(max(w, 0))
		} else {
			w, err = out.Write(t, chunk[:r])
		}
		if inOff != nil {
			*inOff += int64(max(w, 0))
		} else if w < r {
			// Give back what was read but not written.
			if s, ok := in.(kernel.Seeker); ok {
				s.Seek(t, int64(w-r), unix.SEEK_CUR)
			}
		}
		done += uint64(max(w, 0))
		if err != nil || w < r {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if r < len(chunk) {
			break
		}
	}
	return done, nil
}

func readOff(t *kernel.Task, addr uint64) (*int64, error) {
	if addr == 0 {
		return nil, nil
	}
	var b [8]byte
	if err := t.CopyIn(addr, b[:]); err != nil {
		return nil, err
	}
	v := int64(getU64(b[:]))
	if v < 0 {
		return nil, unix.EINVAL
	}
	return &v, nil
}

func writeOff(t *kernel.Task, addr uint64, v *int64) error {
	if addr == 0 || v == nil {
		return nil
	}
	var b [8]byte
	putU64(b[:], uint64(*v))
	return t.CopyOut(addr, b[:])
}

func sysSendfile(t *kernel.Task, a shim.Args) (uint64, error) {
	fds := t.Process().Files()
	out, err := fds.Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	in, err := fds.Get(a.Int(1))
	if err != nil {
		return 0, err
	}
	off, err := readOff(t, a[2])
	if err != nil {
		return 0, err
	}
	if n, ok, err := hostSendfile(t, in, out, off, min(a[3], maxRW)); ok {
		if werr := writeOff(t, a[2], off); werr != nil {
			return 0, werr
		}
		return n, err
	}
	n, err := copyData(t, in, out, off, nil, min(a[3], maxRW))
	if werr := writeOff(t, a[2], off); werr != nil {
		return 0, werr
	}
	return n, err
}

func sysCopyFileRange(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[5] != 0 {
		return 0, unix.EINVAL
	}
	in, _, err := vfsFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	out, _, err := vfsFile(t, a.Int(2))
	if err != nil {
		return 0, err
	}
	if in == nil || out == nil {
		return 0, unix.EINVAL
	}
	inOff, err := readOff(t, a[1])
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(t, a[3])
	if err != nil {
		return 0, err
	}
	n, err := copyData(t, in, out, inOff, outOff, min(a[4], maxRW))
	if werr := writeOff(t, a[1], inOff); werr != nil {
		return 0, werr
	}
	if werr := writeOff(t, a[3], outOff); werr != nil {
		return 0, werr
	}
	return n, err
}

const (
	closeRangeUnshare = 1 << 1
	closeRangeCloexec = 1 << 2
)

func sysCloseRange(t *kernel.Task, a shim.Args) (uint64, error) {
	first, last, flags := uint32(a[0]), uint32(a[1]), a[2]
	if flags&^(closeRangeUnshare|closeRangeCloexec) != 0 || first > last {
		return 0, unix.EINVAL
	}
	hi := int(min(last, 1<<30))
	t.Process().Files().CloseRange(int(first), hi, flags&closeRangeCloexec != 0)
	return 0, nil
}

// bg is the context of vfs I/O on regular files, which never blocks.
var bg = context.Background()

func sysFadvise64(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, f, err := vfsFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if vf == nil {
		if _, ok := f.(kernel.Pollable); ok {
			return 0, unix.ESPIPE
		}
	}
	if a.Int(3) < unix.FADV_NORMAL || a.Int(3) > unix.FADV_NOREUSE || a.Long(2) < 0 {
		return 0, unix.EINVAL
	}
	return 0, nil
}

// hostSendfile is the zero-copy path: a file whose bytes are in a host
// descriptor sent to a host-backed descriptor (a socket or pipe) with the
// host's sendfile. ok is false when the pair does not qualify.
func hostSendfile(t *kernel.Task, in, out kernel.File, off *int64, n uint64) (sent uint64, ok bool, err error) {
	vf, isVFS := in.(*kernel.VFSFile)
	dst, isHost := out.(kernel.Pollable)
	if !isVFS || !isHost {
		return 0, false, nil
	}
	src, ok := vf.MapFD()
	if !ok {
		return 0, false, nil
	}
	pos := vf.F.Offset()
	if off != nil {
		pos = *off
	}
	blocking := true
	if ff, ok := out.(kernel.FlagFile); ok && ff.StatusFlags()&unix.O_NONBLOCK != 0 {
		blocking = false
	}
	for sent < n {
		w, e := unix.Sendfile(dst.HostFD(), src, &pos, int(n-sent))
		if w > 0 {
			sent += uint64(w)
			continue
		}
		if e == unix.EINTR {
			continue
		}
		if e == unix.EAGAIN && blocking && sent == 0 {
			if e = t.WaitHostFD(dst.HostFD(), unix.POLLOUT); e == nil {
				continue
			}
		}
		err = e // nil at the end of the input
		break
	}
	if off != nil {
		*off = pos
	} else {
		vf.F.Seek(pos, unix.SEEK_SET)
	}
	if sent > 0 {
		return sent, true, nil
	}
	if err == unix.EPIPE {
		t.SendSignal(kernel.NewSigInfo(int(unix.SIGPIPE), kernel.SI_USER))
	}
	return 0, true, err
}

func sysFlock(t *kernel.Task, a shim.Args) (uint64, error) {
	vf, f, err := vfsFile(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	op := a.Int(1)
	nb := op&unix.LOCK_NB != 0
	var typ int16
	switch op &^ unix.LOCK_NB {
	case unix.LOCK_SH:
		typ = unix.F_RDLCK
	case unix.LOCK_EX:
		typ = unix.F_WRLCK
	case unix.LOCK_UN:
		typ = unix.F_UNLCK
	default:
		return 0, unix.EINVAL
	}
	if vf == nil {
		if _, ok := f.(kernel.Pollable); ok {
			return 0, nil // pipes and sockets: nothing else can lock them
		}
		return 0, unix.EINVAL
	}
	err = vf.SetLock(t, true, unix.Flock_t{Type: typ, Whence: unix.SEEK_SET}, !nb)
	if err == unix.EAGAIN {
		return 0, unix.EWOULDBLOCK
	}
	return 0, err
}
