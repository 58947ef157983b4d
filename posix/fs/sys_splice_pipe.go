package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// splice, tee and vmsplice follow Linux's fs/splice.c rules: one end (tee:
// both) must be a pipe, a pipe end takes no offset (ESPIPE), the other end
// takes one only if it is positional (EINVAL otherwise). Host pipes and
// sockets are spliced by the host without a copy; vfs files and ramfs
// FIFOs are copied through a buffer.
func registerSplicePipe(tb *shim.Table) {
	tb.Register(unix.SYS_SPLICE, shim.Full, "host splice between host pipes, sockets and host-backed files; vfs files and ramfs FIFOs through a buffer; SPLICE_F_MOVE and SPLICE_F_MORE are hints, ignored", sysSplice)
	tb.Register(unix.SYS_TEE, shim.Partial, "host tee between host pipes; a ramfs FIFO end answers EINVAL", sysTee)
	tb.Register(unix.SYS_VMSPLICE, shim.Full, "copies (SPLICE_F_GIFT is a hint, ignored): user memory into a pipe's write end, or out of its read end", sysVmsplice)
}

// spliceFlagsAll is SPLICE_F_ALL: the flags Linux accepts.
const spliceFlagsAll = unix.SPLICE_F_MOVE | unix.SPLICE_F_NONBLOCK | unix.SPLICE_F_MORE | unix.SPLICE_F_GIFT

// spliceChunk bounds one buffered transfer: the default pipe capacity.
const spliceChunk = 64 << 10

// isPipe reports whether f is a pipe: a host pipe end or a ramfs FIFO.
func isPipeEnd(f kernel.File) bool {
	switch f := f.(type) {
	case *kernel.VFSFile:
		st, err := f.F.Stat()
		return err == nil && st.Type() == unix.S_IFIFO
	case kernel.Pollable:
		var st unix.Stat_t
		return unix.Fstat(f.HostFD(), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
	}
	return false
}

// accessMode is the file's O_ACCMODE (read and write for files without
// status flags).
func accessMode(f kernel.File) int {
	if ff, ok := f.(kernel.FlagFile); ok {
		return ff.StatusFlags() & unix.O_ACCMODE
	}
	return unix.O_RDWR
}

func canRead(f kernel.File) bool {
	if vf, ok := f.(*kernel.VFSFile); ok {
		return vf.F.Readable()
	}
	return accessMode(f) != unix.O_WRONLY
}

func canWrite(f kernel.File) bool {
	if vf, ok := f.(*kernel.VFSFile); ok {
		return vf.F.Writable()
	}
	return accessMode(f) != unix.O_RDONLY
}

func statusNonblock(f kernel.File) bool {
	ff, ok := f.(kernel.FlagFile)
	return ok && ff.StatusFlags()&unix.O_NONBLOCK != 0
}

// positionalFile returns f as a vfs file that takes offsets (FMODE_PREAD).
func positionalFile(f kernel.File) (*kernel.VFSFile, bool) {
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return nil, false
	}
	_, ok = vf.F.Impl().(vfs.Seekable)
	return vf, ok
}

func sysSplice(t *kernel.Task, a shim.Args) (uint64, error) {
	n := min(a[4], linux.MaxRWCount)
	flags := a.Int(5)
	if n == 0 {
		return 0, nil
	}
	if flags&^spliceFlagsAll != 0 {
		return 0, unix.EINVAL
	}
	in, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := fileOf(t, a.Int(2))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	inPipe, outPipe := isPipeEnd(in), isPipeEnd(out)
	if inPipe && a[1] != 0 || outPipe && a[3] != 0 {
		return 0, unix.ESPIPE
	}
	inOff, err := readOff(t, a[1])
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(t, a[3])
	if err != nil {
		return 0, err
	}
	if !canRead(in) || !canWrite(out) {
		return 0, unix.EBADF
	}
	if !inPipe && !outPipe {
		return 0, unix.EINVAL
	}
	if inPipe && outPipe && sameFile(in, out) {
		return 0, unix.EINVAL
	}
	if !outPipe && statusAppend(out) {
		return 0, unix.EINVAL
	}
	s := splicer{t: t, in: in, out: out, inOff: inOff, outOff: outOff,
		nonblock: flags&unix.SPLICE_F_NONBLOCK != 0 || statusNonblock(in) || statusNonblock(out)}
	if inOff != nil || outOff != nil {
		// Only a positional end takes an offset (FMODE_PREAD/FMODE_PWRITE).
		if _, ok := positionalFile(s.endWithOffset()); !ok {
			return 0, unix.EINVAL
		}
	}
	moved, err := s.run(n)
	if moved == 0 && err != nil {
		return 0, err
	}
	if werr := writeOff(t, a[1], inOff); werr != nil {
		return 0, werr
	}
	if werr := writeOff(t, a[3], outOff); werr != nil {
		return 0, werr
	}
	return moved, nil
}

