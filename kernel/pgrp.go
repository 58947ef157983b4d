package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Process groups and sessions (setpgid(2), setsid(2), credentials(7)).
//
// Every process has a process group ID and a session ID. The first process
// starts in elfloader's own host group and session (it has elfloader's PID,
// so it leads them when elfloader does); children inherit their parent's.
// The IDs are guarded by the pid table's lock (Kernel.mu), as Linux's
// tasklist_lock guards them: setpgid's and setsid's checks of the other
// processes are consistent with the change. Kernel.mu may be taken under a
// family lock, never the other way round.

// groupIDs is a process's group and session.
type groupIDs struct {
	pgid, sid int
	// forkNoExec is Linux's PF_FORKNOEXEC: a child that has not exec'd
	// yet; its parent may still move it to another group.
	forkNoExec bool
}

// ProcessGroup is the process's group ID.
func (p *Process) ProcessGroup() int {
	p.k.mu.Lock()
	defer p.k.mu.Unlock()
	return p.groups.pgid
}

// Session is the process's session ID.
func (p *Process) Session() int {
	p.k.mu.Lock()
	defer p.k.mu.Unlock()
	return p.groups.sid
}

// initialGroups is the first process's group and session: elfloader's.
func initialGroups() groupIDs {
	sid, err := unix.Getsid(0)
	if err != nil {
		sid = unix.Getpid()
	}
	return groupIDs{pgid: unix.Getpgrp(), sid: sid}
}

// hostParentGroups is the group and session of elfloader's host parent
// (none known: -1, which matches no group).
func hostParentGroups() groupIDs {
	ppid := unix.Getppid()
	pgid, err1 := unix.Getpgid(ppid)
	sid, err2 := unix.Getsid(ppid)
	if err1 != nil || err2 != nil {
		return groupIDs{pgid: -1, sid: -1}
	}
	return groupIDs{pgid: pgid, sid: sid}
}

// childGroups is what a new child inherits from its parent.
func (p *Process) childGroups() groupIDs {
	p.k.mu.Lock()
	defer p.k.mu.Unlock()
	return groupIDs{pgid: p.groups.pgid, sid: p.groups.sid, forkNoExec: true}
}

// markExec records that the process exec'd (setpgid by its parent answers
// EACCES from now on).
func (p *Process) markExec() {
	p.k.mu.Lock()
	p.groups.forkNoExec = false
	p.k.mu.Unlock()
}

// isSessionLeaderLocked reports whether p leads its session (PIDs are never
// reused, so a session ID equal to the PID means p created the session).
func (p *Process) isSessionLeaderLocked() bool { return p.groups.sid == p.PID }

// groupInSessionLocked reports whether any process is in group pgid
// (exists) and whether one of session sid is (inSession).
func (k *Kernel) groupInSessionLocked(pgid, sid int) (exists, inSession bool) {
	for _, q := range k.processes {
		if q.groups.pgid == pgid {
			exists = true
			if q.groups.sid == sid {
				return true, true
			}
		}
	}
	return exists, false
}

// SetProcessGroup is setpgid(pid, pgid) called by t, with Linux's rules:
// pid 0 is the caller, pgid 0 is pid; the target is the caller or a child
// of it in the same session that has not exec'd; a session leader cannot
// move; the group joined must exist in the caller's session unless it is
// the target's own PID.
func (t *Task) SetProcessGroup(pid, pgid int) error {
	self := t.p
	if pid == 0 {
		pid = self.PID
	}
	if pgid == 0 {
		pgid = pid
	}
	if pgid < 0 {
		return unix.EINVAL
	}
	k := t.k
	target := k.ProcessByPID(pid)
	if target == nil {
		if k.TaskByTID(pid) != nil {
			return unix.EINVAL // a thread that does not lead its group
		}
		return unix.ESRCH
	}
	isChild := target != self && target.parent() == self
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.processes[pid] != target {
		return unix.ESRCH
	}
	switch {
	case isChild:
		if target.groups.sid != self.groups.sid {
			return unix.EPERM
		}
		if !target.groups.forkNoExec {
			return unix.EACCES
		}
	case target != self:
		return unix.ESRCH
	}
	if target.isSessionLeaderLocked() {
		return unix.EPERM
	}
	if pgid != pid {
		if _, ok := k.groupInSessionLocked(pgid, self.groups.sid); !ok {
			return unix.EPERM
		}
	}
	target.groups.pgid = pgid
	return nil
}

// NewSession is setsid(): the caller leads a new session and a new group,
// both with its PID, and has no controlling terminal. EPERM when a
// process group with the caller's PID exists already (it leads one).
func (t *Task) NewSession() (int, error) {
	p := t.p
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if exists, _ := k.groupInSessionLocked(p.PID, 0); exists {
		return 0, unix.EPERM
	}
	p.groups.pgid, p.groups.sid = p.PID, p.PID
	return p.PID, nil
}

