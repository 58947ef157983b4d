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
// Job control, as the app sees it: the first process starts in
// elfloader's host session and group (pgrp.go); app processes make groups
// and sessions of their own with setpgid and setsid, which the host never
// sees. The console is the controlling terminal of the first process's
// session when it is elfloader's, and of no session the app creates. The
// kernel keeps the terminal's foreground group as the app sees it: the
// first process's group until TIOCSPGRP moves it; the keyboard signals
// elfloader receives (Ctrl-C's SIGINT…) and SIGWINCH go to that group's
// processes (SignalForegroundGroup). A background group of the
// terminal's session that reads from it gets SIGTTIN, one that changes
// its mode (or writes while TOSTOP is set) SIGTTOU (checkTerminalAccess).

// TerminalIoctl serves a terminal request on host descriptor fd; ENOTTY
// when fd is not a terminal or the request is not a terminal's.
func TerminalIoctl(t *Task, fd int, req, arg uint64) (uint64, error) {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return 0, err // ENOTTY: not a terminal
	}
	if changesTerminal(req) {
		if err := t.checkTerminalAccess(sigTTOU); err != nil {
			if err == unix.EIO && req == unix.TIOCSPGRP {
				return 0, unix.ENOTTY // as Linux's tiocspgrp
			}
			return 0, err
		}
	}
	return terminalRequest(t, fd, req, arg, tio)
}

// changesTerminal reports whether req changes the terminal, which a
// background process may not do without SIGTTOU (Linux's
// tty_check_change callers).
func changesTerminal(req uint64) bool {
	switch req {
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF, unix.TCSETS2, unix.TCSETSW2, unix.TCSETSF2,
		unix.TCFLSH, unix.TCXONC, unix.TCSBRK, unix.TCSBRKP, unix.TIOCSPGRP:
		return true
	}
	return false
}

// terminalRequest serves a terminal request the job-control rules let
// through.
func terminalRequest(t *Task, fd int, req, arg uint64, tio *unix.Termios) (uint64, error) {
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
		return 0, getTerminalSession(t, fd, arg)
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

// hostGroup is elfloader's own host process group, the first process's
// group.
func hostGroup() int { return unix.Getpgrp() }

// terminalState is the console's job-control state as the app sees it:
// the session whose controlling terminal it is (elfloader's host session,
// the first process's, unless a session leader of the app stole it with
// TIOCSCTTY) and that session's foreground group.
type terminalState struct {
	mu         sync.Mutex
	session    int
	foreground int
}

type terminalStateKey struct{}

func (k *Kernel) terminal() *terminalState {
	return k.LibraryState(terminalStateKey{}, func() any {
		g := initialGroups()
		return &terminalState{session: g.sid, foreground: g.pgid}
	}).(*terminalState)
}

// state returns the terminal's session and foreground group.
func (s *terminalState) state() (session, foreground int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session, s.foreground
}

func (s *terminalState) setForegroundGroup(pgrp int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.foreground = pgrp
}

// controls reports whether the console is p's controlling terminal: p is
// in the terminal's session (a process that called setsid has none).
func (s *terminalState) controls(p *Process) bool {
	session, _ := s.state()
	return p.Session() == session
}

// getForegroundGroup is TIOCGPGRP: the foreground group the app set while
// elfloader's group is in the foreground on the host; the host's answer
// otherwise (elfloader runs in the background of a shell). ENOTTY when the
// terminal is not the caller's controlling terminal.
func getForegroundGroup(t *Task, fd int, arg uint64) error {
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil {
		return err
	}
	term := t.k.terminal()
	if !term.controls(t.p) {
		return unix.ENOTTY
	}
	if fg == hostGroup() {
		_, fg = term.state()
	}
	return CopyOutValue(t, arg, uint32(fg))
}

// setForegroundGroup is TIOCSPGRP, with Linux's rules: ENOTTY unless the
// terminal is the caller's controlling terminal, ESRCH for a group (or
// process) that does not exist, EPERM for one of another session.
func setForegroundGroup(t *Task, fd int, arg uint64) error {
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil {
		return err // ENOTTY: not the controlling terminal
	}
	var pgrp32 int32
	if err := CopyInStruct(t, arg, &pgrp32); err != nil {
		return err
	}
	pgrp := int(pgrp32)
	if pgrp < 0 {
		return unix.EINVAL
	}
	term := t.k.terminal()
	if !term.controls(t.p) {
		return unix.ENOTTY
	}
	sid, ok := t.k.sessionOfGroup(pgrp)
	switch {
	case !ok:
		return unix.ESRCH
	case sid != t.p.Session():
		return unix.EPERM
	}
	term.setForegroundGroup(pgrp)
	return nil
}

// sessionOfGroup is the session of group pgrp, or (as Linux accepts it)
// of the process with that PID; false when there is neither.
func (k *Kernel) sessionOfGroup(pgrp int) (int, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.processes {
		if p.groups.pgid == pgrp {
			return p.groups.sid, true
		}
	}
	if p := k.processes[pgrp]; p != nil {
		return p.groups.sid, true
	}
	return 0, false
}

// getTerminalSession is TIOCGSID: the terminal's session, for a caller it
// is the controlling terminal of (ENOTTY otherwise).
func getTerminalSession(t *Task, fd int, arg uint64) error {
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGSID); err != nil {
		return err
	}
	term := t.k.terminal()
	if !term.controls(t.p) {
		return unix.ENOTTY
	}
	session, _ := term.state()
	return CopyOutValue(t, arg, uint32(session))
}

