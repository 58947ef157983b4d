package pty

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

const (
	// inputLimit is N_TTY_BUF_SIZE: the line discipline's input buffer;
	// a master write waits while this much is unread, and a canonical
	// line keeps at most inputLimit-1 characters.
	inputLimit = 4096
	// outputLimit bounds what the slave wrote and the master did not
	// read yet.
	outputLimit = 65536
)

// Terminal is one pseudo-terminal pair: the line discipline between the
// master (the emulator's side) and the slave (the program's terminal),
// and the slave's controlling-terminal state. All fields are guarded by
// mu; changed is closed and replaced at every change, for blocked calls.
type Terminal struct {
	pts   *Devpts
	k     *kernel.Kernel
	index int

	mu      sync.Mutex
	tio     unix.Termios // the slave's termios (the master's requests act on it too)
	ws      unix.Winsize
	locked  bool // TIOCSPTLCK: the slave cannot be opened
	changed chan struct{}

	// Input, master to slave: the canonical line being edited, the
	// lines complete (an EOF line may be empty), the bytes of
	// non-canonical mode; lnext quotes the next character (VLNEXT).
	line  []byte
	lines [][]byte
	raw   []byte
	lnext bool

	// Output, slave to master.
	out []byte

	masterOpen  bool
	slaves      int  // open slave descriptions
	otherClosed bool // the last slave was closed (master reads EIO)
	hungUp      bool // the master was closed: the slave is hung up

	// The session the slave controls (0: none) and its foreground group.
	session, fg int

	mq, sq vfs.Queue // readiness of the master and of the slave
}

func newTerminal(d *Devpts, k *kernel.Kernel, n int) *Terminal {
	t := &Terminal{pts: d, k: k, index: n, locked: true, changed: make(chan struct{})}
	// Linux's pty slave init_termios: tty_std_termios with CS8|CREAD.
	t.tio = unix.Termios{
		Iflag:  unix.ICRNL | unix.IXON,
		Oflag:  unix.OPOST | unix.ONLCR,
		Cflag:  unix.B38400 | unix.CS8 | unix.CREAD,
		Lflag:  unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHOCTL | unix.ECHOKE | unix.IEXTEN,
		Ispeed: 38400, Ospeed: 38400,
	}
	copy(t.tio.Cc[:], "\003\034\177\025\004\000\001\000\021\023\032\000\022\017\027\026\000")
	return t
}

// changedLocked wakes blocked calls; the caller then calls notify
// (without mu) for poll and epoll.
func (t *Terminal) changedLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

const allEvents = vfs.EventIn | vfs.EventOut | vfs.EventErr | vfs.EventHup | vfs.EventRdNorm | vfs.EventWrNorm

// notify tells poll and epoll waiters of both sides what is ready now.
func (t *Terminal) notify() {
	if ev := t.masterReadiness(allEvents); ev != 0 {
		t.mq.Notify(ev)
	}
	if ev := t.slaveReadiness(allEvents); ev != 0 {
		t.sq.Notify(ev)
	}
}

func (t *Terminal) lflag(f uint32) bool { return t.tio.Lflag&f != 0 }
func (t *Terminal) iflag(f uint32) bool { return t.tio.Iflag&f != 0 }
func (t *Terminal) oflag(f uint32) bool { return t.tio.Oflag&f != 0 }

// cc reports whether c is the special character at index i (a slot set
// to 0, _POSIX_VDISABLE, matches nothing).
func (t *Terminal) cc(c byte, i int) bool { return t.tio.Cc[i] != 0 && t.tio.Cc[i] == c }

// inputLenLocked is what the slave can read now.
func (t *Terminal) inputLenLocked() int {
	n := len(t.raw)
	for _, l := range t.lines {
		n += len(l)
	}
	return n
}

// outputLocked appends p to the master's input with the output
// processing of c_oflag (OPOST: ONLCR, OCRNL, ONLRET).
func (t *Terminal) outputLocked(p []byte) {
	if !t.oflag(unix.OPOST) {
		t.out = append(t.out, p...)
		return
	}
	for _, c := range p {
		switch {
		case c == '\n' && t.oflag(unix.ONLCR):
			t.out = append(t.out, '\r', '\n')
		case c == '\r' && t.oflag(unix.OCRNL):
			t.out = append(t.out, '\n')
		default:
			t.out = append(t.out, c)
		}
	}
}

