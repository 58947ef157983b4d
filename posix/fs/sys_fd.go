package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerFD(tb *shim.Table) {
	tb.Register(unix.SYS_READ, shim.Full, "", sysRead)
	tb.Register(unix.SYS_WRITE, shim.Full, "", sysWrite)
	tb.Register(unix.SYS_READV, shim.Full, "", sysReadv)
	tb.Register(unix.SYS_WRITEV, shim.Full, "", sysWritev)
	tb.Register(unix.SYS_CLOSE, shim.Full, "", sysClose)
	tb.Register(unix.SYS_DUP, shim.Full, "", sysDup)
	tb.Register(unix.SYS_DUP2, shim.Full, "", sysDup2)
	tb.Register(unix.SYS_DUP3, shim.Full, "", sysDup3)
	tb.Register(unix.SYS_FCNTL, shim.Partial, "F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL, F_GETLK/SETLK/SETLKW and the F_OFD_ variants on vfs files; others EINVAL", sysFcntl)
	tb.Register(unix.SYS_IOCTL, shim.Partial, "FIOCLEX/FIONCLEX/FIONBIO, and what the file answers: a terminal (the console, /dev/tty) serves TCGETS/TCSETS*, termios2, window size, TCFLSH/TCXONC/TCSBRK, FIONREAD/TIOCOUTQ against the host terminal, and job control (TIOCGPGRP/TIOCSPGRP/TIOCGSID/TIOCSCTTY) for one process group; pipes and sockets FIONREAD; others ENOTTY", sysIoctl)
	tb.Register(unix.SYS_FSTAT, shim.Full, "", sysFstat)
	tb.Register(unix.SYS_LSEEK, shim.Full, "", sysLseek)
	tb.Register(unix.SYS_PIPE, shim.Full, "host pipes: blocking, EOF and EPIPE rules are the host's", sysPipe)
	tb.Register(unix.SYS_PIPE2, shim.Full, "O_CLOEXEC, O_NONBLOCK, O_DIRECT", sysPipe2)
}

func sysRead(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := t.Process().Files().Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	buf, err := t.AppBytesPrefix(a[1], int(min(a[2], maxRW)), true)
	if err != nil {
		return 0, err
	}
	n, err := f.Read(t, buf)
	if n > 0 {
		return uint64(n), nil
	}
	return 0, err
}

func sysWrite(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := t.Process().Files().Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	if !kernel.AccessOK(a[1], a[2]) {
		return 0, unix.EFAULT
	}
	buf, err := t.AppBytesPrefix(a[1], int(min(a[2], maxRW)), false)
	if err != nil {
		return 0, err
	}
	n, err := f.Write(t, buf)
	if n > 0 {
		return uint64(n), nil
	}
	return 0, err
}

