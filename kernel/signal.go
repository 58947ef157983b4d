package kernel

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Signal numbers the kernel itself refers to, as ints.
const (
	SIGKILL = int(unix.SIGKILL)
	SIGSTOP = int(unix.SIGSTOP)
)

// Kernel-internal restart codes returned by interrupted handlers.
const (
	ERESTARTSYS           = linux.ERESTARTSYS
	ERESTARTNOINTR        = linux.ERESTARTNOINTR
	ERESTARTNOHAND        = linux.ERESTARTNOHAND
	ERESTART_RESTARTBLOCK = linux.ERESTART_RESTARTBLOCK
)

func sigBit(sig int) uint64 { return 1 << (sig - 1) }

// Unblockable is the mask of the signals that can be neither blocked nor
// caught (SIGKILL and SIGSTOP).
const Unblockable uint64 = 1<<(SIGKILL-1) | 1<<(SIGSTOP-1)

type defaultAction int

const (
	actTerminate defaultAction = iota
	actCore
	actIgnore
	actStop
)

func defaultActionOf(sig int) defaultAction {
	switch sig {
	case 17, 23, 28, 18: // SIGCHLD, SIGURG, SIGWINCH, SIGCONT
		return actIgnore
	case 19, 20, 21, 22: // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
		return actStop
	case 3, 4, 5, 6, 7, 8, 11, 31, 24, 25: // QUIT ILL TRAP ABRT BUS FPE SEGV SYS XCPU XFSZ
		return actCore
	}
	return actTerminate
}

// sigQueue holds pending signals: one instance of each standard signal, a
// queue of each real-time one.
type sigQueue struct {
	mask  uint64
	infos map[int][]SigInfo
	// any mirrors mask != 0 for readers without the lock: the task loop
	// checks it once per syscall and takes the lock only when it is set.
	any atomic.Bool
}

func (q *sigQueue) add(si SigInfo) bool {
	sig := si.Signo()
	if q.infos == nil {
		q.infos = map[int][]SigInfo{}
	}
	if sig < 32 && q.mask&sigBit(sig) != 0 {
		return false // standard signals do not queue
	}
	q.mask |= sigBit(sig)
	q.infos[sig] = append(q.infos[sig], si)
	q.any.Store(true)
	return true
}

// take removes the lowest pending signal in want (synchronous faults first).
func (q *sigQueue) take(want uint64) (SigInfo, bool) {
	m := q.mask & want
	if m == 0 {
		return SigInfo{}, false
	}
	sig := 0
	for _, s := range []int{11, 7, 4, 5, 8} { // faults first, as Linux's next_signal does
		if m&sigBit(s) != 0 {
			sig = s
			break
		}
	}
	if sig == 0 {
		for s := 1; s <= linux.NumSignals; s++ {
			if m&sigBit(s) != 0 {
				sig = s
				break
			}
		}
	}
	list := q.infos[sig]
	si := list[0]
	if len(list) == 1 {
		delete(q.infos, sig)
		q.mask &^= sigBit(sig)
		q.any.Store(q.mask != 0)
	} else {
		q.infos[sig] = list[1:]
	}
	return si, true
}

// signalState is the per-task part of signal handling, guarded by the
// process's signal lock.
type signalState struct {
	pending   sigQueue
	savedMask *uint64 // mask to restore after a handler (sigsuspend)
}

// sigLock guards pending queues and masks across a thread group.
type sigLock = sync.Mutex

// SendSignal queues a signal for the whole process and wakes a thread that
// can take it.
func (p *Process) SendSignal(si SigInfo) {
	sig := si.Signo()
	p.sigMu.Lock()
	continued, ignored := p.sendSignalPrepared(sig, p.leader)
	if ignored {
		p.sigMu.Unlock()
		if continued {
			p.afterContinue()
		}
		return
	}
	p.shared.add(si)
	p.wakeWatchersLocked(sig)
	var target *Task
	p.mu.Lock()
	tasks := make([]*Task, 0, len(p.tasks))
	for _, t := range p.tasks {
		tasks = append(tasks, t)
	}
	p.mu.Unlock()
	for _, t := range tasks {
		if t.SigMask&sigBit(sig) == 0 {
			target = t
			break
		}
	}
	p.sigMu.Unlock()
	if continued {
		p.afterContinue()
	}
	if sig == SIGKILL {
		for _, t := range tasks {
			t.notify()
		}
	}
	if target != nil {
		target.notify()
	}
}

