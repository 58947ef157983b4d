package kernel

import (
	"runtime"
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

	// A CPU-time timer (ITIMER_VIRTUAL, ITIMER_PROF, timer_create on a CPU
	// clock) has cpu set: cpuNext is its expiry on that clock (0:
	// disarmed) and stop ends the goroutine that watches the clock.
	cpu     *CPUClock
	cpuNext time.Duration
	stop    chan struct{}
}

// NewTimer creates a timer for the process.
func (p *Process) NewTimer(clock, notify, sig int, value uint64, target *Task) *Timer {
	return p.newTimer(clock, nil, notify, sig, value, target)
}

func (p *Process) newTimer(clock int, cpu *CPUClock, notify, sig int, value uint64, target *Task) *Timer {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := p.nextTimerID
	p.nextTimerID++
	tm := &Timer{p: p, id: id, clock: clock, cpu: cpu, notify: notify, sig: sig, value: value, target: target}
	if p.timers == nil {
		p.timers = map[int]*Timer{}
	}
	p.timers[id] = tm
	return tm
}

// NewCPUTimer creates a POSIX timer on a CPU-time clock.
func (p *Process) NewCPUTimer(clock CPUClock, notify, sig int, value uint64, target *Task) *Timer {
	return p.newTimer(-1, &clock, notify, sig, value, target)
}

// DeletePOSIXTimers disarms and forgets every POSIX timer (execve: the
// new program does not inherit them; the itimers stay).
func (p *Process) DeletePOSIXTimers() {
	p.mu.Lock()
	timers := p.timers
	p.timers = nil
	p.mu.Unlock()
	for _, tm := range timers {
		tm.Set(0, 0)
	}
}

// VirtualTimer is the process's ITIMER_VIRTUAL (SIGVTALRM): it counts the
// process's user CPU time.
func (p *Process) VirtualTimer() *Timer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.virtTimer == nil {
		p.virtTimer = &Timer{p: p, id: -1, sig: int(unix.SIGVTALRM), notify: linux.SIGEV_SIGNAL, clock: -1,
			cpu: &CPUClock{P: p, Which: CPUClockVirt}}
	}
	return p.virtTimer
}

// ProfTimer is the process's ITIMER_PROF (SIGPROF): it counts the
// process's user and system CPU time.
func (p *Process) ProfTimer() *Timer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.profTimer == nil {
		p.profTimer = &Timer{p: p, id: -1, sig: int(unix.SIGPROF), notify: linux.SIGEV_SIGNAL, clock: -1,
			cpu: &CPUClock{P: p, Which: CPUClockProf}}
	}
	return p.profTimer
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
	if tm.cpu != nil {
		return tm.getCPU()
	}
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
	if tm.cpu != nil {
		return tm.setCPU(first, interval)
	}
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
	tm.signalUnlock()
}

// signalUnlock sends the timer's expiry signal (unless it is SIGEV_NONE);
// tm.mu is held on entry and released.
func (tm *Timer) signalUnlock() {
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

// CPUClock is the CPU-time clock the timer measures, nil for a wall clock.
func (tm *Timer) CPUClock() *CPUClock { return tm.cpu }

// minCPUPoll bounds how often a CPU timer samples its clock: far below
// the host's tick, which is the resolution of user and system time.
const minCPUPoll = time.Millisecond

func (tm *Timer) getCPU() (left, interval time.Duration) {
	now := tm.cpu.Now()
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.cpuNext == 0 {
		return 0, tm.interval
	}
	left = tm.cpuNext - now
	if left <= 0 {
		// Due and about to fire: still armed (Linux reports a tick).
		left = time.Microsecond
	}
	return left, tm.interval
}

func (tm *Timer) setCPU(first, interval time.Duration) (oldLeft, oldInterval time.Duration) {
	oldLeft, oldInterval = tm.getCPU()
	var now time.Duration
	if first > 0 {
		now = tm.cpu.Now()
	}
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.gen++
	if tm.stop != nil {
		close(tm.stop)
		tm.stop = nil
	}
	tm.interval = interval
	tm.overrun = 0
	if first <= 0 {
		tm.cpuNext = 0
		return
	}
	tm.cpuNext = now + first
	tm.stop = make(chan struct{})
	go tm.watchCPU(tm.gen, tm.stop)
	return
}

// watchCPU samples the timer's clock and fires when it reaches the expiry.
// The clock advances at most as fast as the host has CPUs, so sleeping
// for the time left divided by their number never passes the expiry:
// the timer fires within a poll (at most minCPUPoll times the CPUs, and
// the clock's own tick) of the right CPU time, never early. An idle
// process's timer costs a sample every (time left / CPUs).
func (tm *Timer) watchCPU(gen int, stop chan struct{}) {
	defer tm.p.k.RecoverInternal("cpu timer")
	cpus := time.Duration(max(runtime.NumCPU(), 1))
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		now := tm.cpu.Now()
		tm.mu.Lock()
		if gen != tm.gen || tm.p.Exiting() || tm.cpu.stopped() {
			tm.mu.Unlock()
			return
		}
		left := tm.cpuNext - now
		if left <= 0 {
			last := tm.interval <= 0
			if last {
				tm.cpuNext = 0
			} else {
				tm.cpuNext += tm.interval
				for tm.cpuNext <= now {
					tm.cpuNext += tm.interval
					tm.overrun++
				}
				left = tm.cpuNext - now
			}
			tm.signalUnlock()
			if last {
				return
			}
		} else {
			tm.mu.Unlock()
		}
		sleep.Reset(max(left/cpus, minCPUPoll))
		select {
		case <-stop:
			return
		case <-sleep.C:
		}
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