func isCntrl(c byte) bool { return c < 32 || c == 127 }

// echoLocked echoes c (ECHOCTL shows a control character but tab and
// newline as ^X).
func (t *Terminal) echoLocked(c byte) {
	if t.lflag(unix.ECHOCTL) && isCntrl(c) && c != '\t' && c != '\n' {
		t.outputLocked([]byte{'^', c ^ 0o100})
		return
	}
	t.outputLocked([]byte{c})
}

// receiveLocked runs one character from the master through the input
// side of the line discipline (Linux's n_tty_receive_char). It returns
// the signal a keyboard character raises (0: none).
func (t *Terminal) receiveLocked(c byte) int {
	if t.iflag(unix.ISTRIP) {
		c &= 0x7f
	}
	if t.lnext {
		t.lnext = false
		t.putLocked(c)
		return 0
	}
	switch {
	case c == '\r':
		if t.iflag(unix.IGNCR) {
			return 0
		}
		if t.iflag(unix.ICRNL) {
			c = '\n'
		}
	case c == '\n' && t.iflag(unix.INLCR):
		c = '\r'
	}
	if t.lflag(unix.ISIG) {
		sig := 0
		switch {
		case t.cc(c, unix.VINTR):
			sig = int(unix.SIGINT)
		case t.cc(c, unix.VQUIT):
			sig = int(unix.SIGQUIT)
		case t.cc(c, unix.VSUSP):
			sig = int(unix.SIGTSTP)
		}
		if sig != 0 {
			if !t.lflag(unix.NOFLSH) {
				t.line, t.lines, t.raw, t.out = nil, nil, nil, nil
			}
			if t.lflag(unix.ECHO) {
				t.echoLocked(c)
			}
			return sig
		}
	}
	if !t.lflag(unix.ICANON) {
		if t.lflag(unix.ECHO) {
			t.echoLocked(c)
		}
		if len(t.raw) < inputLimit {
			t.raw = append(t.raw, c)
		}
		return 0
	}
	iexten := t.lflag(unix.IEXTEN)
	switch {
	case t.cc(c, unix.VERASE) || t.cc(c, unix.VKILL) || (iexten && t.cc(c, unix.VWERASE)):
		t.eraseLocked(c)
	case iexten && t.cc(c, unix.VLNEXT):
		t.lnext = true
		if t.lflag(unix.ECHO) && t.lflag(unix.ECHOCTL) {
			t.outputLocked([]byte{'^', '\b'})
		}
	case c == '\n':
		if t.lflag(unix.ECHO) || t.lflag(unix.ECHONL) {
			t.outputLocked([]byte{'\n'})
		}
		t.endLineLocked(c, true)
	case t.cc(c, unix.VEOF):
		t.endLineLocked(c, false)
	case t.cc(c, unix.VEOL) || (iexten && t.cc(c, unix.VEOL2)):
		if t.lflag(unix.ECHO) {
			t.echoLocked(c)
		}
		t.endLineLocked(c, true)
	default:
		t.putLocked(c)
	}
	return 0
}

// putLocked adds an ordinary character to the input, echoed.
func (t *Terminal) putLocked(c byte) {
	if t.lflag(unix.ECHO) {
		t.echoLocked(c)
	}
	if !t.lflag(unix.ICANON) {
		if len(t.raw) < inputLimit {
			t.raw = append(t.raw, c)
		}
		return
	}
	if len(t.line) < inputLimit-1 {
		t.line = append(t.line, c)
	}
}

// endLineLocked completes the canonical line (with c when keep).
func (t *Terminal) endLineLocked(c byte, keep bool) {
	line := t.line
	if keep {
		line = append(line, c)
	}
	if line == nil {
		line = []byte{}
	}
	t.lines = append(t.lines, line)
	t.line = nil
}

