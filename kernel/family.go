package kernel

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/vfs"
)

// family is a process's place among its relatives: the parent that waits
// for it, the children it waits for, and the vfork handshake.
type family struct {
	mu         sync.Mutex
	parent     *Process
	children   map[int]*Process
	childEvent chan struct{} // closed (and replaced) when a child changes state
	exitSignal int           // sent to the parent at exit (SIGCHLD)
	// parentTID is the thread of the parent that created the process
	// (Linux's real_parent is a thread): wait's __WNOTHREAD sees only the
	// children of the calling thread. Adoption sets the reaper's leader.
	parentTID int
	termSig   int // the signal that killed the process, 0 if it exited
	zombie    bool
	vforkDone chan struct{} // closed when a vfork child execs or exits
	sharedMM  bool          // a vfork child still borrowing its parent's memory
	orphaned  bool          // no reaper was left for it: reaped at exit
	gone      bool          // the process exited and handed its children on
}

// addChildLocked records child c. Caller holds f.mu.
func (f *family) addChildLocked(c *Process) {
	if f.children == nil {
		f.children = map[int]*Process{}
		f.childEvent = make(chan struct{})
	}
	f.children[c.PID] = c
}

// killedBy ends the process as killed by sig (wait status: the signal).
func (p *Process) killedBy(sig int) {
	p.family.mu.Lock()
	p.family.termSig = sig
	p.family.mu.Unlock()
	p.exit(128 + sig)
}

// waitStatus is the status wait4 reports for the ended process.
func (p *Process) waitStatus() int {
	p.family.mu.Lock()
	sig := p.family.termSig
	p.family.mu.Unlock()
	if sig != 0 {
		return sig
	}
	return (p.status & 0xff) << 8
}

// exited tells the parent (SIGCHLD, wait4) and releases a vfork parent.
func (p *Process) exited() {
	f := &p.family
	f.mu.Lock()
	parent := f.parent
	f.zombie = true
	if f.vforkDone != nil {
		close(f.vforkDone)
		f.vforkDone = nil
	}
	orphaned := f.orphaned
	termSig := f.termSig
	f.mu.Unlock()
	if orphaned {
		p.k.reap(p)
		return
	}
	if parent == nil {
		return
	}
	p.notifyExit(parent, termSig)
}

// notifyExit tells parent that p ended: its exit signal (SIGCHLD), with
// si_code and si_status saying how, as Linux's do_notify_parent:
// CLD_EXITED with the exit code, CLD_KILLED with the signal (CLD_DUMPED
// needs a core file, which elfloader never writes); and a wake-up of its
// wait.
func (p *Process) notifyExit(parent *Process, termSig int) {
	p.family.mu.Lock()
	sig := p.family.exitSignal
	p.family.mu.Unlock()
	if sig > 0 {
		code, status := linux.CLD_EXITED, p.status&0xff
		if termSig != 0 {
			code, status = linux.CLD_KILLED, termSig
		}
		si := NewSigInfo(sig, code)
		si.SetSender(p.PID, p.UID)
		si.SetStatus(status)
		parent.SendSignal(si)
	}
	parent.wakeWaiters()
}

// spawn creates a child process that shares the caller's memory until it
// execs (vfork, posix_spawn: clone with CLONE_VM and not CLONE_THREAD).
// A parent that asked for CLONE_VFORK waits until then.
func (t *Task) spawn(a CloneArgs) (int, error) {
	// The child borrows the parent's address space until it execs (on the
	// isolated platform its thread is a new thread of the parent's stub).
	t.p.mm.hold()
	child, nt := t.newChild(a, t.p.mm, true)
	var done chan struct{}
	if a.Flags&unix.CLONE_VFORK != 0 {
		done = make(chan struct{})
		child.family.vforkDone = done
	}
	if a.Flags&unix.CLONE_PARENT_SETTID != 0 {
		if err := CopyOutValue(t, a.ParentTID, uint32(child.PID)); err != nil {
			t.p.mm.drop(child.PID)
			return 0, err
		}
	}
	if err := t.clonePidfd(a, child); err != nil {
		t.p.mm.drop(child.PID)
		return 0, err
	}
	t.start(child, nt)
	if done != nil {
		<-done // vfork: the parent sleeps until the child execs or exits
	}
	return child.PID, nil
}

