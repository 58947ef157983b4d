package pty

import (
	"context"
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// master is an open description of /dev/ptmx (one per pair).
type master struct{ term *Terminal }

// slave is an open description of /dev/pts/N.
type slave struct{ term *Terminal }

func (m *master) Read(ctx context.Context, p []byte, _ int64, nonblock bool) (int, error) {
	return m.term.readOutput(ctx, p, nonblock)
}

func (m *master) Write(ctx context.Context, p []byte, _ int64, nonblock bool) (int, error) {
	return m.term.writeInput(ctx, p, nonblock)
}

// Release closes the master: the slave is hung up (its session leader
// gets SIGHUP and SIGCONT, reads answer 0 and writes EIO) and the pair's
// number is free again.
func (m *master) Release() {
	t := m.term
	t.mu.Lock()
	t.masterOpen, t.hungUp = false, true
	t.line, t.lines, t.raw, t.out = nil, nil, nil, nil
	session := t.session
	t.session, t.fg = 0, 0
	t.changedLocked()
	t.mu.Unlock()
	t.notify()
	if session != 0 {
		t.k.SetSessionTerminal(session, nil, t)
		if leader := t.k.ProcessByPID(session); leader != nil && leader.Session() == session && !leader.Exiting() {
			leader.SendSignal(kernel.NewSigInfo(int(unix.SIGHUP), linux.SI_KERNEL))
			leader.SendSignal(kernel.NewSigInfo(int(unix.SIGCONT), linux.SI_KERNEL))
		}
	}
	t.pts.remove(t)
}

func (m *master) Readiness(mask uint32) uint32 { return m.term.masterReadiness(mask) }
func (m *master) EventRegister(w *vfs.Waiter)  { m.term.mq.Register(w) }
func (m *master) EventUnregister(w *vfs.Waiter) {
	m.term.mq.Unregister(w)
}

func (s *slave) Read(ctx context.Context, p []byte, _ int64, nonblock bool) (int, error) {
	if err := s.term.jobControl(ctx, int(unix.SIGTTIN)); err != nil {
		return 0, err
	}
	return s.term.readInput(ctx, p, nonblock)
}

func (s *slave) Write(ctx context.Context, p []byte, _ int64, nonblock bool) (int, error) {
	s.term.mu.Lock()
	tostop := s.term.lflag(unix.TOSTOP)
	s.term.mu.Unlock()
	if tostop {
		if err := s.term.jobControl(ctx, int(unix.SIGTTOU)); err != nil {
			return 0, err
		}
	}
	return s.term.writeOutput(ctx, p, nonblock)
}

// Release closes a slave description; the last one lets the master
// read EIO.
func (s *slave) Release() {
	t := s.term
	t.mu.Lock()
	t.slaves--
	if t.slaves == 0 {
		t.otherClosed = true
	}
	t.changedLocked()
	t.mu.Unlock()
	t.notify()
}

func (s *slave) Readiness(mask uint32) uint32 { return s.term.slaveReadiness(mask) }
func (s *slave) EventRegister(w *vfs.Waiter)  { s.term.sq.Register(w) }
func (s *slave) EventUnregister(w *vfs.Waiter) {
	s.term.sq.Unregister(w)
}

// openSlave opens /dev/pts/N: EIO while locked or once the master is
// gone. A session leader without a controlling terminal that opens it
// without O_NOCTTY makes it its session's.
func (t *Terminal) openSlave(ctx context.Context, flags int) (vfs.FileImpl, error) {
	t.mu.Lock()
	if t.locked || !t.masterOpen {
		t.mu.Unlock()
		return nil, unix.EIO
	}
	t.slaves++
	t.otherClosed = false
	t.changedLocked()
	t.mu.Unlock()
	t.notify()
	if task, ok := kernel.TaskFromContext(ctx); ok && flags&unix.O_NOCTTY == 0 {
		p := task.Process()
		if p.Session() == p.PID && !t.k.SessionHasTerminal(p.PID) {
			t.acquire(p, false)
		}
	}
	return &slave{term: t}, nil
}

// OpenTTY implements kernel.SessionTerminal: /dev/tty of the session.
func (t *Terminal) OpenTTY(ctx context.Context, flags int) (vfs.FileImpl, error) {
	return t.openSlave(ctx, flags|unix.O_NOCTTY)
}

// acquire makes the terminal the controlling terminal of p's session
// (steal: taken from the session that had it). It fails when the
// terminal has another session and steal is false.
func (t *Terminal) acquire(p *kernel.Process, steal bool) bool {
	t.mu.Lock()
	old := t.session
	if (old != 0 && !steal) || t.hungUp {
		t.mu.Unlock()
		return old == p.Session()
	}
	t.session, t.fg = p.Session(), p.ProcessGroup()
	t.mu.Unlock()
	if old != 0 {
		t.k.SetSessionTerminal(old, nil, t)
	}
	t.k.SetSessionTerminal(p.Session(), t, nil)
	// The leader's exit ends the session's hold (disassociate_ctty):
	// its foreground group gets SIGHUP and SIGCONT.
	sid := p.Session()
	p.OnExit(t, func() { t.release(sid, true) })
	return true
}

// release drops session sid's hold on the terminal (the leader's exit or
// its TIOCNOTTY), signalling the foreground group with SIGHUP and
// SIGCONT when hup.
func (t *Terminal) release(sid int, hup bool) {
	t.mu.Lock()
	if t.session != sid {
		t.mu.Unlock()
		return
	}
	fg := t.fg
	t.session, t.fg = 0, 0
	t.mu.Unlock()
	t.k.SetSessionTerminal(sid, nil, t)
	if hup && fg != 0 {
		t.k.SignalGroup(fg, int(unix.SIGHUP))
		t.k.SignalGroup(fg, int(unix.SIGCONT))
	}
}

// jobControl applies the background rules to the caller, when the
// terminal is its session's.
func (t *Terminal) jobControl(ctx context.Context, sig int) error {
	task, ok := kernel.TaskFromContext(ctx)
	if !ok {
		return nil
	}
	t.mu.Lock()
	session, fg := t.session, t.fg
	t.mu.Unlock()
	if session == 0 {
		return nil
	}
	return task.CheckTerminalAccess(session, fg, sig)
}

// Ioctl implements vfs.Ioctler for the master.
func (m *master) Ioctl(ctx context.Context, cmd uint32, arg uint64) (uint64, error) {
	task, ok := kernel.TaskFromContext(ctx)
	if !ok {
		return 0, unix.ENOTTY
	}
	t := m.term
	switch cmd {
	case unix.TIOCGPTN:
		return 0, kernel.CopyOutValue(task, arg, uint32(t.index))
	case unix.TIOCSPTLCK:
		var v int32
		if err := kernel.CopyInStruct(task, arg, &v); err != nil {
			return 0, err
		}
		t.mu.Lock()
		t.locked = v != 0
		t.mu.Unlock()
		return 0, nil
	case unix.TIOCGPTLCK:
		t.mu.Lock()
		v := int32(0)
		if t.locked {
			v = 1
		}
		t.mu.Unlock()
		return 0, kernel.CopyOutValue(task, arg, v)
	case unix.TIOCGPTPEER:
		return t.openPeer(task, int(arg))
	case linux.FIONREAD:
		t.mu.Lock()
		n := int32(len(t.out))
		t.mu.Unlock()
		return 0, kernel.CopyOutValue(task, arg, n)
	case unix.TIOCOUTQ:
		t.mu.Lock()
		n := int32(t.inputLenLocked())
		t.mu.Unlock()
		return 0, kernel.CopyOutValue(task, arg, n)
	case unix.TCFLSH:
		return 0, t.tcflush(arg, true)
	case unix.TIOCGPGRP, unix.TIOCGSID:
		t.mu.Lock()
		session, fg := t.session, t.fg
		t.mu.Unlock()
		if session == 0 {
			if cmd == unix.TIOCGPGRP {
				return 0, kernel.CopyOutValue(task, arg, int32(0))
			}
			return 0, unix.ENOTTY
		}
		v := fg
		if cmd == unix.TIOCGSID {
			v = session
		}
		return 0, kernel.CopyOutValue(task, arg, int32(v))
	case unix.TIOCSCTTY, unix.TIOCNOTTY, unix.TIOCSPGRP:
		return 0, unix.ENOTTY
	}
	return t.common(task, cmd, arg, false)
}

// openPeer is TIOCGPTPEER: a new descriptor of the slave, opened through
// the devpts node (so /proc/self/fd names it).
func (t *Terminal) openPeer(task *kernel.Task, flags int) (uint64, error) {
	if flags&^(unix.O_ACCMODE|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	v := task.Kernel().VFS()
	fsctx := task.Process().FS
	mnt, ok := v.FindSuper("devpts")
	if !ok || fsctx == nil {
		return 0, unix.EIO
	}
	root := mnt.Root()
	name := strconv.Itoa(t.index)
	f, err := vfs.OpenAt(fsctx, root, name, vfs.OpenHow{Flags: flags, Wait: task.Context()})
	if err != nil {
		return 0, err
	}
	path := "/dev/pts/" + name
	if full, err := vfs.PathOf(fsctx, f.Location()); err == nil {
		path = full
	}
	vf := kernel.NewVFSFile(f, path)
	defer vf.DecRef()
	fd, err := task.Process().Files().Install(vf, 0, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}

// Ioctl implements vfs.Ioctler for the slave.
func (s *slave) Ioctl(ctx context.Context, cmd uint32, arg uint64) (uint64, error) {
	task, ok := kernel.TaskFromContext(ctx)
	if !ok {
		return 0, unix.ENOTTY
	}
	t := s.term
	t.mu.Lock()
	hungUp := t.hungUp
	t.mu.Unlock()
	if hungUp {
		if cmd == unix.TIOCSPGRP {
			return 0, unix.ENOTTY
		}
		return 0, unix.EIO
	}
	p := task.Process()
	switch cmd {
	case unix.TIOCGPTN, unix.TIOCSPTLCK, unix.TIOCGPTLCK, unix.TIOCGPTPEER:
		return 0, unix.EIO // as Linux answers on the slave side
	case linux.FIONREAD:
		t.mu.Lock()
		n := int32(t.inputLenLocked())
		t.mu.Unlock()
		return 0, kernel.CopyOutValue(task, arg, n)
	case unix.TIOCOUTQ:
		t.mu.Lock()
		n := int32(len(t.out))
		t.mu.Unlock()
		return 0, kernel.CopyOutValue(task, arg, n)
	case unix.TCFLSH:
		if err := t.jobControl(ctx, int(unix.SIGTTOU)); err != nil {
			return 0, err
		}
		return 0, t.tcflush(arg, false)
	case unix.TIOCSCTTY:
		if p.Session() != p.PID {
			return 0, unix.EPERM
		}
		t.mu.Lock()
		mine := t.session == p.Session()
		t.mu.Unlock()
		if mine {
			return 0, nil
		}
		if t.k.SessionHasTerminal(p.Session()) {
			return 0, unix.EPERM
		}
		steal := int32(arg) == 1 && p.HasCap(kernel.CapSysAdmin)
		if !t.acquire(p, steal) {
			return 0, unix.EPERM
		}
		return 0, nil
	case unix.TIOCNOTTY:
		t.mu.Lock()
		mine := t.session != 0 && t.session == p.Session()
		t.mu.Unlock()
		if !mine {
			return 0, unix.ENOTTY
		}
		if p.Session() == p.PID {
			t.release(p.Session(), true)
		}
		return 0, nil
	case unix.TIOCGPGRP, unix.TIOCGSID:
		t.mu.Lock()
		session, fg := t.session, t.fg
		t.mu.Unlock()
		if session == 0 || session != p.Session() {
			return 0, unix.ENOTTY
		}
		v := fg
		if cmd == unix.TIOCGSID {
			v = session
		}
		return 0, kernel.CopyOutValue(task, arg, int32(v))
	case unix.TIOCSPGRP:
		t.mu.Lock()
		session := t.session
		t.mu.Unlock()
		if session == 0 || session != p.Session() {
			return 0, unix.ENOTTY
		}
		if err := t.jobControl(ctx, int(unix.SIGTTOU)); err != nil {
			if err == unix.EIO {
				return 0, unix.ENOTTY
			}
			return 0, err
		}
		var pgrp int32
		if err := kernel.CopyInStruct(task, arg, &pgrp); err != nil {
			return 0, err
		}
		if pgrp < 0 {
			return 0, unix.EINVAL
		}
		sid, ok := t.k.SessionOfGroup(int(pgrp))
		switch {
		case !ok:
			return 0, unix.ESRCH
		case sid != session:
			return 0, unix.EPERM
		}
		t.mu.Lock()
		t.fg = int(pgrp)
		t.mu.Unlock()
		return 0, nil
	}
	return t.common(task, cmd, arg, true)
}

const (
	termiosSize  = 36 // struct termios: flags, line, c_cc[19]
	termios2Size = 44 // struct termios2: and the two speeds
)

// common serves the requests both sides answer alike (on the one termios
// and window size of the pair). fromSlave applies the job-control rules.
func (t *Terminal) common(task *kernel.Task, cmd uint32, arg uint64, fromSlave bool) (uint64, error) {
	ctx := task.Context()
	changes := false
	switch cmd {
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF, unix.TCSETS2, unix.TCSETSW2, unix.TCSETSF2,
		unix.TCSBRK, unix.TCSBRKP, unix.TCXONC, unix.TIOCSWINSZ:
		changes = true
	}
	if changes && fromSlave && cmd != unix.TIOCSWINSZ {
		if err := t.jobControl(ctx, int(unix.SIGTTOU)); err != nil {
			return 0, err
		}
	}
	switch cmd {
	case unix.TCGETS, unix.TCGETS2:
		size := termiosSize
		if cmd == unix.TCGETS2 {
			size = termios2Size
		}
		t.mu.Lock()
		b := encodeTermios(&t.tio)
		t.mu.Unlock()
		return 0, task.CopyOut(arg, b[:size])
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF, unix.TCSETS2, unix.TCSETSW2, unix.TCSETSF2:
		size := termiosSize
		if cmd == unix.TCSETS2 || cmd == unix.TCSETSW2 || cmd == unix.TCSETSF2 {
			size = termios2Size
		}
		b := make([]byte, termios2Size)
		if err := task.CopyIn(arg, b[:size]); err != nil {
			return 0, err
		}
		t.mu.Lock()
		tio := decodeTermios(b)
		if size == termiosSize {
			tio.Ispeed, tio.Ospeed = t.tio.Ispeed, t.tio.Ospeed
		}
		if cmd == unix.TCSETSF || cmd == unix.TCSETSF2 {
			t.flushInputLocked()
		}
		t.setTermiosLocked(tio)
		t.changedLocked()
		t.mu.Unlock()
		t.notify()
		return 0, nil
	case unix.TIOCGWINSZ:
		t.mu.Lock()
		ws := t.ws
		t.mu.Unlock()
		return 0, kernel.CopyOutStruct(task, arg, &ws)
	case unix.TIOCSWINSZ:
		var ws unix.Winsize
		if err := kernel.CopyInStruct(task, arg, &ws); err != nil {
			return 0, err
		}
		t.mu.Lock()
		changed := ws != t.ws
		t.ws = ws
		fg := t.fg
		t.mu.Unlock()
		if changed && fg != 0 {
			t.k.SignalGroup(fg, int(unix.SIGWINCH))
		}
		return 0, nil
	case unix.TCSBRK, unix.TCSBRKP, unix.TCXONC:
		// Output is in the master's buffer at once: nothing to drain,
		// no line to break, no flow control.
		return 0, nil
	case unix.TIOCGETD:
		return 0, kernel.CopyOutValue(task, arg, int32(0)) // N_TTY
	case unix.TIOCSETD:
		var ld int32
		if err := kernel.CopyInStruct(task, arg, &ld); err != nil {
			return 0, err
		}
		if ld != 0 {
			return 0, unix.EINVAL
		}
		return 0, nil
	case unix.TIOCEXCL, unix.TIOCNXCL:
		return 0, nil
	}
	return 0, unix.ENOTTY
}

// encodeTermios lays out struct termios2 (whose first 36 bytes are
// struct termios).
func encodeTermios(tio *unix.Termios) []byte {
	b := make([]byte, termios2Size)
	le := binary.LittleEndian
	le.PutUint32(b[0:], tio.Iflag)
	le.PutUint32(b[4:], tio.Oflag)
	le.PutUint32(b[8:], tio.Cflag)
	le.PutUint32(b[12:], tio.Lflag)
	b[16] = tio.Line
	copy(b[17:36], tio.Cc[:])
	le.PutUint32(b[36:], tio.Ispeed)
	le.PutUint32(b[40:], tio.Ospeed)
	return b
}

func decodeTermios(b []byte) unix.Termios {
	le := binary.LittleEndian
	tio := unix.Termios{
		Iflag: le.Uint32(b[0:]), Oflag: le.Uint32(b[4:]), Cflag: le.Uint32(b[8:]), Lflag: le.Uint32(b[12:]),
		Line: b[16], Ispeed: le.Uint32(b[36:]), Ospeed: le.Uint32(b[40:]),
	}
	copy(tio.Cc[:], b[17:36])
	return tio
}