// sameFile reports whether two files are the same pipe (splicing a pipe
// to itself is EINVAL).
func sameFile(a, b kernel.File) bool {
	sa, ea := fileIdentity(a)
	sb, eb := fileIdentity(b)
	return ea == nil && eb == nil && sa == sb
}

type identity struct{ dev, ino uint64 }

func fileIdentity(f kernel.File) (identity, error) {
	switch f := f.(type) {
	case *kernel.VFSFile:
		st, err := f.F.Stat()
		return identity{st.Dev, st.Ino}, err
	case kernel.Pollable:
		var st unix.Stat_t
		err := unix.Fstat(f.HostFD(), &st)
		return identity{st.Dev, st.Ino}, err
	}
	return identity{}, unix.EINVAL
}

func statusAppend(f kernel.File) bool {
	ff, ok := f.(kernel.FlagFile)
	return ok && ff.StatusFlags()&unix.O_APPEND != 0
}

// splicer is one splice call: the two ends, their optional offsets and
// whether the call may wait.
type splicer struct {
	t             *kernel.Task
	in, out       kernel.File
	inOff, outOff *int64
	nonblock      bool
}

func (s *splicer) endWithOffset() kernel.File {
	if s.inOff != nil {
		return s.in
	}
	return s.out
}

// run moves up to n bytes: with the host's splice when both ends have
// host descriptors, else through a buffer.
func (s *splicer) run(n uint64) (uint64, error) {
	if src, dst, ok := s.hostEnds(); ok {
		return s.hostSplice(src, dst, n)
	}
	return s.copyOnce(n)
}

// hostEnds returns the host descriptors of both ends when the host can
// splice them: host pipes and sockets, and a host-backed vfs file as the
// source (the vfs keeps the offset; writes go through the vfs).
func (s *splicer) hostEnds() (src, dst int, ok bool) {
	dp, ok := s.out.(kernel.Pollable)
	if !ok {
		return 0, 0, false
	}
	switch in := s.in.(type) {
	case kernel.Pollable:
		return in.HostFD(), dp.HostFD(), true
	case *kernel.VFSFile:
		if isPipeEnd(in) {
			return 0, 0, false
		}
		fd, ok := in.MapFD()
		return fd, dp.HostFD(), ok
	}
	return 0, 0, false
}

// hostSplice runs the host's splice, non-blocking on the host, waiting in
// the task (so that signals interrupt) while the app's call may block.
func (s *splicer) hostSplice(src, dst int, n uint64) (uint64, error) {
	vin, fromVFS := s.in.(*kernel.VFSFile)
	var pos *int64
	if fromVFS {
		p := vin.F.Offset()
		if s.inOff != nil {
			p = *s.inOff
		}
		pos = &p
	}
	for {
		w, err := unix.Splice(src, pos, dst, nil, int(min(n, 1<<30)), unix.SPLICE_F_NONBLOCK)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && !s.nonblock:
			if err = s.wait(src, dst); err == nil {
				continue
			}
		}
		if fromVFS {
			if s.inOff != nil {
				*s.inOff = *pos
			} else {
				vin.F.Seek(*pos, unix.SEEK_SET)
			}
		}
		if err == unix.EPIPE {
			s.t.SendSignal(kernel.NewSigInfo(int(unix.SIGPIPE), linux.SI_USER))
		}
		return uint64(max(w, 0)), err
	}
}

// wait blocks until the source is readable and the destination writable.
func (s *splicer) wait(src, dst int) error {
	if _, ok := s.in.(kernel.Pollable); ok {
		if err := s.t.WaitHostFD(src, unix.POLLIN); err != nil {
			return err
		}
	}
	return s.t.WaitHostFD(dst, unix.POLLOUT)
}

// copyOnce moves one chunk through a buffer: what one read of the source
// returns, written whole to the destination, as Linux's splice returns
// after the data at hand.
func (s *splicer) copyOnce(n uint64) (uint64, error) {
	buf := make([]byte, min(n, spliceChunk))
	r, err := s.readIn(buf)
	if r <= 0 {
		return 0, err
	}
	w, err := s.writeOut(buf[:r])
	if s.inOff != nil {
		*s.inOff += int64(max(w, 0))
	} else if w < r {
		if vf, ok := positionalFile(s.in); ok {
			vf.F.Seek(int64(w-r), unix.SEEK_CUR)
		}
	}
	return uint64(max(w, 0)), err
}