// eraseLocked is VERASE, VWERASE or VKILL on the line being edited, with
// its echo (Linux's eraser: ECHOE rubs out, ECHOKE rubs out a killed
// line, else the character is echoed and ECHOK adds a newline).
func (t *Terminal) eraseLocked(c byte) {
	if len(t.line) == 0 {
		return
	}
	kill := t.cc(c, unix.VKILL)
	werase := !kill && !t.cc(c, unix.VERASE)
	echo := t.lflag(unix.ECHO)
	if kill {
		if !echo {
			t.line = nil
			return
		}
		if !t.lflag(unix.ECHOK) || !t.lflag(unix.ECHOKE) || !t.lflag(unix.ECHOE) {
			t.line = nil
			t.echoLocked(c)
			if t.lflag(unix.ECHOK) {
				t.outputLocked([]byte{'\n'})
			}
			return
		}
	}
	if echo && !kill && !t.lflag(unix.ECHOE) {
		t.echoLocked(c)
		echo = false
	}
	seenAlnum := false
	for len(t.line) > 0 {
		e := t.line[len(t.line)-1]
		if werase {
			alnum := e == '_' || (e >= '0' && e <= '9') || (e|0x20 >= 'a' && e|0x20 <= 'z')
			if alnum {
				seenAlnum = true
			} else if seenAlnum {
				break
			}
		}
		t.line = t.line[:len(t.line)-1]
		if echo {
			cols := 1
			if isCntrl(e) && e != '\t' && t.lflag(unix.ECHOCTL) {
				cols = 2
			}
			for range cols {
				t.outputLocked([]byte("\b \b"))
			}
		}
		if !kill && !werase {
			break
		}
	}
}

// setTermiosLocked installs a new termios; leaving canonical mode makes
// the pending line and lines plain input, entering it makes pending
// input a line that can be read (n_tty_set_termios).
func (t *Terminal) setTermiosLocked(tio unix.Termios) {
	wasCanon := t.lflag(unix.ICANON)
	t.tio = tio
	canon := t.lflag(unix.ICANON)
	switch {
	case wasCanon && !canon:
		for _, l := range t.lines {
			t.raw = append(t.raw, l...)
		}
		t.raw = append(t.raw, t.line...)
		t.lines, t.line = nil, nil
	case !wasCanon && canon && len(t.raw) > 0:
		t.lines = append(t.lines, t.raw)
		t.raw = nil
	}
}

// flushInputLocked discards what the slave has not read (TCIFLUSH on
// the slave, TCSETSF).
func (t *Terminal) flushInputLocked() { t.line, t.lines, t.raw = nil, nil, nil }

// tcflush is TCFLSH from the slave's side (TCIFLUSH the input, TCOFLUSH
// the output) or the master's, where input and output trade places.
func (t *Terminal) tcflush(arg uint64, master bool) error {
	var in, out bool
	switch arg {
	case unix.TCIFLUSH:
		in = true
	case unix.TCOFLUSH:
		out = true
	case unix.TCIOFLUSH:
		in, out = true, true
	default:
		return unix.EINVAL
	}
	if master {
		in, out = out, in
	}
	t.mu.Lock()
	if in {
		t.flushInputLocked()
	}
	if out {
		t.out = nil
	}
	t.changedLocked()
	t.mu.Unlock()
	t.notify()
	return nil
}

// readInput is the slave's read: a line in canonical mode, else what
// VMIN and VTIME ask for. It answers 0 once the master is gone.
func (t *Terminal) readInput(ctx context.Context, p []byte, nonblock bool) (int, error) {
	var deadline <-chan time.Time
	first, timedOut := true, false
	for {
		t.mu.Lock()
		if t.hungUp {
			t.mu.Unlock()
			return 0, nil
		}
		if t.lflag(unix.ICANON) {
			if len(t.lines) > 0 {
				n := copy(p, t.lines[0])
				if n == len(t.lines[0]) {
					t.lines = t.lines[1:]
				} else {
					t.lines[0] = t.lines[0][n:]
				}
				t.changedLocked()
				t.mu.Unlock()
				t.notify()
				return n, nil
			}
		} else {
			vmin, vtime := int(t.tio.Cc[unix.VMIN]), time.Duration(t.tio.Cc[unix.VTIME])*100*time.Millisecond
			want := min(max(vmin, 1), len(p))
			if len(t.raw) >= want || (len(t.raw) > 0 && (vmin == 0 || timedOut)) || (vmin == 0 && vtime == 0) || (vmin == 0 && timedOut) {
				n := copy(p, t.raw)
				t.raw = t.raw[n:]
				if len(t.raw) == 0 {
					t.raw = nil
				}
				t.changedLocked()
				t.mu.Unlock()
				t.notify()
				return n, nil
			}
			if vtime > 0 && (first || (vmin > 0 && len(t.raw) > 0)) {
				// VMIN 0: one timer for the whole read; VMIN > 0: an
				// inter-byte timer, started by the first byte.
				if vmin == 0 || len(t.raw) > 0 {
					deadline, timedOut = time.After(vtime), false
					first = false
				}
			}
		}
		if nonblock {
			t.mu.Unlock()
			return 0, unix.EAGAIN
		}
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			timedOut = true
		case <-ctx.Done():
			return 0, unix.EINTR
		}
	}
}