// fork creates a child process with a copy of the caller's memory (fork,
// clone without CLONE_VM): the platform copies the address space
// copy-on-write; the child has only a copy of the calling thread, which
// returns 0.
func (t *Task) fork(a CloneArgs) (int, error) {
	if a.Flags&(unix.CLONE_VFORK|unix.CLONE_PARENT) != 0 {
		return 0, unix.EINVAL
	}
	mm, err := t.p.mm.Fork()
	if err != nil {
		t.k.reportOnce("fork-failed", fmt.Sprintf("elfloader: fork: %v: answered ENOMEM\n", err))
		return 0, unix.ENOMEM
	}
	child, nt := t.newChild(a, mm, false)
	if rw := t.p.mm.code; rw != nil {
		// The child has the app's original code, not the trampolines.
		nt.initial.Rip = rw.Original(nt.initial.Rip)
		nt.initial.Rcx = nt.initial.Rip
	}
	nt.AltStack = t.AltStack
	nt.Name = t.Name
	if a.Flags&unix.CLONE_CHILD_SETTID != 0 {
		tid := uint32(child.PID)
		mm.CopyOut(a.ChildTID, rawBytes(&tid)) // Linux ignores a fault here too
	}
	if a.Flags&unix.CLONE_PARENT_SETTID != 0 {
		if err := CopyOutValue(t, a.ParentTID, uint32(child.PID)); err != nil {
			mm.drop(child.PID)
			return 0, err
		}
	}
	if err := t.clonePidfd(a, child); err != nil {
		mm.drop(child.PID)
		return 0, err
	}
	t.start(child, nt)
	return child.PID, nil
}

// clonePidfd serves CLONE_PIDFD: a pidfd for child in the caller's table
// (after the child's copy of the table was made, as Linux installs it),
// its number written to a.PidfdAddr.
func (t *Task) clonePidfd(a CloneArgs, child *Process) error {
	if a.OpenPidfd == nil {
		return nil
	}
	fd, err := a.OpenPidfd(child)
	if err != nil {
		return err
	}
	if err := CopyOutValue(t, a.PidfdAddr, int32(fd)); err != nil {
		t.p.files.Close(fd)
		return err
	}
	return nil
}

// newChild makes the process and first task of a new child of t's process
// over mm (shared: borrowed from the parent until exec), with the
// credentials, directories, limits, dispositions and descriptors it
// inherits and a copy of the calling thread's registers (rax = 0).
func (t *Task) newChild(a CloneArgs, mm *MM, shared bool) (*Process, *Task) {
	p := t.p
	pid := t.k.allocPID()
	child := &Process{
		k: t.k, PID: pid, mm: mm,
		UID: p.UID, GID: p.GID, Umask: p.Umask, NoNewPrivs: p.NoNewPrivs,
		Argv: p.Argv, Envp: p.Envp, ExecPath: p.ExecPath, ExePath: p.ExePath, exeLoc: p.exeLoc, Auxv: p.Auxv,
		tasks: map[int]*Task{}, done: make(chan struct{}), startTime: time.Now(),
	}
	if p.FS != nil {
		child.FS = p.FS.Fork()
		child.FS.PID = pid
	}
	child.inheritCreds(p)
	child.landlock.Store(p.landlock.Load()) // FS.Fork copied FS.Guard
	p.mu.Lock()
	child.sigacts = p.sigacts
	child.xfeatureExtra.Store(p.xfeatureExtra.Load())
	child.oom = p.oom
	child.Membarrier.Store(p.Membarrier.Load())
	child.rlimits = map[int]Rlimit{}
	for k, v := range p.rlimits {
		child.rlimits[k] = v
	}
	p.mu.Unlock()
	if a.Flags&unix.CLONE_FILES != 0 {
		child.files = p.files.Share()
	} else {
		child.files = p.files.Fork()
	}
	child.groups = p.childGroups()
	child.family = family{parent: p, exitSignal: a.ExitSignal, sharedMM: shared, parentTID: t.TID}
	child.setPPID(p.PID)

	nt := t.cloneTask(child, pid, a)
	child.tasks[pid] = nt
	child.leader = nt
	return child, nt
}

