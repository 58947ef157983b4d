//go:build !elfloader_lean

package socket

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/waiter"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// stackSocket is an AF_INET or AF_INET6 socket of a --net=sandbox app: an
// endpoint of the sandbox's TCP/IP stack. It is a first-class file: read,
// write, poll, epoll and select see it like any in-memory file (Waitable),
// its readiness is the endpoint's.
type stackSocket struct {
	kernel.FileRefs
	ep    tcpip.Endpoint
	epq   *waiter.Queue // the endpoint's queue
	entry waiter.Entry  // forwards the endpoint's events to queue
	queue vfs.Queue

	family, typ, proto int

	mu                 sync.Mutex
	flags              int           // status flags: O_RDWR, O_NONBLOCK
	rcvTimeo, sndTimeo time.Duration // SO_RCVTIMEO, SO_SNDTIMEO
	released           atomic.Bool
}

// allEvents are the endpoint events that may change a poller's answer.
const allEvents = waiter.ReadableEvents | waiter.WritableEvents | waiter.EventErr | waiter.EventHUp | waiter.EventRdHUp

func newStackSocket(ep tcpip.Endpoint, epq *waiter.Queue, family, typ, proto int, nonblock bool) *stackSocket {
	s := &stackSocket{ep: ep, epq: epq, family: family, typ: typ, proto: proto, flags: unix.O_RDWR}
	if nonblock {
		s.flags |= unix.O_NONBLOCK
	}
	// waiter.EventMask bits are the poll(2) bits.
	s.entry = waiter.NewFunctionEntry(allEvents, func(m waiter.EventMask) { s.queue.Notify(uint32(m)) })
	epq.EventRegister(&s.entry)
	s.InitRefs(s.release)
	return s
}

func (s *stackSocket) release() {
	s.epq.EventUnregister(&s.entry)
	s.ep.Close()
	s.released.Store(true)
}

// Readiness implements kernel.Waitable.
func (s *stackSocket) Readiness(mask uint32) uint32 {
	want := mask | vfs.EventErr | vfs.EventHup
	return uint32(s.ep.Readiness(waiter.EventMask(want))) & want
}

// EventRegister implements kernel.Waitable.
func (s *stackSocket) EventRegister(w *vfs.Waiter) { s.queue.Register(w) }

// EventUnregister implements kernel.Waitable.
func (s *stackSocket) EventUnregister(w *vfs.Waiter) { s.queue.Unregister(w) }

// Released implements kernel.Waitable.
func (s *stackSocket) Released() bool { return s.released.Load() }

// StatusFlags implements kernel.FlagFile.
func (s *stackSocket) StatusFlags() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flags
}

// SetStatusFlags implements kernel.FlagFile: O_NONBLOCK may change.
func (s *stackSocket) SetStatusFlags(fl int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flags = s.flags&^unix.O_NONBLOCK | fl&unix.O_NONBLOCK
	return nil
}

func (s *stackSocket) nonblocking() bool { return s.StatusFlags()&unix.O_NONBLOCK != 0 }

// Stat implements kernel.Stater: a socket inode.
func (s *stackSocket) Stat(*kernel.Task) (unix.Stat_t, error) {
	return unix.Stat_t{Mode: unix.S_IFSOCK | 0o777, Nlink: 1, Blksize: 4096}, nil
}

// Ioctl implements kernel.Ioctler: FIONREAD (the bytes or the next
// datagram waiting) and TIOCOUTQ (the bytes not yet acknowledged).
func (s *stackSocket) Ioctl(t *kernel.Task, req, arg uint64) (uint64, error) {
	var opt tcpip.SockOptInt
	switch req {
	case linux.FIONREAD:
		opt = tcpip.ReceiveQueueSizeOption
	case unix.TIOCOUTQ:
		opt = tcpip.SendQueueSizeOption
	default:
		return 0, unix.ENOTTY
	}
	if s.typ == unix.SOCK_STREAM && s.ep.SocketOptions().GetAcceptConn() {
		return 0, unix.EINVAL
	}
	v, err := s.ep.GetSockOptInt(opt)
	if err != nil {
		return 0, errnoOf(err)
	}
	return 0, kernel.CopyOutValue(t, arg, int32(v))
}

// timeout is SO_RCVTIMEO for input and SO_SNDTIMEO for output.
func (s *stackSocket) timeout(in bool) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in {
		return s.rcvTimeo
	}
	return s.sndTimeo
}

// block waits until the socket is ready for events, the deadline passes
// (ETIMEDOUT) or a signal arrives (ERESTARTSYS).
func (s *stackSocket) block(t *kernel.Task, events uint32, deadline time.Time) error {
	w := vfs.NewWaiter(events)
	s.queue.Register(w)
	defer s.queue.Unregister(w)
	if s.Readiness(events) != 0 {
		return nil
	}
	return t.Block(w.C(), deadline)
}

