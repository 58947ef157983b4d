package gdbstub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/kernel"
)

// stopLimit bounds how long a stop waits for threads that do not reach a
// checkpoint (a handler blocked where it does not look at signals).
const stopLimit = 2 * time.Second

// Stub is a GDB remote stub serving one app process.
type Stub struct {
	ln        net.Listener
	waitFirst bool
	xs        *amd64.XState
	report    io.Writer

	attached atomic.Bool // a gdb is connected

	mu          sync.Mutex
	proc        *kernel.Process
	threads     map[int]*thread
	stopping    bool       // an all-stop is under way or reported
	event       *stopEvent // what the current stop reports
	breakpoints map[uint64]*breakpoint
	stopped     chan struct{} // a stop began (buffered, 1)
	exited      chan int      // the process's wait status (buffered, 1)
	conn        net.Conn
	connDone    chan struct{} // closed when the connection's session ended
}

// breakpoint is a software breakpoint: the byte the int3 replaced.
type breakpoint struct{ orig byte }

// Listen opens addr (HOST:PORT) for gdb. With waitFirst the app's first
// thread stops before its first instruction until gdb resumes it.
// xs is the platform's XSAVE layout (plat.Platform.XState).
func Listen(addr string, waitFirst bool, xs *amd64.XState, report io.Writer) (*Stub, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gdb stub: %w", err)
	}
	return &Stub{ln: ln, waitFirst: waitFirst, xs: xs, report: report, threads: map[int]*thread{},
		breakpoints: map[uint64]*breakpoint{}, stopped: make(chan struct{}, 1), exited: make(chan int, 1)}, nil
}

// Addr is the address the stub listens on.
func (s *Stub) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts gdb connections until Close; one at a time, a second one
// is told that a debugger is attached and closed.
func (s *Stub) Serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.attached.CompareAndSwap(false, true) {
			refuse(c)
			continue
		}
		done := make(chan struct{})
		s.mu.Lock()
		s.conn, s.connDone = c, done
		s.mu.Unlock()
		go func() {
			defer close(done)
			s.serveConn(c)
		}()
	}
}

// refuse answers a second debugger with an error packet and hangs up.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write(frame([]byte("E.elfloader: a debugger is already attached")))
	c.Close()
}

// ProcessExited tells gdb that the app ended and closes the stub.
// elfloader calls it when the run is over.
func (s *Stub) ProcessExited() {
	s.ln.Close()
	s.mu.Lock()
	c, p, done := s.conn, s.proc, s.connDone
	s.mu.Unlock()
	if p == nil || c == nil {
		return
	}
	select {
	case s.exited <- p.WaitStatus():
	default:
	}
	// Let the session send the exit reply before elfloader exits.
	select {
	case <-done:
	case <-time.After(stopLimit):
		c.Close()
	}
}

// Close stops listening and drops the connection.
func (s *Stub) Close() {
	s.ln.Close()
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// session is one gdb connection.
type session struct {
	s        *Stub
	c        net.Conn
	w        *bufio.Writer
	noAck    bool
	last     []byte // last packet sent, for a '-'
	gThread  int    // Hg: thread for register and memory requests (0: any)
	cThread  int    // Hc: thread for legacy step/continue (0/-1: any/all)
	running  bool   // resumed, a stop reply is owed
	regs     []regDef
	detached bool
}

func (s *Stub) serveConn(c net.Conn) {
	defer func() {
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
		s.detach()
		s.attached.Store(false)
		c.Close()
	}()
	ss := &session{s: s, c: c, w: bufio.NewWriter(c)}
	ss.regs = registerSet(s.xs)
	msgs := make(chan message)
	errc := make(chan error, 1)
	go func() {
		pr := packetReader{r: bufio.NewReader(c)}
		for {
			m, err := pr.next()
			if err != nil {
				errc <- err
				return
			}
			msgs <- m
		}
	}()
	// gdb expects a stopped target when it connects.
	s.stopAll(int(unix.SIGTRAP))
	s.waitStop()
	for !ss.detached {
		select {
		case m := <-msgs:
			if err := ss.handle(m); err != nil {
				if !errors.Is(err, net.ErrClosed) {
					fmt.Fprintf(s.report, "elfloader: gdb stub: %v\n", err)
				}
				return
			}
		case <-s.stopped:
			s.waitParked(stopLimit)
			if ss.running {
				ss.running = false
				if err := ss.send(ss.stopReply()); err != nil {
					return
				}
			}
		case ws := <-s.exited:
			ss.sendExit(ws)
			return
		case <-errc:
			return
		}
	}
}

// waitStop waits for the stop begun by stopAll to be complete.
func (s *Stub) waitStop() {
	select {
	case <-s.stopped:
	case <-time.After(stopLimit):
	}
	s.waitParked(stopLimit)
}

// detach removes gdb's breakpoints and lets the app run on its own.
func (s *Stub) detach() {
	s.mu.Lock()
	proc := s.proc
	bps := s.breakpoints
	s.breakpoints = map[uint64]*breakpoint{}
	for _, th := range s.threads {
		if th.stepping {
			th.stepping = false
		}
	}
	s.mu.Unlock()
	if proc != nil {
		for addr, bp := range bps {
			proc.MM().PokeText(addr, []byte{bp.orig})
		}
	}
	s.resumeAll(func(int) (action, bool) { return action{}, true })
}

func (ss *session) send(payload []byte) error {
	ss.last = frame(payload)
	if _, err := ss.w.Write(ss.last); err != nil {
		return err
	}
	return ss.w.Flush()
}

func (ss *session) sendExit(ws int) {
	if sig := ws & 0x7f; sig != 0 {
		ss.send(fmt.Appendf(nil, "X%02x", sig))
		return
	}
	ss.send(fmt.Appendf(nil, "W%02x", (ws>>8)&0xff))
}

// stopReply is the T packet for the current stop.
func (ss *session) stopReply() []byte {
	s := ss.s
	s.mu.Lock()
	ev := s.event
	s.mu.Unlock()
	if ev == nil {
		return []byte("S05")
	}
	ss.gThread = ev.tid
	out := fmt.Appendf(nil, "T%02xthread:%x;", ev.sig, ev.tid)
	if ev.swbreak {
		out = append(out, "swbreak:;"...)
	}
	return out
}