// start makes a new child visible (its parent's children, the pid table)
// and runs its first task.
func (t *Task) start(child *Process, nt *Task) {
	p := t.p
	p.family.mu.Lock()
	p.family.addChildLocked(child)
	p.family.mu.Unlock()
	t.k.mu.Lock()
	t.k.processes[child.PID] = child
	t.k.tasks[nt.TID] = nt
	t.k.mu.Unlock()
	go nt.run()
}

// Wait4 waits for a child (pid > 0: that one; -1 or 0: any) to end and
// reaps it, returning its pid and wait status. WNOHANG returns 0 at once
// when no child has ended; WUNTRACED and WCONTINUED report stopped and
// continued children too.
func (t *Task) Wait4(pid int, options int) (int, int, error) {
	return t.WaitChild(pid, options|unix.WEXITED, true)
}

// WaitChild waits for a child to change state as options ask (WEXITED,
// WUNTRACED alias WSTOPPED, WCONTINUED, WNOHANG; __WCLONE, __WALL and
// __WNOTHREAD choose which children count), with the choice not to reap
// or consume the report (waitid's WNOWAIT).
func (t *Task) WaitChild(pid int, options int, reap bool) (int, int, error) {
	p := t.p
	for {
		f := &p.family
		f.mu.Lock()
		if len(f.children) == 0 {
			f.mu.Unlock()
			return 0, 0, unix.ECHILD
		}
		found := false
		for cpid, c := range f.children {
			if !p.waitMatches(c, pid) || !t.waitEligible(c, options) {
				continue
			}
			found = true
			c.family.mu.Lock()
			z := c.family.zombie
			c.family.mu.Unlock()
			if !z {
				if status, ok := c.jobReport(options, reap); ok {
					f.mu.Unlock()
					return cpid, status, nil
				}
				continue
			}
			if options&unix.WEXITED != 0 {
				if !reap {
					f.mu.Unlock()
					return cpid, c.waitStatus(), nil
				}
				delete(f.children, cpid)
				f.mu.Unlock()
				t.k.mu.Lock()
				delete(t.k.processes, cpid)
				t.k.mu.Unlock()
				return cpid, c.waitStatus(), nil
			}
		}
		ev := f.childEvent
		f.mu.Unlock()
		if !found {
			return 0, 0, unix.ECHILD
		}
		if options&unix.WNOHANG != 0 {
			return 0, 0, nil
		}
		if err := t.Block(ev, time.Time{}); err != nil {
			return 0, 0, err
		}
	}
}

// waitEligible is Linux's eligible_child for the wait flags: without
// __WALL, a "clone" child (one whose exit signal is not SIGCHLD) is seen
// only with __WCLONE and any other child only without it; with
// __WNOTHREAD only the children the calling thread created count (or
// whose creating thread is gone: Linux hands them to a live thread).
func (t *Task) waitEligible(c *Process, options int) bool {
	c.family.mu.Lock()
	sig, creator := c.family.exitSignal, c.family.parentTID
	c.family.mu.Unlock()
	if options&unix.WNOTHREAD != 0 && creator != t.TID && creator != 0 {
		t.p.mu.Lock()
		_, alive := t.p.tasks[creator]
		t.p.mu.Unlock()
		if alive {
			return false
		}
	}
	if options&unix.WALL != 0 {
		return true
	}
	return (sig != int(unix.SIGCHLD)) == (options&unix.WCLONE != 0)
}