// writeInput is the master's write: each byte through the line
// discipline, waiting while the input buffer is full.
func (t *Terminal) writeInput(ctx context.Context, p []byte, nonblock bool) (int, error) {
	done := 0
	for done < len(p) {
		t.mu.Lock()
		var sigs []int
		for done < len(p) && t.inputLenLocked() < inputLimit {
			if sig := t.receiveLocked(p[done]); sig != 0 {
				sigs = append(sigs, sig)
			}
			done++
		}
		fg := t.fg
		t.changedLocked()
		ch := t.changed
		t.mu.Unlock()
		t.notify()
		if fg != 0 {
			for _, sig := range sigs {
				t.k.SignalGroup(fg, sig)
			}
		}
		if done == len(p) {
			break
		}
		if err := waitChange(ctx, ch, nonblock); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

// readOutput is the master's read: what the slave wrote; EIO once every
// slave is closed and nothing is left.
func (t *Terminal) readOutput(ctx context.Context, p []byte, nonblock bool) (int, error) {
	for {
		t.mu.Lock()
		if len(t.out) > 0 {
			n := copy(p, t.out)
			t.out = t.out[n:]
			if len(t.out) == 0 {
				t.out = nil
			}
			t.changedLocked()
			t.mu.Unlock()
			t.notify()
			return n, nil
		}
		if t.otherClosed {
			t.mu.Unlock()
			return 0, unix.EIO
		}
		ch := t.changed
		t.mu.Unlock()
		if err := waitChange(ctx, ch, nonblock); err != nil {
			return 0, err
		}
	}
}

// writeOutput is the slave's write, through c_oflag, waiting for room.
func (t *Terminal) writeOutput(ctx context.Context, p []byte, nonblock bool) (int, error) {
	done := 0
	for done < len(p) {
		t.mu.Lock()
		if t.hungUp {
			t.mu.Unlock()
			if done > 0 {
				return done, nil
			}
			return 0, unix.EIO
		}
		room := outputLimit - len(t.out)
		if room > 0 {
			n := min(room, len(p)-done)
			t.outputLocked(p[done : done+n])
			done += n
			t.changedLocked()
		}
		ch := t.changed
		t.mu.Unlock()
		t.notify()
		if done == len(p) {
			break
		}
		if err := waitChange(ctx, ch, nonblock); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

// masterReadiness: POLLIN with output to read, POLLHUP once the slave
// side is closed, POLLOUT while the input has room.
func (t *Terminal) masterReadiness(mask uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ev uint32
	if len(t.out) > 0 {
		ev |= vfs.EventIn | vfs.EventRdNorm
	}
	if t.otherClosed {
		ev |= vfs.EventHup
	}
	if t.inputLenLocked() < inputLimit {
		ev |= vfs.EventOut | vfs.EventWrNorm
	}
	return ev & (mask | vfs.EventErr | vfs.EventHup)
}

// slaveReadiness: everything once hung up; POLLIN when a read would
// return at once, POLLOUT while the output has room.
func (t *Terminal) slaveReadiness(mask uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hungUp {
		return allEvents & (mask | vfs.EventErr | vfs.EventHup)
	}
	var ev uint32
	if t.lflag(unix.ICANON) {
		if len(t.lines) > 0 {
			ev |= vfs.EventIn | vfs.EventRdNorm
		}
	} else {
		want := 1
		if t.tio.Cc[unix.VTIME] == 0 {
			want = max(int(t.tio.Cc[unix.VMIN]), 1)
		}
		if len(t.raw) >= want {
			ev |= vfs.EventIn | vfs.EventRdNorm
		}
	}
	if len(t.out) < outputLimit {
		ev |= vfs.EventOut | vfs.EventWrNorm
	}
	return ev & (mask | vfs.EventErr | vfs.EventHup)
}

// waitChange waits for the terminal to change (ch closed): EAGAIN at once
// for a non-blocking caller, EINTR when ctx ends (a signal).
func waitChange(ctx context.Context, ch <-chan struct{}, nonblock bool) error {
	if nonblock {
		return unix.EAGAIN
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return unix.EINTR
	}
}