// retry runs op with the app's blocking rules: ErrWouldBlock is EAGAIN for
// a non-blocking socket or MSG_DONTWAIT, otherwise the task waits for
// events (bounded by SO_RCVTIMEO/SO_SNDTIMEO) and runs op again.
func (s *stackSocket) retry(t *kernel.Task, events uint32, dontwait bool, op func() tcpip.Error) error {
	var deadline time.Time
	if d := s.timeout(events&vfs.EventIn != 0); d > 0 {
		deadline = time.Now().Add(d)
	}
	for {
		err := op()
		if _, ok := err.(*tcpip.ErrWouldBlock); !ok {
			return errnoOf(err)
		}
		if dontwait || s.nonblocking() {
			return unix.EAGAIN
		}
		switch err := s.block(t, events, deadline); {
		case err == unix.ETIMEDOUT:
			return unix.EAGAIN
		case err == kernel.ERESTARTSYS && !deadline.IsZero():
			return unix.EINTR // timed socket calls are not restarted
		case err != nil:
			return err
		}
	}
}

// iovWriter fills the app's buffers in order; like tcpip.LimitedWriter it
// takes what fits and reports the rest as a short write.
type iovWriter struct {
	bufs [][]byte
	n    int
}

func (w *iovWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 && len(w.bufs) > 0 {
		c := copy(w.bufs[0], p)
		w.bufs[0] = w.bufs[0][c:]
		if len(w.bufs[0]) == 0 {
			w.bufs = w.bufs[1:]
		}
		p, done = p[c:], done+c
	}
	w.n += done
	if len(p) > 0 {
		return done, io.ErrShortWrite
	}
	return done, nil
}

// iovReader is the app's buffers as the stack's payload, read in order
// without a copy of their own.
type iovReader struct {
	bufs [][]byte
	left int
}

func (r *iovReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	done := 0
	for len(p) > 0 && len(r.bufs) > 0 {
		c := copy(p, r.bufs[0])
		r.bufs[0] = r.bufs[0][c:]
		if len(r.bufs[0]) == 0 {
			r.bufs = r.bufs[1:]
		}
		p, done = p[c:], done+c
	}
	r.left -= done
	return done, nil
}

// Len implements tcpip.Payloader: the bytes not yet read.
func (r *iovReader) Len() int { return r.left }

// received is the outcome of one receive.
type received struct {
	n     int // bytes stored
	total int // the datagram's full size (MSG_TRUNC)
	from  tcpip.FullAddress
}

// recv receives into bufs with recvmsg's flags (MSG_PEEK, MSG_DONTWAIT,
// MSG_WAITALL, MSG_TRUNC).
func (s *stackSocket) recv(t *kernel.Task, bufs [][]byte, flags int) (received, error) {
	var r received
	w := &iovWriter{bufs: bufs}
	want := totalLen(bufs)
	if want == 0 && s.typ == unix.SOCK_STREAM {
		return r, nil // nothing to read into, as Linux's TCP answers
	}
	opts := tcpip.ReadOptions{Peek: flags&unix.MSG_PEEK != 0, NeedRemoteAddr: s.typ != unix.SOCK_STREAM}
	err := s.retry(t, vfs.EventIn, flags&unix.MSG_DONTWAIT != 0, func() tcpip.Error {
		res, err := s.ep.Read(w, opts)
		switch err.(type) {
		case *tcpip.ErrClosedForReceive:
			return nil // end of stream
		case *tcpip.ErrBadBuffer:
			if want > 0 {
				return err
			}
			// A datagram into no buffer: consumed, truncated to nothing.
		case nil:
		default:
			return err
		}
		r.total, r.from = res.Total, res.RemoteAddr
		if flags&unix.MSG_WAITALL != 0 && flags&unix.MSG_PEEK == 0 && s.typ == unix.SOCK_STREAM &&
			res.Count > 0 && w.n < want {
			return &tcpip.ErrWouldBlock{} // keep filling
		}
		return nil
	})
	r.n = w.n
	if err != nil && r.n > 0 && s.typ == unix.SOCK_STREAM {
		err = nil // what arrived before the error or signal
	}
	return r, err
}

// Read implements kernel.File.
func (s *stackSocket) Read(t *kernel.Task, p []byte) (int, error) {
	r, err := s.recv(t, [][]byte{p}, 0)
	return r.n, err
}

// send sends bufs (to a datagram destination, or nil); a blocking stream
// socket sends everything unless a signal or error stops it.
func (s *stackSocket) send(t *kernel.Task, bufs [][]byte, to *tcpip.FullAddress, flags int) (int, error) {
	r := &iovReader{bufs: bufs, left: totalLen(bufs)}
	sent := 0
	opts := tcpip.WriteOptions{To: to, More: flags&unix.MSG_MORE != 0}
	err := s.retry(t, vfs.EventOut, flags&unix.MSG_DONTWAIT != 0, func() tcpip.Error {
		n, err := s.ep.Write(r, opts)
		sent += int(n)
		if err == nil && s.typ == unix.SOCK_STREAM && r.Len() > 0 {
			return &tcpip.ErrWouldBlock{}
		}
		return err
	})
	if err != nil && sent > 0 {
		return sent, nil
	}
	raisePipe(t, err, flags)
	return sent, err
}

// Write implements kernel.File.
func (s *stackSocket) Write(t *kernel.Task, p []byte) (int, error) {
	return s.send(t, [][]byte{p}, nil, 0)
}