// setControllingTerminal is TIOCSCTTY. Only a session leader without a
// controlling terminal may ask. The first process, when elfloader leads
// its host session (it has elfloader's PID), asks the host (0 when the
// terminal is already the session's, EPERM when it belongs to another
// session). The console always belongs to a session, so a leader of a
// session the app made gets it only by stealing it (arg 1 and
// CAP_SYS_ADMIN, as in Linux), in the app's view: the host terminal stays
// elfloader's.
func setControllingTerminal(t *Task, fd int, arg uint64) error {
	term := t.k.terminal()
	session, _ := term.state()
	p := t.p
	if p.Session() == session {
		if sid, err := unix.Getsid(0); err != nil || sid != p.PID {
			return unix.EPERM
		}
		return unix.IoctlSetInt(fd, unix.TIOCSCTTY, int(int32(arg)))
	}
	if p.Session() != p.PID || int32(arg) != 1 || !p.HasCap(CapSysAdmin) {
		return unix.EPERM
	}
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return err
	}
	term.mu.Lock()
	term.session, term.foreground = p.Session(), p.ProcessGroup()
	term.mu.Unlock()
	return nil
}

// SignalForegroundGroup sends sig as the terminal does (SIGINT for Ctrl-C,
// SIGQUIT, SIGTSTP, SIGWINCH) to every process of the terminal's
// foreground group as the app sees it.
func (k *Kernel) SignalForegroundGroup(sig int) {
	session, fg := k.terminal().state()
	for _, p := range k.GroupMembers(fg) {
		if p.Session() == session && !p.Exiting() {
			p.SendSignal(NewSigInfo(sig, linux.SI_KERNEL))
		}
	}
}

const (
	sigTTIN = int(unix.SIGTTIN)
	sigTTOU = int(unix.SIGTTOU)
)

// checkTerminalAccess is Linux's __tty_check_change for the console: a
// process of the terminal's session outside its foreground group that
// reads (sig SIGTTIN) or changes the terminal (SIGTTOU) gets nil when it
// ignores or blocks sig (EIO for a read), EIO when its group is orphaned,
// and otherwise its whole group gets sig and the call is restarted after
// it (ERESTARTSYS).
func (t *Task) checkTerminalAccess(sig int) error {
	session, fg := t.k.terminal().state()
	return t.terminalAccess(session, fg, sig)
}

// terminalAccess is checkTerminalAccess for a terminal of the given
// session and foreground group.
func (t *Task) terminalAccess(session, fg, sig int) error {
	p := t.p
	if p.Session() != session {
		return nil
	}
	pgrp := p.ProcessGroup()
	if fg == 0 || pgrp == fg {
		return nil
	}
	p.sigMu.Lock()
	blocked := t.SigMask&sigBit(sig) != 0
	p.sigMu.Unlock()
	switch {
	case blocked || p.SigAction(sig).Handler == linux.SIG_IGN:
		if sig == sigTTIN {
			return unix.EIO
		}
		return nil
	case t.k.groupOrphaned(pgrp, nil):
		return unix.EIO
	}
	t.k.signalGroup(pgrp, sig)
	return ERESTARTSYS
}

// consoleAccess applies checkTerminalAccess to a read (sig SIGTTIN) or a
// write (SIGTTOU, only while TOSTOP is set) of host descriptor fd when it
// is a terminal.
func consoleAccess(t *Task, fd, sig int) error {
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil || (sig == sigTTOU && tio.Lflag&unix.TOSTOP == 0) {
		return nil
	}
	return t.checkTerminalAccess(sig)
}