// Execve replaces the process's program (execve(2)). The process must be
// single-threaded. Everything that can be checked is checked before the old
// image goes (Linux's point of no return): a program that cannot be
// opened, executed, parsed or placed is answered with its errno and the
// caller goes on. A failure past that point kills the process with
// SIGSEGV, as Linux does. A vfork child gets an address space of its own
// and releases its parent.
func (t *Task) Execve(path string, argv, envp []string) error {
	p := t.p
	target, err := prepareExec(openerFor(p.FS), path, argv)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			return le.Errno
		}
		return unix.ENOEXEC
	}
	defer target.close()
	// The program's file capabilities decide the new credentials; a
	// malformed set, or one the process cannot be given, fails here.
	fileCaps, err := target.fileCaps()
	if err != nil {
		return err
	}
	if err := p.checkExecCreds(fileCaps); err != nil {
		return err
	}
	before := p.Creds()
	after := before
	after.execCreds(fileCaps, p.NoNewPrivs)
	target.ids = execIDs(before, after)
	// The new program is known to load: the other threads go first.
	p.mu.Lock()
	threads := len(p.tasks)
	p.mu.Unlock()
	if threads > 1 && !t.zapOtherThreads() {
		return nil // killed
	}
	p.family.mu.Lock()
	shared := p.family.sharedMM
	p.family.mu.Unlock()
	if old := p.mm; !shared && old.Direct() {
		// The point of no return: the old image goes first so that a
		// program linked at the same address can load. Only where the
		// new image shares the host address space with the old one (in
		// process): an address space of its own (a stub) goes whole
		// with its process when the old one is released, and unmapping
		// it mapping by mapping cost one round trip to the stub each
		// (~20 for a shell's child, a third of its exec).
		for _, v := range old.VMAs() {
			old.Unmap(v.Start, v.End-v.Start)
		}
	}
	img, err := t.k.loadImage(target, envp, p.mm)
	if err != nil {
		if shared {
			// A vfork child still runs on its parent's intact memory.
			var le *LoadError
			if errors.As(err, &le) {
				return le.Errno
			}
			return unix.ENOMEM
		}
		fmt.Fprintf(t.k.Report(), "elfloader: execve %s: %v: killed with SIGSEGV\n", path, err)
		t.KillBySignal(int(unix.SIGSEGV))
		return nil
	}
	t.replaceImage(img, target, envp, fileCaps)
	t.execPersonality(after.EUID != before.EUID || after.EGID != before.EGID || after.Permitted&^before.Permitted != 0)
	return nil
}

// replaceImage makes the loaded image the process's program: the exec
// half of execve past its point of no return.
func (t *Task) replaceImage(img *loadedImage, target *execTarget, envp []string, fileCaps *vfs.FileCaps) {
	p := t.p
	old := p.mm
	p.mm = img.mm
	// A vfork child gives its parent's address space back; otherwise this
	// was the last user. The task's context follows (Task.afterSyscall).
	old.drop(p.PID)
	if t.k.cfg.Rewriter != nil && img.mm.Direct() {
		img.mm.SetRewriter(t.k.cfg.Rewriter, codeMemory{p}, t.k.kickAppThreads)
	}
	p.Argv, p.Envp, p.ExecPath, p.ExePath = target.argv, envp, target.execFn, target.exePath()
	p.exeLoc = target.exe.f.loc
	p.Auxv = nil
	for _, a := range img.auxv {
		p.Auxv = append(p.Auxv, a.Type, a.Value)
	}
	// Like Linux's unshare_files: the new program gets its own copy of a
	// table shared with CLONE_FILES.
	p.UnshareFiles()
	// POSIX timers end with the old program; alarm and the itimers stay.
	p.DeletePOSIXTimers()
	p.Membarrier.Store(0) // membarrier_exec_mm
	p.markExec()          // before the close-on-exec descriptors tell anyone
	p.files.ExecCloseOnExec()
	p.applyExecCreds(fileCaps)
	p.mu.Lock()
	for i := range p.sigacts {
		if p.sigacts[i].Handler != linux.SIG_IGN {
			p.sigacts[i] = SigAction{}
		}
	}
	p.mu.Unlock()
	t.AltStack = AltStack{}
	t.RobustList, t.RobustLen, t.ClearChildTID = 0, 0, 0
	t.Name = ""
	r := t.Regs()
	*r = amd64.Regs{Rip: img.entry, Rsp: img.sp, Eflags: 0x202}
	t.restoreFP(0)
	p.family.mu.Lock()
	p.family.sharedMM = false
	if p.family.vforkDone != nil {
		close(p.family.vforkDone)
		p.family.vforkDone = nil
	}
	p.family.mu.Unlock()
	t.SetSkipReturn()
}

// UnshareFiles gives p a copy of its descriptor table when another process
// shares it (CLONE_FILES): exec, close_range(CLOSE_RANGE_UNSHARE). The
// table is the process's, so its threads keep sharing it with each other.
func (p *Process) UnshareFiles() {
	if !p.files.Shared() {
		return
	}
	shared := p.files
	p.mu.Lock() // SetRlimit (prlimit from another process) reads p.files
	p.files = shared.Fork()
	p.mu.Unlock()
	shared.Release()
}
