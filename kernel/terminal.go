package kernel

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// The console is the host terminal elfloader runs on, shared with the app:
// the app's terminal requests are applied to it for real (raw mode for an
// editor or a REPL, window size), so the host's line discipline does the
// echo, line editing and signal keys, as it would for the program run
// natively.
//
// Job control, as the app sees it: the kernel has one session and one
// process group (no setsid, no setpgid), elfloader's own host process group,
// which every app process is in. The console is the session's controlling
// terminal when it is elfloader's. The kernel keeps the terminal's
// foreground group as the app sees it: the app's group until TIOCSPGRP
// moves it; the keyboard signals elfloader receives (Ctrl-C's SIGINT…) and
// SIGWINCH go to that group (SignalForegroundGroup).

// TerminalIoctl serves a terminal request on host descriptor fd; ENOTTY
// when fd is not a terminal or the request is not a terminal's.
func TerminalIoctl(t *Task, fd int, req, arg uint64) (uint64, error) {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return 0, err // ENOTTY: not a terminal
	}
	switch req {
	case unix.TCGETS:
		return 0, t.CopyOut(arg, termiosBytes(tio, termiosSize))
	case unix.TCGETS2:
		tio2, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
		if err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, termiosBytes(tio2, termios2Size))
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF:
		return 0, setTermios(t, fd, req, arg, termiosSize)
	case unix.TCSETS2, unix.TCSETSW2, unix.TCSETSF2:
		return 0, setTermios(t, fd, req, arg, termios2Size)
	case unix.TIOCGWINSZ:
		ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		if err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, winsizeBytes(ws))
	case unix.TIOCSWINSZ:
		// The host terminal sends SIGWINCH to its foreground group, which
		// elfloader passes on to the app's.
		var ws unix.Winsize
		if err := CopyInStruct(t, arg, &ws); err != nil {
			return 0, err
		}
		return 0, unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &ws)
	case unix.TCFLSH, unix.TCXONC, unix.TCSBRK, unix.TCSBRKP:
		// The argument is a value (queue, action, duration), not a pointer.
		return 0, unix.IoctlSetInt(fd, uint(req), int(int32(arg)))
	case unix.TIOCOUTQ:
		n, err := unix.IoctlGetInt(fd, unix.TIOCOUTQ)
		if err != nil {
			return 0, err
		}
		return 0, CopyOutValue(t, arg, uint32(n))
	case unix.TIOCGPGRP:
		return 0, getForegroundGroup(t, fd, arg)
	case unix.TIOCSPGRP:
		return 0, setForegroundGroup(t, fd, arg)
	case unix.TIOCGSID:
		// The session (and its leader) is elfloader's: the shell's, or
		// elfloader's own, whose PID the app's first process has.
		sid, err := unix.IoctlGetInt(fd, unix.TIOCGSID)
		if err != nil {
			return 0, err
		}
		return 0, CopyOutValue(t, arg, uint32(sid))
	case unix.TIOCSCTTY:
		return 0, setControllingTerminal(t, fd, arg)
	}
	return 0, unix.ENOTTY
}

// setTermios applies the app's struct termios (size termiosSize) or
// termios2 to the host terminal with the same request, so TCSETSW waits
// for output to drain and TCSETSF flushes pending input on the host.
func setTermios(t *Task, fd int, req, arg uint64, size int) error {
	tio, err := copyInTermios(t, arg, size)
	if err != nil {
		return err
	}
	return unix.IoctlSetTermios(fd, uint(req), tio)
}

// appGroup is the process group of every app process: elfloader's own.
func appGroup() int { return unix.Getpgrp() }

// terminalState is the console's job-control state as the app sees it.
type terminalState struct {
	mu         sync.Mutex
	foreground int // the foreground group the app set; 0: the app's group
}

type terminalStateKey struct{}

func (k *Kernel) terminal() *terminalState {
	return k.LibraryState(terminalStateKey{}, func() any { return &terminalState{} }).(*terminalState)
}

func (s *terminalState) foregroundGroup() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.foreground == 0 {
		return appGroup()
	}
	return s.foreground
}

func (s *terminalState) setForegroundGroup(pgrp int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.foreground = pgrp
}

// getForegroundGroup is TIOCGPGRP: the foreground group the app set while
// elfloader's group is in the foreground on the host; the host's answer
// otherwise (elfloader runs in the background of a shell). ENOTTY when the
// terminal is not the session's controlling terminal.
func getForegroundGroup(t *Task, fd int, arg uint64) error {
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil {
		return err
	}
	if fg == appGroup() {
		fg = t.k.terminal().foregroundGroup()
	}
	return CopyOutValue(t, arg, uint32(fg))
}

// setForegroundGroup is TIOCSPGRP. The groups of the app's session are its
// one group and, as Linux accepts them, the PIDs of its processes.
func setForegroundGroup(t *Task, fd int, arg uint64) error {
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil {
		return err // ENOTTY: not the controlling terminal
	}
	var pgrp32 int32
	if err := CopyInStruct(t, arg, &pgrp32); err != nil {
		return err
	}
	pgrp := int(pgrp32)
	switch {
	case pgrp < 0:
		return unix.EINVAL
	case pgrp != appGroup() && t.k.ProcessByPID(pgrp) == nil:
		return unix.ESRCH
	}
	t.k.terminal().setForegroundGroup(pgrp)
	return nil
}

// setControllingTerminal is TIOCSCTTY. Only a session leader may ask: the
// app's first process when elfloader leads its host session (it has
// elfloader's PID); the host then answers (0 when the terminal is already
// the session's, EPERM when it belongs to another session).
func setControllingTerminal(t *Task, fd int, arg uint64) error {
	if sid, err := unix.Getsid(0); err != nil || sid != t.p.PID {
		return unix.EPERM
	}
	return unix.IoctlSetInt(fd, unix.TIOCSCTTY, int(int32(arg)))
}

// SignalForegroundGroup sends sig as the terminal does (SIGINT for Ctrl-C,
// SIGQUIT, SIGTSTP, SIGWINCH), to every process of the terminal's
// foreground group as the app sees it: all the app's processes, unless the
// app moved the foreground to a group that has none.
func (k *Kernel) SignalForegroundGroup(sig int) {
	if k.terminal().foregroundGroup() != appGroup() {
		return
	}
	k.mu.Lock()
	procs := make([]*Process, 0, len(k.processes))
	for _, p := range k.processes {
		procs = append(procs, p)
	}
	k.mu.Unlock()
	for _, p := range procs {
		p.SendSignal(NewSigInfo(sig, linux.SI_KERNEL))
	}
}
