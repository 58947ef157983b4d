package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Readiness bits (poll(2) events) used by Waitable files.
const (
	EventIn  = uint32(unix.POLLIN)
	EventOut = uint32(unix.POLLOUT)
	EventErr = uint32(unix.POLLERR)
	EventHup = uint32(unix.POLLHUP)
	// EventRdNorm and EventWrNorm are POLLRDNORM/POLLWRNORM, reported with
	// POLLIN/POLLOUT by files that are always ready.
	EventRdNorm uint32 = 0x40
	EventWrNorm uint32 = 0x100
)

// Waiter is one registration on a Queue: it is told about the events in
// its mask. Create it with NewWaiter (channel) or NewCallbackWaiter.
type Waiter struct {
	mask   uint32
	ch     chan struct{}
	notify func(events uint32)
}

// NewWaiter returns a waiter that signals its channel C (buffered, one
// pending wake-up) when an event in mask happens. poll/select use it.
func NewWaiter(mask uint32) *Waiter {
	return &Waiter{mask: mask | EventErr | EventHup, ch: make(chan struct{}, 1)}
}

// NewCallbackWaiter returns a waiter that calls fn (without locks held
// by the file, but possibly on the notifier's goroutine) for events in
// mask. epoll uses it.
func NewCallbackWaiter(mask uint32, fn func(events uint32)) *Waiter {
	return &Waiter{mask: mask | EventErr | EventHup, notify: fn}
}

// C returns the wake-up channel (nil for callback waiters).
func (w *Waiter) C() <-chan struct{} { return w.ch }

// Mask returns the events the waiter is interested in.
func (w *Waiter) Mask() uint32 { return w.mask }

func (w *Waiter) wake(events uint32) {
	if w.notify != nil {
		w.notify(events)
		return
	}
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// Queue is a set of waiters to notify when a file's readiness changes.
// The zero value is ready to use.
type Queue struct {
	mu      sync.Mutex
	waiters map[*Waiter]struct{}
}

// Register adds w to the queue.
func (q *Queue) Register(w *Waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiters == nil {
		q.waiters = make(map[*Waiter]struct{})
	}
	q.waiters[w] = struct{}{}
}

// Unregister removes w from the queue.
func (q *Queue) Unregister(w *Waiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.waiters, w)
}

// Notify wakes every waiter whose mask intersects events.
func (q *Queue) Notify(events uint32) {
	q.mu.Lock()
	var hit []*Waiter
	for w := range q.waiters {
		if w.mask&events != 0 {
			hit = append(hit, w)
		}
	}
	q.mu.Unlock()
	for _, w := range hit {
		w.wake(events & w.mask)
	}
}
