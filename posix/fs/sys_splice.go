package fs

import (
	"golang.org/x/sys/unix"
	"unsafe"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSplice(tb *shim.Table) {
	tb.Register(unix.SYS_SENDFILE, shim.Full, "host sendfile from a file with a host descriptor to a host pipe or socket; otherwise copies through elfloader between any two files", sysSendfile)
	tb.Register(unix.SYS_COPY_FILE_RANGE, shim.Full, "", sysCopyFileRange)
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

// readOff reads an optional loff_t argument (nil for a NULL pointer).
func readOff(t *kernel.Task, addr uint64) (*int64, error) {
	if addr == 0 {
		return nil, nil
	}
	var v int64
	if err := kernel.CopyInStruct(t, addr, &v); err != nil {
		return nil, err
	}
	if v < 0 {
		return nil, unix.EINVAL
	}
	return &v, nil
}

// writeOff writes an updated loff_t argument back.
func writeOff(t *kernel.Task, addr uint64, v *int64) error {
	if addr == 0 || v == nil {
		return nil
	}
	return kernel.CopyOutStruct(t, addr, v)
}

func sysSendfile(t *kernel.Task, a shim.Args) (uint64, error) {
	out, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	in, err := fileOf(t, a.Int(1))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	if !openedFor(in, false) || !openedFor(out, true) {
		return 0, unix.EBADF // checked first, as do_sendfile does
	}
	if isPipeOrFIFO(in) {
		// Linux splices sendfile's input, and a pipe cannot be spliced
		// from that way: EINVAL (Go's io.Copy then falls back to read
		// and write; emulating it instead made a non-blocking pipe
		// answer EAGAIN, which Go waits out on the socket forever).
		return 0, unix.EINVAL
	}
	off, err := readOff(t, a[2])
	if err != nil {
		return 0, err
	}
	if n, ok, err := hostSendfile(t, in, out, off, min(a[3], linux.MaxRWCount)); ok {
		if werr := writeOff(t, a[2], off); werr != nil {
			return 0, werr
		}
		return n, err
	}
	n, err := copyData(t, in, out, off, nil, min(a[3], linux.MaxRWCount))
	if werr := writeOff(t, a[2], off); werr != nil {
		return 0, werr
	}
	return n, err
}

// openedFor reports whether f, when it is a file of the vfs, was opened
// for writing (write) or reading.
func openedFor(f kernel.File, write bool) bool {
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return true
	}
	if write {
		return vf.F.Writable()
	}
	return vf.F.Readable()
}

func sysCopyFileRange(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[5] != 0 {
		return 0, unix.EINVAL
	}
	in, err := vfsFileOf(t, a.Int(0), unix.EINVAL)
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := vfsFileOf(t, a.Int(2), unix.EINVAL)
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	inOff, err := readOff(t, a[1])
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(t, a[3])
	if err != nil {
		return 0, err
	}
	n := min(a[4], linux.MaxRWCount)
	if overlapsItself(in, out, inOff, outOff, n) {
		return 0, unix.EINVAL
	}
	n, err = copyData(t, in, out, inOff, outOff, n)
	if werr := writeOff(t, a[1], inOff); werr != nil {
		return 0, werr
	}
	if werr := writeOff(t, a[3], outOff); werr != nil {
		return 0, werr
	}
	return n, err
}

// overlapsItself reports a copy within one file whose source and target
// ranges overlap (EINVAL, as Linux's generic_copy_file_checks): the count
// is first shortened to the end of the input.
func overlapsItself(in, out *kernel.VFSFile, inOff, outOff *int64, n uint64) bool {
	if !sameFile(in, out) {
		return false
	}
	st, err := in.F.Stat()
	if err != nil {
		return false
	}
	posIn, posOut := in.F.Offset(), out.F.Offset()
	if inOff != nil {
		posIn = *inOff
	}
	if outOff != nil {
		posOut = *outOff
	}
	count := int64(0)
	if posIn < st.Size {
		count = min(int64(min(n, 1<<62)), st.Size-posIn)
	}
	return posOut+count > posIn && posOut < posIn+count
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
		var w int
		var e error
		if blocking {
			w, e = unix.Sendfile(dst.HostFD(), src, &pos, int(n-sent))
		} else {
			w, e = rawSendfile(dst.HostFD(), src, &pos, int(n-sent))
		}
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
		t.SendSignal(kernel.NewSigInfo(int(unix.SIGPIPE), linux.SI_USER))
	}
	return 0, true, err
}

// rawSendfile is sendfile(2) as a raw call, for a destination opened
// O_NONBLOCK: the call never waits, so the Go scheduler need not hand the
// thread's P away around it (a blocking pipe could wait, and keeps
// unix.Sendfile).
func rawSendfile(out, in int, off *int64, count int) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_SENDFILE, uintptr(out), uintptr(in), uintptr(unsafe.Pointer(off)), uintptr(count), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// isPipeOrFIFO reports whether f is a pipe or a FIFO (not a socket): an
// in-memory FIFO of the vfs (isPipe's test) or a host pipe. A file of the
// vfs, sendfile's usual input, costs no stat and no host call.
func isPipeOrFIFO(f kernel.File) bool {
	switch f := f.(type) {
	case *kernel.VFSFile:
		_, ok := f.F.Impl().(pipeSizer)
		return ok
	case kernel.Pollable:
		var st unix.Stat_t
		return unix.Fstat(f.HostFD(), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
	}
	return false
}
