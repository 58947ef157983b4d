package kernel

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Timer is an interval timer that sends a signal when it expires: the
// process's ITIMER_REAL (alarm, setitimer) or a POSIX timer (timer_create).
type Timer struct {
	mu       sync.Mutex
	p        *Process
	target   *Task // SIGEV_THREAD_ID, or nil for the process
	id       int
	sig      int
	value    uint64 // sigev_value
	notify   int    // SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID
	clock    int
	next     time.Time
	interval time.Duration
	overrun  int
	timer    *time.Timer
	gen      int
}

// NewTimer creates a timer for the process.
func (p *Process) NewTimer(clock, notify, sig int, value uint64, target *Task) *Timer {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := p.nextTimerID
	p.nextTimerID++
	tm := &Timer{p: p, id: id, clock: clock, notify: notify, sig: sig, value: value, target: target}
	if p.timers == nil {
		p.timers = map[int]*Timer{}
	}
	p.timers[id] = tm
	return tm
}

// TimerByID finds a POSIX timer.
func (p *Process) TimerByID(id int) *Timer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.timers[id]
}

// DeleteTimer disarms and forgets a POSIX timer.
func (p *Process) DeleteTimer(id int) bool {
	p.mu.Lock()
	tm := p.timers[id]
	delete(p.timers, id)
	p.mu.Unlock()
	if tm == nil {
		return false
	}
	tm.Set(0, 0)
	return true
}

// RealTimer is the process's ITIMER_REAL (SIGALRM).
func (p *Process) RealTimer() *Timer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.realTimer == nil {
		p.realTimer = &Timer{p: p, id: -1, sig: int(unix.SIGALRM), notify: linux.SIGEV_SIGNAL, clock: unix.CLOCK_MONOTONIC}
	}
	return p.realTimer
}

// ID is the timer id timer_create returns.
func (tm *Timer) ID() int { return tm.id }

// Get returns the time left and the interval.
func (tm *Timer) Get() (left, interval time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.next.IsZero() {
		return 0, tm.interval
	}
	left = time.Until(tm.next)
	if left <= 0 {
		left = time.Nanosecond
	}
	return left, tm.interval
}

// Set arms the timer to fire after first (0 disarms) and then every
// interval, returning the previous setting.
func (tm *Timer) Set(first, interval time.Duration) (oldLeft, oldInterval time.Duration) {
	oldLeft, oldInterval = tm.Get()
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.gen++
	if tm.timer != nil {
		tm.timer.Stop()
		tm.timer = nil
	}
	tm.interval = interval
	tm.overrun = 0
	if first <= 0 {
		tm.next = time.Time{}
		return
	}
	tm.next = time.Now().Add(first)
	gen := tm.gen
	tm.timer = time.AfterFunc(first, func() { defer tm.p.k.RecoverInternal("timer"); tm.fire(gen) })
	return
}

func (tm *Timer) fire(gen int) {
	tm.mu.Lock()
	if gen != tm.gen || tm.p.Exiting() {
		tm.mu.Unlock()
		return
	}
	if tm.interval > 0 {
		tm.next = tm.next.Add(tm.interval)
		for !tm.next.After(time.Now()) {
			tm.next = tm.next.Add(tm.interval)
			tm.overrun++
		}
		tm.timer = time.AfterFunc(time.Until(tm.next), func() { defer tm.p.k.RecoverInternal("timer"); tm.fire(gen) })
	} else {
		tm.next = time.Time{}
	}
	send := tm.notify != linux.SIGEV_NONE
	si := NewSigInfo(tm.sig, linux.SI_TIMER)
	if tm.id < 0 {
		si = NewSigInfo(tm.sig, linux.SI_KERNEL)
	} else {
		si.SetTimer(tm.id, tm.overrun, tm.value)
	}
	target := tm.target
	tm.mu.Unlock()
	if !send {
		return
	}
	if target != nil {
		target.SendSignal(si)
	} else {
		tm.p.SendSignal(si)
	}
}

// Overrun returns the overrun count of the last expiry (timer_getoverrun).
func (tm *Timer) Overrun() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.overrun
}

// TimerClock is the clock a timer measures.
func (p *Process) TimerClock(tm *Timer) int { return tm.clock }

// SetValue sets the sigev_value the timer's signals carry.
func (tm *Timer) SetValue(v uint64) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.value = v
}
