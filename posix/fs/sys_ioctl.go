package fs

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerIoctl(tb *shim.Table) {
	tb.Register(unix.SYS_IOCTL, shim.Partial, "FIOCLEX/FIONCLEX/FIONBIO, FIOASYNC (O_ASYNC, as F_SETFL), and what the file answers: a terminal (the console, /dev/tty) serves TCGETS/TCSETS*, termios2, window size, TCFLSH/TCXONC/TCSBRK, FIONREAD/TIOCOUTQ against the host terminal, and job control (TIOCGPGRP/TIOCSPGRP/TIOCGSID/TIOCSCTTY) for one process group; the app's pseudo-terminals (posix/pty: TIOCGPTN, TIOCSPTLCK/TIOCGPTLCK, TIOCGPTPEER, termios and termios2, window size, FIONREAD/TIOCOUTQ, TCFLSH, TIOCSCTTY/TIOCNOTTY/TIOCGPGRP/TIOCSPGRP/TIOCGSID, TIOCGETD; no TIOCPKT or TIOCSTI); pipes, FIFOs and sockets FIONREAD; others ENOTTY", sysIoctl)
}

func sysIoctl(t *kernel.Task, a shim.Args) (uint64, error) {
	fds := t.Process().Files()
	fd, req := a.Int(0), a[1]&0xffffffff
	f, err := fds.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	switch req {
	case linux.FIOCLEX:
		return 0, fds.SetCloseOnExec(fd, true)
	case linux.FIONCLEX:
		return 0, fds.SetCloseOnExec(fd, false)
	case linux.FIONBIO:
		return 0, setStatusFlag(t, f, unix.O_NONBLOCK, a[2])
	case linux.FIOASYNC:
		return 0, setStatusFlag(t, f, unix.O_ASYNC, a[2])
	}
	if io, ok := f.(kernel.Ioctler); ok {
		return io.Ioctl(t, req, a[2])
	}
	return 0, unix.ENOTTY
}

// setStatusFlag serves FIONBIO and FIOASYNC on any descriptor: the same as
// F_SETFL with or without flag, from the int at addr.
func setStatusFlag(t *kernel.Task, f kernel.File, flag int, addr uint64) error {
	ff, ok := f.(kernel.FlagFile)
	if !ok {
		return unix.ENOTTY
	}
	var on int32
	if err := kernel.CopyInStruct(t, addr, &on); err != nil {
		return err
	}
	fl := ff.StatusFlags() &^ flag
	if on != 0 {
		fl |= flag
	}
	if err := ff.SetStatusFlags(fl); err != nil {
		return err
	}
	return t.Kernel().UpdateAsync(f)
}
