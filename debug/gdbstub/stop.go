package gdbstub

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/plat"
)

// stopEvent is why the app stopped, as a stop reply reports it.
type stopEvent struct {
	tid     int
	sig     int
	swbreak bool // stopped at one of gdb's breakpoints (pc already moved back)
	fault   bool // a real fault: resuming with the same signal delivers it
}

// action is what gdb asked a thread to do when the app resumes.
type action struct {
	step bool
	sig  int // signal to deliver, 0 for none
}

// thread is the stub's view of one app thread.
type thread struct {
	t           *kernel.Task
	parked      bool        // held in the stub, on the task's goroutine
	work        chan func() // run on the task's goroutine while parked
	resume      chan action
	stepping    bool       // resumed with the trap flag set by the stub
	justResumed bool       // no app code ran since the last resume
	pending     *stopEvent // a step that finished while another stop was reported
}

// do runs f on th's goroutine; th must be parked.
func (th *thread) do(f func()) {
	done := make(chan struct{})
	th.work <- func() { f(); close(done) }
	<-done
}

// TaskStart implements kernel.Debugger.
func (s *Stub) TaskStart(t *kernel.Task) {
	s.mu.Lock()
	if s.proc == nil {
		s.proc = t.Process()
	}
	if t.Process() != s.proc {
		s.mu.Unlock()
		return
	}
	th := &thread{t: t, work: make(chan func()), resume: make(chan action, 1)}
	s.threads[t.TID] = th
	first := len(s.threads) == 1
	stop := s.stopping
	if first && s.waitFirst {
		s.beginStopLocked(&stopEvent{tid: t.TID, sig: int(unix.SIGTRAP)})
		stop = true
	}
	s.mu.Unlock()
	if stop {
		s.park(th, t)
	}
}

// TaskExit implements kernel.Debugger.
func (s *Stub) TaskExit(t *kernel.Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if th := s.threads[t.TID]; th != nil && th.t == t {
		delete(s.threads, t.TID)
	}
}

// Checkpoint implements kernel.Debugger: a thread comes back to app code.
func (s *Stub) Checkpoint(t *kernel.Task) {
	if !s.attached.Load() && !t.DebugStopRequested() {
		return
	}
	s.mu.Lock()
	th := s.threads[t.TID]
	if th == nil {
		s.mu.Unlock()
		return
	}
	var ev *stopEvent
	switch {
	case th.justResumed:
		th.justResumed = false
		if !s.stopping {
			s.mu.Unlock()
			return
		}
	case th.stepping:
		// The step ended without a trace trap: a system call (or a
		// signal frame) took the thread somewhere new.
		th.stepping = false
		t.Regs().Eflags &^= eflagTF
		ev = &stopEvent{tid: t.TID, sig: int(unix.SIGTRAP)}
	case !s.stopping:
		s.mu.Unlock()
		return
	}
	if ev != nil {
		s.beginStopLocked(ev)
	}
	s.mu.Unlock()
	s.park(th, t)
	th.justResumed = false
}

// Fault implements kernel.Debugger.
func (s *Stub) Fault(t *kernel.Task, f plat.Fault) bool {
	if !s.attached.Load() {
		return false
	}
	s.mu.Lock()
	th := s.threads[t.TID]
	if th == nil {
		s.mu.Unlock()
		return false
	}
	ev := s.classifyLocked(th, f)
	if ev == nil {
		s.mu.Unlock()
		return false
	}
	if s.stopping {
		// Another thread's stop is being reported. A breakpoint or a
		// fault happens again when the thread resumes; a finished step
		// is reported after the current stop.
		if ev.sig == int(unix.SIGTRAP) && !ev.swbreak && !ev.fault {
			th.pending = ev
		}
		s.mu.Unlock()
		s.park(th, t)
		return true
	}
	s.beginStopLocked(ev)
	s.mu.Unlock()
	a := s.park(th, t)
	if ev.fault && a.sig == ev.sig {
		return false // deliver the fault as the kernel would have
	}
	return true
}

// classifyLocked turns a fault into a stop event: gdb's breakpoints (the
// pc moves back over the int3), finished single steps, and real faults.
func (s *Stub) classifyLocked(th *thread, f plat.Fault) *stopEvent {
	r := th.t.Regs()
	ev := &stopEvent{tid: th.t.TID, sig: f.Signo}
	if f.Signo != int(unix.SIGTRAP) {
		ev.fault = true
		return ev
	}
	switch {
	case f.Code == linux.SI_KERNEL && s.breakpoints[r.Rip-1] != nil:
		r.Rip--
		ev.swbreak = true
	case f.Code == linux.TRAP_TRACE && th.stepping:
		th.stepping = false
		r.Eflags &^= eflagTF
	default:
		ev.fault = true // the app's own int3 or trap flag
	}
	return ev
}

// beginStopLocked starts an all-stop for ev unless one is under way.
func (s *Stub) beginStopLocked(ev *stopEvent) {
	if s.stopping {
		return
	}
	s.stopping = true
	s.event = ev
	for _, th := range s.threads {
		if th.t.TID != ev.tid {
			th.t.RequestDebugStop()
		}
	}
	select {
	case s.stopped <- struct{}{}:
	default:
	}
}

// park holds the thread until gdb resumes it, running the stub's requests
// on its goroutine meanwhile; it applies the resume action.
func (s *Stub) park(th *thread, t *kernel.Task) action {
	for {
		s.mu.Lock()
		th.parked = true
		s.mu.Unlock()
		var a action
		resumed := false
		for !resumed {
			select {
			case f := <-th.work:
				f()
			case a = <-th.resume:
				resumed = true
			}
		}
		s.mu.Lock()
		th.parked = false
		th.justResumed = true
		if a.step {
			t.Regs().Eflags |= eflagTF
			th.stepping = true
		}
		pending := th.pending
		th.pending = nil
		if pending != nil && !t.Exited() {
			th.stepping = false
			t.Regs().Eflags &^= eflagTF
			s.beginStopLocked(pending)
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()
		return a
	}
}

// stopAll stops every thread for a reason the stub itself has (gdb
// connected, Ctrl-C) unless a stop is under way.
func (s *Stub) stopAll(sig int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return
	}
	tid := 0
	for id := range s.threads {
		if tid == 0 || id < tid {
			tid = id
		}
	}
	s.beginStopLocked(&stopEvent{tid: tid, sig: sig})
}

// waitParked waits (bounded) until every thread is parked, asking the
// stragglers again: a kick can arrive just before a thread enters app code.
func (s *Stub) waitParked(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		s.mu.Lock()
		var late []*thread
		for _, th := range s.threads {
			if !th.parked {
				late = append(late, th)
			}
		}
		s.mu.Unlock()
		if len(late) == 0 || time.Now().After(deadline) {
			return
		}
		for _, th := range late {
			th.t.RequestDebugStop()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// resumeAll lets every parked thread run again, each with the action
// actionFor gives it (ok false: the thread stays stopped, vCont's t).
func (s *Stub) resumeAll(actionFor func(tid int) (action, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := s.event
	s.stopping = false
	s.event = nil
	for tid, th := range s.threads {
		th.t.ClearDebugStop()
		if !th.parked {
			continue
		}
		a, ok := actionFor(tid)
		if !ok {
			continue
		}
		// A fault resumed with its own signal is delivered by Fault's
		// caller, the kernel, with the fault's details.
		if a.sig != 0 && !(ev != nil && ev.fault && ev.tid == tid && a.sig == ev.sig) {
			th.t.SendSignal(kernel.NewSigInfo(a.sig, linux.SI_USER))
		}
		th.parked = false
		th.resume <- a
	}
}
