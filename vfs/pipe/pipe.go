package pipe

import (
	"context"
	"sync"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

const (
	// DefaultCapacity is the default pipe buffer size (64 KiB).
	DefaultCapacity = 65536
	// AtomicWrite is PIPE_BUF: writes up to this size are never interleaved.
	AtomicWrite = 4096
	// MaxCapacity is the largest size F_SETPIPE_SZ accepts (/proc/sys/fs/pipe-max-size).
	MaxCapacity = 1 << 20
)

// Pipe is the shared buffer of a pipe or FIFO.
type Pipe struct {
	mu       sync.Mutex
	buf      []byte
	capacity int
	readers  int
	writers  int
	// rOpens and wOpens count every open of a read or write end ever
	// made (Linux's r_counter and w_counter): a FIFO open waiting for
	// its peer wakes when the count moves, even if the peer has already
	// closed again.
	rOpens, wOpens int
	changed        chan struct{} // closed and replaced on every state change
	queue          vfs.Queue
}

// New returns an empty pipe with no ends open.
func New() *Pipe {
	return &Pipe{capacity: DefaultCapacity, changed: make(chan struct{})}
}

// signalLocked wakes blocked readers/writers. Caller holds p.mu.
func (p *Pipe) signalLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Open opens an end of the pipe by access mode: O_RDONLY gives a read end,
// O_WRONLY a write end, O_RDWR both (as a FIFO opened O_RDWR). As for a
// FIFO on Linux, a non-blocking write end without a reader is ENXIO.
// Open itself never waits: a blocking FIFO open then calls WaitOpen (the
// vfs does), which waits for the other end as fifo(7) says; pipe(2)'s ends
// never wait.
func (p *Pipe) Open(flags int) (*End, error) {
	e := &End{p: p}
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		e.read = true
	case unix.O_WRONLY:
		e.write = true
	default:
		e.read, e.write = true, true
	}
	nonblock := flags&unix.O_NONBLOCK != 0
	p.mu.Lock()
	if e.write && !e.read && nonblock && p.readers == 0 {
		p.mu.Unlock()
		return nil, unix.ENXIO
	}
	if e.read {
		p.readers++
		p.rOpens++
	}
	if e.write {
		p.writers++
		p.wOpens++
	}
	if !nonblock && e.read != e.write {
		// A blocking read-only open waits for a writer, a write-only one
		// for a reader, unless one is there already.
		if e.read && p.writers == 0 {
			e.waitFor, e.seen = &p.wOpens, p.wOpens
		}
		if e.write && p.readers == 0 {
			e.waitFor, e.seen = &p.rOpens, p.rOpens
		}
	}
	p.signalLocked()
	p.mu.Unlock()
	p.queue.Notify(vfs.EventIn | vfs.EventOut)
	return e, nil
}

// WaitOpen implements vfs.OpenWaiter: a blocking FIFO open waits until
// an end of the other kind has been opened since (EINTR when ctx ends;
// the caller then releases the end, as fifo_open's error path does).
func (e *End) WaitOpen(ctx context.Context) error {
	if e.waitFor == nil {
		return nil
	}
	p := e.p
	for {
		p.mu.Lock()
		moved := *e.waitFor != e.seen
		ch := p.changed
		p.mu.Unlock()
		if moved {
			e.waitFor = nil
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return unix.EINTR
		}
	}
}

// End is one open end of a pipe; it implements vfs.FileImpl and
// vfs.Waitable.
type End struct {
	p           *Pipe
	read, write bool
	// waitFor is the open count of the other kind a blocking FIFO open
	// waits on (nil: no wait), seen its value at the open.
	waitFor *int
	seen    int
}

// Read reads available bytes, blocking while the pipe is empty and has
// writers. It returns 0 at EOF (no writers).
func (e *End) Read(ctx context.Context, dst []byte, _ int64, nonblock bool) (int, error) {
	if !e.read {
		return 0, unix.EBADF
	}
	if len(dst) == 0 {
		return 0, nil
	}
	p := e.p
	for {
		p.mu.Lock()
		if len(p.buf) > 0 {
			n := copy(dst, p.buf)
			p.buf = p.buf[n:]
			if len(p.buf) == 0 {
				p.buf = nil
			}
			p.signalLocked()
			p.mu.Unlock()
			p.queue.Notify(vfs.EventOut)
			return n, nil
		}
		if p.writers == 0 {
			p.mu.Unlock()
			return 0, nil
		}
		if nonblock {
			p.mu.Unlock()
			return 0, unix.EAGAIN
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, unix.EINTR
		}
	}
}