// SendSignal queues a signal for this thread only (tgkill, faults).
func (t *Task) SendSignal(si SigInfo) {
	p := t.p
	p.sigMu.Lock()
	continued, ignored := p.sendSignalPrepared(si.Signo(), t)
	if !ignored {
		t.sig.pending.add(si)
		p.wakeWatchersLocked(si.Signo())
	}
	p.sigMu.Unlock()
	if continued {
		p.afterContinue()
	}
	if !ignored {
		t.notify()
	}
}

// ignoredLocked reports whether sig would be discarded on arrival at
// target (the thread, or the leader for a signal to the process). As in
// Linux's sig_ignored, a signal the target blocks, or blocked before
// rt_sigtimedwait unblocked it, is never discarded: it stays pending for a
// signalfd or sigwait to take, or until the handler changes (PostgreSQL
// blocks SIGURG, whose default is to ignore it, and reads its latch
// wake-ups from a signalfd). Under a tracer nothing is: as for a ptraced
// Linux task, an ignored signal is queued, shown when taken (strace's
// "--- SIGCHLD ---") and then dropped. Caller holds sigMu.
func (p *Process) ignoredLocked(sig int, target *Task) bool {
	if sig == SIGKILL || sig == SIGSTOP || p.k.cfg.Tracer != nil {
		return false
	}
	if target != nil && (target.SigMask|target.realBlocked)&sigBit(sig) != 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.sigacts[sig].Handler
	return h == linux.SIG_IGN || (h == linux.SIG_DFL && defaultActionOf(sig) == actIgnore)
}

// notify makes the task look at its signals soon: it wakes a blocked
// handler and kicks app code that is running.
func (t *Task) notify() {
	select {
	case t.interrupt <- struct{}{}:
	default:
	}
	t.signalWake()
	t.interruptHostWait()
	if t.inApp.Load() && t.ctx != nil {
		t.k.cfg.Platform.Kick(t.ctx)
	}
}

// mayHaveWork is the lock-free check of the task loop: false means no
// signal is pending for the task or its process and the process is
// neither exiting nor stopped, so there is nothing to deliver.
func (t *Task) mayHaveWork() bool {
	return t.sig.pending.any.Load() || t.p.shared.any.Load() || t.p.exiting.Load() || t.debugStop.Load() || t.p.isStopped() || t.zapped.Load()
}

// deliverableLocked reports whether a signal could be delivered now.
func (t *Task) deliverableLocked() bool {
	want := ^t.SigMask | Unblockable
	return t.sig.pending.mask&want != 0 || t.p.shared.mask&want != 0
}

// HasDeliverable reports whether an unblocked signal is pending, which
// makes blocking syscalls return ERESTARTSYS.
func (t *Task) HasDeliverable() bool {
	if !t.mayHaveWork() {
		return false
	}
	t.p.sigMu.Lock()
	defer t.p.sigMu.Unlock()
	return t.deliverableLocked() || t.p.Exiting() || t.debugStop.Load() || t.p.isStopped() || t.zapped.Load()
}

// Interrupt returns the channel a blocking handler selects on; a value
// arrives when a signal may need delivery.
func (t *Task) Interrupt() <-chan struct{} { return t.interrupt }

// Block waits until ready is closed (nil), the deadline passes (ETIMEDOUT)
// or a signal interrupts (ERESTARTSYS). A zero deadline waits forever.
func (t *Task) Block(ready <-chan struct{}, deadline time.Time) error {
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			select {
			case <-ready:
				return nil
			default:
				return unix.ETIMEDOUT
			}
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		timeout = tm.C
	}
	for {
		if t.HasDeliverable() {
			select {
			case <-ready:
				return nil
			default:
				return ERESTARTSYS
			}
		}
		select {
		case <-ready:
			return nil
		case <-timeout:
			return unix.ETIMEDOUT
		case <-t.interrupt:
		}
	}
}

// dequeueLocked takes the next deliverable signal; only SIGKILL while
// the process is stopped.
func (t *Task) dequeueLocked() (SigInfo, bool) {
	want := ^t.SigMask | Unblockable
	if t.p.jc.stop != 0 {
		want = sigBit(SIGKILL)
	}
	if si, ok := t.sig.pending.take(want); ok {
		return si, true
	}
	return t.p.shared.take(want)
}

