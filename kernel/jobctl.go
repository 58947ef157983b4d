package kernel

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Job control: stop signals and SIGCONT (signal(7), Linux's group stop).
//
// A stop signal (SIGSTOP, and SIGTSTP, SIGTTIN, SIGTTOU with their default
// action) taken by one thread stops the whole process: the thread starts
// the group stop, every other thread is kicked out of app code or out of
// its blocking call (which restarts transparently later) and waits in the
// kernel too. While stopped nothing but SIGKILL is taken: other signals
// stay pending. SIGCONT, when it is sent (even blocked or ignored),
// resumes every thread and discards pending stop signals; a stop signal
// sent discards a pending SIGCONT. The parent learns of both through
// wait (WUNTRACED, WCONTINUED, waitid's WSTOPPED) and a SIGCHLD with
// CLD_STOPPED or CLD_CONTINUED unless its SIGCHLD action has SA_NOCLDSTOP.
// SIGTSTP, SIGTTIN and SIGTTOU with their default action are discarded in
// an orphaned process group, as Linux does: nobody could continue it.

// stopSignals is the set of the four stop signals.
const stopSignals uint64 = 1<<(19-1) | 1<<(20-1) | 1<<(21-1) | 1<<(22-1)

const sigCONT = int(unix.SIGCONT)

// jobControl is a process's group-stop state, guarded by the process's
// sigMu; stopped mirrors stop != 0 for lock-free checks.
type jobControl struct {
	stop    int           // the signal that stopped the process; 0: running
	resume  chan struct{} // closed when the stop ends
	stopped atomic.Bool
	// waiting counts the threads held by this stop; when all are, the
	// stop is complete and the parent is told (once: notified).
	waiting  int
	notified bool
	// Reports not yet collected by the parent's wait.
	reportStop int // the stop signal (WUNTRACED)
	reportCont bool
}

// isStopped reports whether the process is in a group stop.
func (p *Process) isStopped() bool { return p.jc.stopped.Load() }

// prepareSignalLocked applies what sending sig does before it is queued
// (Linux's prepare_signal): SIGCONT resumes a stopped process and drops
// pending stop signals, a stop signal drops a pending SIGCONT. It returns
// whether the process was resumed. Caller holds sigMu.
func (p *Process) prepareSignalLocked(sig int) bool {
	switch {
	case sig == sigCONT:
		p.dropPendingLocked(stopSignals)
		return p.resumeLocked()
	case stopSignals&sigBit(sig) != 0:
		p.dropPendingLocked(sigBit(sigCONT))
	}
	return false
}

// dropPendingLocked removes the signals of set from the process's queue
// and every thread's.
func (p *Process) dropPendingLocked(set uint64) {
	p.shared.drop(set)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.tasks {
		t.sig.pending.drop(set)
	}
}

// drop removes every pending instance of the signals in set.
func (q *sigQueue) drop(set uint64) {
	if q.mask&set == 0 {
		return
	}
	for s := 1; s <= linux.NumSignals; s++ {
		if set&sigBit(s) != 0 {
			delete(q.infos, s)
		}
	}
	q.mask &^= set
	q.any.Store(q.mask != 0)
}

// resumeLocked ends a group stop (its threads wake on the closed resume
// channel). It returns whether the parent must be told: the stop was
// complete, so it was reported.
func (p *Process) resumeLocked() bool {
	if p.jc.stop == 0 {
		return false
	}
	p.jc.stop = 0
	p.jc.stopped.Store(false)
	close(p.jc.resume)
	p.jc.reportStop = 0
	p.jc.reportCont = p.jc.notified
	return p.jc.notified
}

// endStop drops a group stop without a report: the process is exiting
// (SIGKILL ends a stopped process), it is no longer stopped but dead.
func (p *Process) endStop() {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	if p.resumeLocked() {
		p.jc.reportCont = false
	}
}

// sendSignalPrepared is the common head of the two SendSignal: the
// effects of sending sig, then whether it is discarded. Caller holds
// sigMu; continued tells the caller to notify the parent after unlocking.
func (p *Process) sendSignalPrepared(sig int, target *Task) (continued, ignored bool) {
	continued = p.prepareSignalLocked(sig)
	return continued, p.ignoredLocked(sig, target)
}

// afterContinue tells the parent that the process was continued.
func (p *Process) afterContinue() {
	p.notifyParentJobChange(linux.CLD_CONTINUED, sigCONT)
}

// beginStop starts a group stop for sig (the default action of a stop
// signal taken by one of the process's threads) and kicks the other
// threads; the parent is told when all are held (stopCompleteLocked). A
// stop already in effect is left as it is.
func (p *Process) beginStop(sig int) {
	p.sigMu.Lock()
	if p.jc.stop != 0 || p.exiting.Load() {
		p.sigMu.Unlock()
		return
	}
	p.jc.stop = sig
	p.jc.resume = make(chan struct{})
	p.jc.stopped.Store(true)
	p.jc.waiting, p.jc.notified = 0, false
	p.jc.reportCont = false
	p.sigMu.Unlock()
	for _, t := range p.Tasks() {
		t.notify()
	}
}

// stopCompleteLocked reports, once per stop, that every thread is held:
// the stop becomes visible to wait and the caller tells the parent
// (after unlocking). Caller holds sigMu.
func (p *Process) stopCompleteLocked() bool {
	if p.jc.stop == 0 || p.jc.notified {
		return false
	}
	p.mu.Lock()
	live := len(p.tasks)
	p.mu.Unlock()
	if p.jc.waiting < live {
		return false
	}
	p.jc.notified = true
	p.jc.reportStop = p.jc.stop
	return true
}

// checkStopComplete is stopCompleteLocked for a thread that left (its
// exit may complete a stop), telling the parent.
func (p *Process) checkStopComplete() {
	p.sigMu.Lock()
	done, sig := p.stopCompleteLocked(), p.jc.stop
	p.sigMu.Unlock()
	if done {
		p.notifyParentJobChange(linux.CLD_STOPPED, sig)
	}
}

// notifyParentJobChange sends the parent SIGCHLD with code (CLD_STOPPED or
// CLD_CONTINUED) unless its SIGCHLD action has SA_NOCLDSTOP, and wakes
// its wait in any case (Linux's do_notify_parent_cldstop).
func (p *Process) notifyParentJobChange(code, status int) {
	parent := p.parent()
	if parent == nil {
		if hook := p.k.cfg.FirstProcessStop; hook != nil && p.k.isInit(p) {
			hook(code == linux.CLD_STOPPED)
		}
		return
	}
	if parent.SigAction(int(unix.SIGCHLD)).Flags&linux.SA_NOCLDSTOP == 0 {
		si := NewSigInfo(int(unix.SIGCHLD), code)
		si.SetSender(p.PID, p.UID)
		si.SetStatus(status)
		parent.SendSignal(si)
	}
	parent.wakeWaiters()
}

// wakeWaiters tells every wait of the process that a child changed state:
// a broadcast, since several threads may wait for different children (a
// single token would wake one of them and lose the other's event).
func (p *Process) wakeWaiters() {
	p.family.mu.Lock()
	if ev := p.family.childEvent; ev != nil {
		close(ev)
		p.family.childEvent = make(chan struct{})
	}
	p.family.mu.Unlock()
}

// waitWhileStopped holds the thread in the kernel while its process is
// stopped; it returns when the process is continued, SIGKILL is pending
// or the process is exiting.
func (t *Task) waitWhileStopped() {
	p := t.p
	var counted chan struct{} // the stop this thread is counted in
	for {
		p.sigMu.Lock()
		stopped := p.jc.stop != 0
		resume := p.jc.resume
		killed := (p.shared.mask|t.sig.pending.mask)&sigBit(SIGKILL) != 0
		leave := !stopped || killed || p.Exiting()
		complete, sig := false, p.jc.stop
		switch {
		case leave && counted != nil && counted == resume:
			p.jc.waiting--
		case !leave && counted != resume:
			counted = resume
			p.jc.waiting++
			complete = p.stopCompleteLocked()
		}
		p.sigMu.Unlock()
		if complete {
			p.notifyParentJobChange(linux.CLD_STOPPED, sig)
		}
		if leave {
			return
		}
		select {
		case <-resume:
		case <-t.interrupt:
		}
	}
}

// takeStopSignal acts on a stop signal taken with its default action:
// the process stops, unless the signal is SIGTSTP, SIGTTIN or SIGTTOU and
// the process group is orphaned (the signal is discarded).
func (t *Task) takeStopSignal(sig int) {
	if sig != SIGSTOP && t.k.groupOrphaned(t.p.ProcessGroup(), nil) {
		return
	}
	t.p.beginStop(sig)
	t.waitWhileStopped()
}

// jobReportLocked is the stop or continue report of the process that a
// wait with options collects (consume: taken, not WNOWAIT): the wait
// status and whether there is one. Caller holds p.sigMu.
func (p *Process) jobReportLocked(options int, consume bool) (int, bool) {
	switch {
	case options&unix.WUNTRACED != 0 && p.jc.reportStop != 0:
		status := p.jc.reportStop<<8 | 0x7f
		if consume {
			p.jc.reportStop = 0
		}
		return status, true
	case options&unix.WCONTINUED != 0 && p.jc.reportCont:
		if consume {
			p.jc.reportCont = false
		}
		return 0xffff, true
	}
	return 0, false
}

// jobReport is jobReportLocked under the process's lock.
func (p *Process) jobReport(options int, consume bool) (int, bool) {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	return p.jobReportLocked(options, consume)
}

// groupOrphaned reports whether process group pgid is orphaned (or
// becomes so without ignore): no member has a parent in another group of
// the same session (Linux's will_become_orphaned_pgrp).
func (k *Kernel) groupOrphaned(pgid int, ignore *Process) bool {
	for _, m := range k.GroupMembers(pgid) {
		if m == ignore || m.Exiting() {
			continue
		}
		parent := m.parent()
		var pg, ps int
		switch {
		case parent != nil && !parent.Exiting():
			pg, ps = parent.ProcessGroup(), parent.Session()
		case parent == nil && m == k.initProcess():
			// init's parent is elfloader's, on the host. In the same
			// host group it connects through its own parent, as a
			// shell's job does: count it as connecting.
			pg, ps = k.hostParent.pgid, k.hostParent.sid
			if pg == pgid {
				pg = -1
			}
		default:
			continue
		}
		if pg != pgid && ps == m.Session() {
			return false
		}
	}
	return true
}

// groupHasStopped reports whether a member of group pgid is stopped.
func (k *Kernel) groupHasStopped(pgid int) bool {
	for _, m := range k.GroupMembers(pgid) {
		if m.isStopped() && !m.Exiting() {
			return true
		}
	}
	return false
}

// signalGroup sends sig from the kernel to every live member of pgid.
func (k *Kernel) signalGroup(pgid, sig int) {
	for _, m := range k.GroupMembers(pgid) {
		if !m.Exiting() {
			m.SendSignal(NewSigInfo(sig, linux.SI_KERNEL))
		}
	}
}

// hangUpOrphanedGroups is Linux's kill_orphaned_pgrp for exiting process
// p: a group that p's exit orphans and that has a stopped member gets
// SIGHUP then SIGCONT. That is p's own group, and each group of its
// children in the same session.
func (p *Process) hangUpOrphanedGroups(children []*Process) {
	k := p.k
	k.mu.Lock()
	pgid, sid := p.groups.pgid, p.groups.sid
	k.mu.Unlock()
	groups := map[int]bool{}
	if parent := p.parent(); parent != nil {
		if parent.ProcessGroup() != pgid && parent.Session() == sid {
			groups[pgid] = true
		}
	}
	for _, c := range children {
		if cg := c.ProcessGroup(); cg != pgid && c.Session() == sid {
			groups[cg] = true
		}
	}
	for g := range groups {
		if k.groupOrphaned(g, p) && k.groupHasStopped(g) {
			k.signalGroup(g, int(unix.SIGHUP))
			k.signalGroup(g, sigCONT)
		}
	}
}

// stateLetter is the process's state for /proc/PID/stat: T when stopped.
func (p *Process) stateLetter() string {
	if p.isStopped() {
		return "T"
	}
	return "R"
}