// parent is the process's parent (nil for the first process).
func (p *Process) parent() *Process {
	p.family.mu.Lock()
	defer p.family.mu.Unlock()
	return p.family.parent
}

// GroupMembers lists the processes of group pgid (zombies included, as
// Linux's kill counts them).
func (k *Kernel) GroupMembers(pgid int) []*Process {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*Process
	for _, p := range k.processes {
		if p.groups.pgid == pgid {
			out = append(out, p)
		}
	}
	return out
}

// waitMatches reports whether child c is one that wait4's pid selects:
// pid > 0 that child, -1 any, 0 the caller's group, < -1 group -pid.
func (p *Process) waitMatches(c *Process, pid int) bool {
	switch {
	case pid > 0:
		return c.PID == pid
	case pid == -1:
		return true
	case pid == 0:
		return c.ProcessGroup() == p.ProcessGroup()
	default:
		return c.ProcessGroup() == -pid
	}
}

// orphanChildren hands p's children to a reaper, as Linux reparents
// orphans: the nearest living ancestor that is a child subreaper
// (PR_SET_CHILD_SUBREAPER), else the app's init (the first process). The
// reaper becomes their parent (getppid, SIGCHLD, wait); a zombie child is
// announced to it at once. Groups the exit orphans get SIGHUP and SIGCONT
// when they have a stopped member. When init itself exits there is no
// reaper: the children are left to the kernel (Kernel.endAll kills every
// process, as Linux does when a PID namespace's init exits).
func (p *Process) orphanChildren() {
	p.family.mu.Lock()
	children := make([]*Process, 0, len(p.family.children))
	for _, c := range p.family.children {
		children = append(children, c)
	}
	p.family.children = nil
	p.family.gone = true
	p.family.mu.Unlock()
	for _, c := range children {
		p.reparent(c)
	}
	p.hangUpOrphanedGroups(children)
}

// reparent gives orphan c to a reaper, or to nobody (reaped at its exit)
// when none is left.
func (p *Process) reparent(c *Process) {
	for {
		r := p.k.reaperFor(p)
		if r == nil {
			c.family.mu.Lock()
			zombie := c.family.zombie
			c.family.parent = nil
			c.family.orphaned = !zombie
			c.family.mu.Unlock()
			if zombie {
				p.k.reap(c)
			}
			return
		}
		if r.adopt(c) {
			return
		}
	}
}

// adopt makes p the parent of orphan c; false when p is exiting and takes
// no more children.
func (p *Process) adopt(c *Process) bool {
	p.family.mu.Lock()
	if p.family.gone {
		p.family.mu.Unlock()
		return false
	}
	p.family.addChildLocked(c)
	p.family.mu.Unlock()
	c.family.mu.Lock()
	c.family.parent = p
	c.family.exitSignal = int(unix.SIGCHLD)
	c.family.parentTID = p.PID
	zombie := c.family.zombie
	termSig := c.family.termSig
	c.family.mu.Unlock()
	c.setPPID(p.PID)
	if zombie {
		c.notifyExit(p, termSig)
	}
	return true
}

// reaperFor is the process that adopts the orphans of exiting p: the
// nearest living child-subreaper ancestor, else init; nil when p is init
// or init is gone.
func (k *Kernel) reaperFor(p *Process) *Process {
	for a := p.parent(); a != nil; a = a.parent() {
		if a.childSubreaper.Load() && !a.Exiting() {
			return a
		}
	}
	init := k.initProcess()
	if init == nil || init == p || init.Exiting() {
		return nil
	}
	return init
}

// reap removes an ended process from the pid table.
func (k *Kernel) reap(p *Process) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.processes[p.PID] == p {
		delete(k.processes, p.PID)
	}
}

// deliverParentDeath sends each child's parent-death signal
// (PR_SET_PDEATHSIG) now that p is exiting.
func (p *Process) deliverParentDeath() {
	p.family.mu.Lock()
	children := make([]*Process, 0, len(p.family.children))
	for _, c := range p.family.children {
		children = append(children, c)
	}
	p.family.mu.Unlock()
	for _, c := range children {
		c.mu.Lock()
		var sigs []int
		for _, ct := range c.tasks {
			if sig := ct.PdeathSig.Load(); sig != 0 {
				sigs = append(sigs, int(sig))
			}
		}
		c.mu.Unlock()
		for _, sig := range sigs {
			si := NewSigInfo(sig, linux.SI_USER)
			si.SetSender(p.PID, p.UID)
			c.SendSignal(si)
		}
	}
}