// TakeSignal removes a pending signal among set (sigtimedwait).
func (t *Task) TakeSignal(set uint64) (SigInfo, bool) {
	t.p.sigMu.Lock()
	defer t.p.sigMu.Unlock()
	if si, ok := t.sig.pending.take(set); ok {
		return si, true
	}
	return t.p.shared.take(set)
}

// Pending returns the union of pending signals of the thread and process.
func (t *Task) Pending() uint64 {
	t.p.sigMu.Lock()
	defer t.p.sigMu.Unlock()
	return t.sig.pending.mask | t.p.shared.mask
}

// SetSigMask replaces the blocked set (SIGKILL and SIGSTOP stay unblocked).
func (t *Task) SetSigMask(m uint64) {
	t.p.sigMu.Lock()
	t.SigMask = m &^ Unblockable
	t.p.sigMu.Unlock()
}

// UnblockForWait unblocks set while rt_sigtimedwait waits for it; the
// signals stay blocked for the discard rule (ignoredLocked), as Linux's
// real_blocked keeps them. restore puts the mask back.
func (t *Task) UnblockForWait(set uint64) (restore func()) {
	t.p.sigMu.Lock()
	old := t.SigMask
	t.realBlocked = old
	t.SigMask = (old &^ set) &^ Unblockable
	t.p.sigMu.Unlock()
	return func() {
		t.p.sigMu.Lock()
		t.SigMask, t.realBlocked = old, 0
		t.p.sigMu.Unlock()
	}
}

// SetSavedMask arranges for mask to be restored after the next handler
// returns (sigsuspend, ppoll, pselect).
func (t *Task) SetSavedMask(mask uint64) {
	m := mask
	t.sig.savedMask = &m
}

// RestoreSavedMask drops a saved mask when no handler ran.
func (t *Task) RestoreSavedMask() {
	if t.sig.savedMask != nil {
		t.SetSigMask(*t.sig.savedMask)
		t.sig.savedMask = nil
	}
}

// ForceFault delivers a synchronous fault signal: if the app blocks or
// ignores it, the default action is restored first, as Linux does.
func (t *Task) ForceFault(si SigInfo) {
	sig := si.Signo()
	p := t.p
	p.mu.Lock()
	act := p.sigacts[sig]
	blocked := t.SigMask&sigBit(sig) != 0
	if act.Handler == linux.SIG_IGN || blocked {
		p.sigacts[sig] = SigAction{}
	}
	p.mu.Unlock()
	p.sigMu.Lock()
	t.SigMask &^= sigBit(sig)
	t.sig.pending.add(si)
	p.sigMu.Unlock()
}

// ErrnoReturn is the raw syscall return value for an error: -errno.
func ErrnoReturn(e unix.Errno) uint64 { return uint64(-int64(e)) }

// SignalContext returns a context that is cancelled when a signal becomes
// deliverable to the task (for blocking vfs calls); call cancel when done.
func (t *Task) SignalContext() (context.Context, context.CancelFunc) {
	// Derived from the task's context: a device's blocking call finds
	// the caller with TaskFromContext (a terminal's job control).
	ctx, cancel := context.WithCancel(t.taskContext())
	if t.HasDeliverable() {
		cancel()
		return ctx, cancel
	}
	go func() {
		defer t.k.RecoverInternal("signal watcher")
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.interrupt:
				if t.HasDeliverable() {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// SignalWatcher is told when a signal in Mask is queued for the process or
// one of its threads (signalfd).
type SignalWatcher struct {
	Mask atomic.Uint64
	Wake func()
}

// AddSignalWatcher registers w.
func (p *Process) AddSignalWatcher(w *SignalWatcher) {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	p.watchers = append(p.watchers, w)
}

// RemoveSignalWatcher unregisters w.
func (p *Process) RemoveSignalWatcher(w *SignalWatcher) {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	for i, x := range p.watchers {
		if x == w {
			p.watchers = append(p.watchers[:i:i], p.watchers[i+1:]...)
			return
		}
	}
}

// wakeWatchersLocked tells the watchers of sig. Caller holds sigMu.
func (p *Process) wakeWatchersLocked(sig int) {
	for _, w := range p.watchers {
		if w.Mask.Load()&sigBit(sig) != 0 {
			w.Wake()
		}
	}
}

// PendingFor reports whether a signal in set is pending for t or its
// process.
func (t *Task) PendingFor(set uint64) bool { return t.Pending()&set != 0 }