func (s *splicer) readIn(buf []byte) (int, error) {
	if s.inOff != nil {
		vf, _ := positionalFile(s.in)
		return vf.F.Pread(bg, buf, *s.inOff)
	}
	return nonblockingIO(s.t, s.in, s.nonblock, unix.POLLIN, func() (int, error) { return s.in.Read(s.t, buf) })
}

func (s *splicer) writeOut(p []byte) (int, error) {
	if s.outOff != nil {
		vf, _ := positionalFile(s.out)
		w, err := vf.F.Pwrite(bg, p, *s.outOff)
		*s.outOff += int64(max(w, 0))
		return w, err
	}
	done := 0
	for done < len(p) {
		w, err := nonblockingIO(s.t, s.out, s.nonblock && done == 0, unix.POLLOUT, func() (int, error) { return s.out.Write(s.t, p[done:]) })
		done += max(w, 0)
		if err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

// nonblockingIO runs op on f, without waiting when nonblock is set even
// if f itself is blocking (SPLICE_F_NONBLOCK on a blocking pipe).
func nonblockingIO(t *kernel.Task, f kernel.File, nonblock bool, events int16, op func() (int, error)) (int, error) {
	ff, ok := f.(kernel.FlagFile)
	if !nonblock || !ok || ff.StatusFlags()&unix.O_NONBLOCK != 0 {
		return op()
	}
	if p, ok := f.(kernel.Pollable); ok {
		fds := []unix.PollFd{{Fd: int32(p.HostFD()), Events: events}}
		if n, err := unix.Poll(fds, 0); err == nil && n == 0 {
			return 0, unix.EAGAIN
		}
		return op()
	}
	if w, ok := f.(kernel.Waitable); ok {
		want := uint32(events)
		if w.Readiness(want)&(want|unix.POLLHUP|unix.POLLERR) == 0 {
			return 0, unix.EAGAIN
		}
	}
	return op()
}

func sysTee(t *kernel.Task, a shim.Args) (uint64, error) {
	n := min(a[2], linux.MaxRWCount)
	flags := a.Int(3)
	if flags&^spliceFlagsAll != 0 {
		return 0, unix.EINVAL
	}
	if n == 0 {
		return 0, nil
	}
	in, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := fileOf(t, a.Int(1))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	if !canRead(in) || !canWrite(out) {
		return 0, unix.EBADF
	}
	if !isPipeEnd(in) || !isPipeEnd(out) || sameFile(in, out) {
		return 0, unix.EINVAL
	}
	src, srcHost := in.(kernel.Pollable)
	dst, dstHost := out.(kernel.Pollable)
	if !srcHost || !dstHost {
		return 0, unix.EINVAL // ramfs FIFOs cannot be peeked
	}
	nonblock := flags&unix.SPLICE_F_NONBLOCK != 0 || statusNonblock(in) || statusNonblock(out)
	s := splicer{t: t, in: in, out: out, nonblock: nonblock}
	for {
		w, err := unix.Tee(src.HostFD(), dst.HostFD(), int(min(n, 1<<30)), unix.SPLICE_F_NONBLOCK)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && !nonblock:
			if err = s.wait(src.HostFD(), dst.HostFD()); err == nil {
				continue
			}
		}
		return uint64(max(w, 0)), err
	}
}

func sysVmsplice(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := a.Int(3)
	if flags&^spliceFlagsAll != 0 {
		return 0, unix.EINVAL
	}
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	write := canWrite(f)
	if !write && !canRead(f) {
		return 0, unix.EBADF
	}
	bufs, err := iovecBuffers(t, a[1], a.Int(2), write)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if total == 0 {
		return 0, nil
	}
	if !isPipeEnd(f) {
		return 0, unix.EBADF
	}
	nonblock := flags&unix.SPLICE_F_NONBLOCK != 0
	var done int
	for i, b := range bufs {
		var n int
		var err error
		if write {
			n, err = nonblockingIO(t, f, nonblock && done == 0, unix.POLLOUT, func() (int, error) { return f.Write(t, b) })
		} else {
			n, err = nonblockingIO(t, f, nonblock || i > 0, unix.POLLIN, func() (int, error) { return f.Read(t, b) })
		}
		done += max(n, 0)
		if err != nil || n < len(b) {
			return result(done, err)
		}
	}
	return uint64(done), nil
}