func vectorIO(t *kernel.Task, a shim.Args, write bool) (uint64, error) {
	f, err := t.Process().Files().Get(a.Int(0))
	if err != nil {
		return 0, err
	}
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
		buf, err := t.AppBytesPrefix(v.Base, int(min(v.Len, maxRW-done)), !write)
		if err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		short := uint64(len(buf)) < v.Len
		var n int
		if write {
			n, err = f.Write(t, buf)
		} else {
			n, err = f.Read(t, buf)
		}
		done += uint64(max(n, 0))
		if err != nil || n < len(buf) || short || done >= maxRW {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

func sysReadv(t *kernel.Task, a shim.Args) (uint64, error)  { return vectorIO(t, a, false) }
func sysWritev(t *kernel.Task, a shim.Args) (uint64, error) { return vectorIO(t, a, true) }

func sysClose(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.Process().Files().Close(a.Int(0))
}

func sysDup(t *kernel.Task, a shim.Args) (uint64, error) {
	fd, err := t.Process().Files().Dup(a.Int(0), 0, false, false)
	return uint64(fd), err
}

func sysDup2(t *kernel.Task, a shim.Args) (uint64, error) {
	old, nfd := a.Int(0), a.Int(1)
	if old == nfd {
		if _, err := t.Process().Files().Get(old); err != nil {
			return 0, err
		}
		return uint64(nfd), nil
	}
	fd, err := t.Process().Files().Dup(old, nfd, true, false)
	return uint64(fd), err
}

func sysDup3(t *kernel.Task, a shim.Args) (uint64, error) {
	old, nfd, flags := a.Int(0), a.Int(1), a.Int(2)
	if flags&^unix.O_CLOEXEC != 0 || old == nfd {
		return 0, unix.EINVAL
	}
	fd, err := t.Process().Files().Dup(old, nfd, true, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}

func sysFcntl(t *kernel.Task, a shim.Args) (uint64, error) {
	fds := t.Process().Files()
	fd, cmd := a.Int(0), a.Int(1)
	if _, err := fds.Get(fd); err != nil {
		return 0, err
	}
	switch cmd {
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC:
		min := a.Int(2)
		if min < 0 {
			return 0, unix.EINVAL
		}
		nfd, err := fds.Dup(fd, min, false, cmd == unix.F_DUPFD_CLOEXEC)
		return uint64(nfd), err
	case unix.F_GETFD:
		on, err := fds.CloexecOf(fd)
		if on {
			return unix.FD_CLOEXEC, err
		}
		return 0, err
	case unix.F_SETFD:
		return 0, fds.SetCloexec(fd, a[2]&unix.FD_CLOEXEC != 0)
	case unix.F_GETFL:
		f, _ := fds.Get(fd)
		if ff, ok := f.(kernel.FlagFile); ok {
			return uint64(ff.StatusFlags()), nil
		}
		return unix.O_RDWR, nil
	case unix.F_GETLK, unix.F_SETLK, unix.F_SETLKW, fOFDGetlk, fOFDSetlk, fOFDSetlkw:
		f, _ := fds.Get(fd)
		return 0, recordLock(t, f, cmd, a[2])
	case unix.F_SETFL:
		f, _ := fds.Get(fd)
		if ff, ok := f.(kernel.FlagFile); ok {
			return 0, ff.SetStatusFlags(a.Int(2))
		}
		return 0, nil
	}
	return 0, unix.EINVAL
}

func sysIoctl(t *kernel.Task, a shim.Args) (uint64, error) {
	fds := t.Process().Files()
	fd, req := a.Int(0), a[1]&0xffffffff
	f, err := fds.Get(fd)
	if err != nil {
		return 0, err
	}
	switch req {
	case fioclex:
		return 0, fds.SetCloexec(fd, true)
	case fionclex:
		return 0, fds.SetCloexec(fd, false)
	case fionbio:
		// Any descriptor: the same as F_SETFL with or without O_NONBLOCK.
		ff, ok := f.(kernel.FlagFile)
		if !ok {
			return 0, unix.ENOTTY
		}
		var b [4]byte
		if err := t.CopyIn(a[2], b[:]); err != nil {
			return 0, err
		}
		fl := ff.StatusFlags() &^ unix.O_NONBLOCK
		if b != [4]byte{} {
			fl |= unix.O_NONBLOCK
		}
		return 0, ff.SetStatusFlags(fl)
	}
	if io, ok := f.(kernel.Ioctler); ok {
		return io.Ioctl(t, req, a[2])
	}
	return 0, unix.ENOTTY
}

func sysFstat(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := t.Process().Files().Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	s, ok := f.(kernel.Stater)
	if !ok {
		return 0, unix.EBADF
	}
	st, err := s.Stat(t)
	if err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[1], &st)
}

func sysLseek(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := t.Process().Files().Get(a.Int(0))
	if err != nil {
		return 0, err
	}
	s, ok := f.(kernel.Seeker)
	if !ok {
		return 0, unix.ESPIPE
	}
	whence := a.Int(2)
	if whence < 0 || whence > unix.SEEK_HOLE {
		return 0, unix.EINVAL
	}
	off, err := s.Seek(t, a.Long(1), whence)
	return uint64(off), err
}

func sysPipe(t *kernel.Task, a shim.Args) (uint64, error) { return pipe(t, a[0], 0) }

func sysPipe2(t *kernel.Task, a shim.Args) (uint64, error) { return pipe(t, a[0], a.Int(1)) }

func pipe(t *kernel.Task, addr uint64, flags int) (uint64, error) {
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_DIRECT) != 0 {
		return 0, unix.EINVAL
	}
	var hfd [2]int
	if err := unix.Pipe2(hfd[:], unix.O_CLOEXEC|flags&(unix.O_NONBLOCK|unix.O_DIRECT)); err != nil {
		return 0, err
	}
	fds := t.Process().Files()
	cloexec := flags&unix.O_CLOEXEC != 0
	r, err := fds.Install(kernel.NewOwnedHostFile(hfd[0], "pipe", unix.O_RDONLY|flags&unix.O_NONBLOCK), 0, cloexec)
	if err != nil {
		unix.Close(hfd[0])
		unix.Close(hfd[1])
		return 0, err
	}
	w, err := fds.Install(kernel.NewOwnedHostFile(hfd[1], "pipe", unix.O_WRONLY|flags&unix.O_NONBLOCK), 0, cloexec)
	if err != nil {
		fds.Close(r)
		unix.Close(hfd[1])
		return 0, err
	}
	b := []byte{byte(r), byte(r >> 8), byte(r >> 16), byte(r >> 24), byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24)}
	if err := t.CopyOut(addr, b); err != nil {
		fds.Close(r)
		fds.Close(w)
		return 0, err
	}
	return 0, nil
}

const (
	fionbio  = 0x5421
	fionclex = 0x5450
	fioclex  = 0x5451
)

const (
	fOFDGetlk  = 36
	fOFDSetlk  = 37
	fOFDSetlkw = 38
)

// Locker is implemented by files with advisory record locks.
type Locker interface {
	GetLock(t *kernel.Task, ofd bool, lk *unix.Flock_t) error
	SetLock(t *kernel.Task, ofd bool, lk unix.Flock_t, wait bool) error
}

func recordLock(t *kernel.Task, f kernel.File, cmd int, addr uint64) error {
	l, ok := f.(Locker)
	if !ok {
		return unix.EINVAL
	}
	var lk unix.Flock_t
	if err := kernel.CopyInStruct(t, addr, &lk); err != nil {
		return err
	}
	ofd := cmd == fOFDGetlk || cmd == fOFDSetlk || cmd == fOFDSetlkw
	if ofd && lk.Pid != 0 {
		return unix.EINVAL
	}
	switch cmd {
	case unix.F_GETLK, fOFDGetlk:
		if err := l.GetLock(t, ofd, &lk); err != nil {
			return err
		}
		return kernel.CopyOutStruct(t, addr, &lk)
	}
	return l.SetLock(t, ofd, lk, cmd == unix.F_SETLKW || cmd == fOFDSetlkw)
}