// Write writes src, blocking for space. Writes of at most AtomicWrite
// bytes go in whole. With no readers it returns EPIPE (or the count
// already written).
func (e *End) Write(ctx context.Context, src []byte, _ int64, nonblock bool) (int, error) {
	if !e.write {
		return 0, unix.EBADF
	}
	if len(src) == 0 {
		return 0, nil
	}
	p := e.p
	total := 0
	for {
		p.mu.Lock()
		if p.readers == 0 {
			p.mu.Unlock()
			if total > 0 {
				return total, nil
			}
			return 0, unix.EPIPE
		}
		free := p.capacity - len(p.buf)
		need := 1
		if len(src) <= AtomicWrite {
			need = len(src)
		}
		if free >= need && total < len(src) {
			n := min(free, len(src)-total)
			p.buf = append(p.buf, src[total:total+n]...)
			total += n
			p.signalLocked()
			p.mu.Unlock()
			p.queue.Notify(vfs.EventIn)
			if total == len(src) {
				return total, nil
			}
			continue
		}
		if total == len(src) {
			p.mu.Unlock()
			return total, nil
		}
		if nonblock {
			p.mu.Unlock()
			if total > 0 {
				return total, nil
			}
			return 0, unix.EAGAIN
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			if total > 0 {
				return total, nil
			}
			return 0, unix.EINTR
		}
	}
}

// Release closes this end.
func (e *End) Release() {
	p := e.p
	p.mu.Lock()
	if e.read {
		p.readers--
	}
	if e.write {
		p.writers--
	}
	p.signalLocked()
	p.mu.Unlock()
	p.queue.Notify(vfs.EventIn | vfs.EventOut | vfs.EventHup | vfs.EventErr)
}

// Readiness reports POLLIN (data), POLLOUT (PIPE_BUF bytes free), POLLHUP
// (read end without writers) and POLLERR (write end without readers).
func (e *End) Readiness(mask uint32) uint32 {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var ev uint32
	if e.read {
		if len(p.buf) > 0 {
			ev |= vfs.EventIn | vfs.EventRdNorm
		}
		if p.writers == 0 {
			ev |= vfs.EventHup
		}
	}
	if e.write {
		if p.capacity-len(p.buf) >= min(AtomicWrite, p.capacity) {
			ev |= vfs.EventOut | vfs.EventWrNorm
		}
		if p.readers == 0 {
			ev |= vfs.EventErr
		}
	}
	return ev & (mask | vfs.EventHup | vfs.EventErr)
}

// EventRegister implements vfs.Waitable.
func (e *End) EventRegister(w *vfs.Waiter) { e.p.queue.Register(w) }

// EventUnregister implements vfs.Waitable.
func (e *End) EventUnregister(w *vfs.Waiter) { e.p.queue.Unregister(w) }

// Buffered returns the number of unread bytes (FIONREAD).
func (e *End) Buffered() int {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	return len(e.p.buf)
}

// PipeSize implements F_GETPIPE_SZ.
func (e *End) PipeSize() int {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	return e.p.capacity
}

// SetPipeSize implements F_SETPIPE_SZ: the size is rounded up to a power
// of two pages (at least one); EBUSY if the buffered data does not fit,
// EPERM above MaxCapacity.
func (e *End) SetPipeSize(n int) (int, error) {
	switch {
	case n < 0 || n > 1<<31:
		return 0, unix.EINVAL // no page count fits
	case n > MaxCapacity:
		return 0, unix.EPERM
	}
	size := 4096
	for size < n {
		size <<= 1
	}
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > size {
		return 0, unix.EBUSY
	}
	p.capacity = size
	p.signalLocked()
	return size, nil
}
