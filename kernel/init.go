package kernel

import (
	"time"

	"github.com/elfloader/elfloader/abi/linux"
)

// The first process is the app's init, as a PID namespace's first process
// is: orphans without a child-subreaper ancestor are reparented to it
// (pgrp.go), and when it exits every other process is killed with
// SIGKILL before the run ends (Linux's zap_pid_ns_processes), so that no
// app process, and no stub host process, outlives the run.

// endAllWait bounds how long the run waits for the other processes to
// end after init exited: long enough for SIGKILL to reach every thread,
// short enough that a wedged host call cannot hold elfloader.
const endAllWait = 10 * time.Second

// initProcess is the app's init (nil before the run starts).
func (k *Kernel) initProcess() *Process {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.init
}

// HostParentPID is the pid the first process knows as its parent
// (getppid): elfloader's parent on the host, which is not one of the
// app's processes (0 before the run starts). Handlers that let the app
// read facts of its parent ask the host about this pid, read-only.
func (k *Kernel) HostParentPID() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.hostParentPID
}

// isInit reports whether p is the app's init.
func (k *Kernel) isInit(p *Process) bool { return k.initProcess() == p }

// endAll kills every process but init (which exited) and waits, bounded,
// for them to end.
func (k *Kernel) endAll(init *Process) {
	k.mu.Lock()
	var others []*Process
	for _, p := range k.processes {
		if p != init {
			others = append(others, p)
		}
	}
	k.mu.Unlock()
	for _, p := range others {
		p.SendSignal(NewSigInfo(SIGKILL, linux.SI_KERNEL))
	}
	deadline := time.NewTimer(endAllWait)
	defer deadline.Stop()
	for _, p := range others {
		select {
		case <-p.done:
		case <-deadline.C:
			return
		}
	}
}

// SetChildSubreaper is PR_SET_CHILD_SUBREAPER: orphaned descendants of p
// are reparented to p rather than to init.
func (p *Process) SetChildSubreaper(on bool) { p.childSubreaper.Store(on) }

// ChildSubreaper reports PR_GET_CHILD_SUBREAPER.
func (p *Process) ChildSubreaper() bool { return p.childSubreaper.Load() }

// SignalFirstGroup sends sig from outside (the user, through elfloader)
// to every process of the first process's group: what a shell's SIGCONT
// to a stopped job reaches natively.
func (k *Kernel) SignalFirstGroup(sig int) {
	init := k.initProcess()
	if init == nil {
		return
	}
	for _, p := range k.GroupMembers(init.ProcessGroup()) {
		if !p.Exiting() {
			p.SendSignal(NewSigInfo(sig, linux.SI_USER))
		}
	}
}
