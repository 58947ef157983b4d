package kernel

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/plat"
)

// Task is one app thread. Its goroutine is locked to its own OS thread,
// which runs the app's code through the platform context.
type Task struct {
	codeGen uint64 // the fast path's trampoline generation this thread has seen
	// reviveGenAtEntry is the revival generation when the call being
	// served began (revive.go).
	reviveGenAtEntry uint64
	scratch          []byte // Scratch's buffer
	// structBuf carries the structs CopyInStruct and CopyOutStruct move,
	// so that handlers' structs do not escape to the heap.
	structBuf [512]byte

	k       *Kernel
	p       *Process
	TID     int
	ctx     plat.Context
	initial amd64.Regs // registers to start from

	// Fields below are touched only by the task's own goroutine.
	SigMask       uint64
	realBlocked   uint64 // the mask before rt_sigtimedwait (UnblockForWait), guarded by sigMu
	ClearChildTID uint64
	RobustList    uint64
	RobustLen     uint64
	exited        bool
	lastFault     *plat.Fault
	fpImage       []byte // extended state inherited from the parent (clone)
	xdynUsed      uint64 // permitted dynamic features this thread has used (frame contents)
	wakeMu        sync.Mutex
	wakefd        int // 0: not created yet, -1: closed
	started       chan struct{}
	sig           signalState
	interrupt     chan struct{}
	futexIntr     atomic.Uint32 // raised by notify during a host futex wait (futex_host.go)
	futexWaiting  atomic.Bool   // the task is in a host futex wait
	inApp         atomic.Bool
	personality   atomic.Uint32 // personality(2), personality.go
	debugStop     atomic.Bool   // a debugger asked the task to stop (debug.go)
	skipReturn    bool
	confined      bool            // ThreadSetup ran on the task's thread (confineThread)
	bounces       []bounce        // copied app buffers to write back (bounce.go)
	ioCtx         context.Context // taskContext, made on first use
	// SyscallNr is the number of the syscall being served (for handlers
	// that report on themselves).
	SyscallNr uint64
	// Name is the thread name (PR_SET_NAME, /proc/self/comm).
	Name string
	// PdeathSig is the parent-death signal (PR_SET_PDEATHSIG), read by the
	// exiting parent's goroutine.
	PdeathSig atomic.Int32
	// AltStack is the sigaltstack.
	AltStack AltStack
	// values are the handler libraries' per-thread attributes
	// (taskvalues.go).
	values taskValues
	// zapped ends this thread because another one of its process is
	// executing a new program (exec_threads.go); gone closes when the
	// task's goroutine is done.
	zapped atomic.Bool
	gone   chan struct{}
	// cpu is where the task's CPU time is read (cputime.go).
	cpu taskCPU
	// seccomp is the thread's seccomp mode and filters (seccomp.go), nil
	// when it has none: the syscall path's one check.
	seccomp atomic.Pointer[seccompState]
}

// Kernel returns the task's kernel.
func (t *Task) Kernel() *Kernel { return t.k }

// Process returns the task's thread group.
func (t *Task) Process() *Process { return t.p }

// MM returns the task's address space.
func (t *Task) MM() *MM { return t.p.mm }

// Scratch returns n bytes a handler may use until it returns: one buffer
// per task, reused by every call on the task's goroutine, so that a hot
// handler (epoll_wait's event array) does not allocate per call. The
// contents are not zeroed; a handler must not keep the slice, nor call
// another user of Scratch while it holds it.
func (t *Task) Scratch(n int) []byte {
	if cap(t.scratch) < n {
		t.scratch = make([]byte, n)
	}
	return t.scratch[:n]
}

// SyscallSite maps the return address of a system call (rip after the
// syscall instruction) to the syscall instruction in the app's code, also
// when the call came through a trampoline that replays moved code.
func (t *Task) SyscallSite(rip uint64) uint64 {
	if rw := t.p.mm.code; rw != nil {
		if _, ok := t.p.mm.Find(rip - 2); !ok {
			rip = rw.Original(rip)
		}
	}
	return rip - 2
}

// Regs returns the registers of the app thread (valid while it is stopped in
// the kernel, i.e. inside a handler).
func (t *Task) Regs() *amd64.Regs { return t.ctx.Regs() }

// CopyIn reads app memory.
func (t *Task) CopyIn(addr uint64, dst []byte) error { return t.p.mm.CopyIn(addr, dst) }

// CopyOut writes app memory.
func (t *Task) CopyOut(addr uint64, src []byte) error { return t.p.mm.CopyOut(addr, src) }

// CopyInString reads a NUL-terminated string from app memory.
func (t *Task) CopyInString(addr uint64, max int) (string, error) {
	return t.p.mm.CopyInString(addr, max)
}

// ExitThread ends this task only (exit(2)).
func (t *Task) ExitThread(code int) {
	t.exited = true
	t.traceExit((code & 0xff) << 8)
	t.p.mu.Lock()
	delete(t.p.tasks, t.TID)
	last := len(t.p.tasks) == 0
	t.p.mu.Unlock()
	if last {
		t.p.exit(code & 0xff)
		return
	}
	t.p.checkStopComplete()
}

// ExitGroup ends the whole process (exit_group(2)).
func (t *Task) ExitGroup(code int) {
	t.exited = true
	t.p.exit(code & 0xff)
}

// Exited reports whether the task has finished.
func (t *Task) Exited() bool { return t.exited || t.p.Exiting() || t.zapped.Load() }

// run is the task's goroutine: it owns an OS thread for the app thread's
// whole life and never gives it back (the Go runtime ends the thread when
// the goroutine returns while locked).
func (t *Task) run() {
	defer close(t.gone) // last: after finish
	runtime.LockOSThread()
	defer t.k.RecoverInternal(fmt.Sprintf("task %d", t.TID))
	if t.p.mm.Direct() {
		if err := t.confineThread(); err != nil {
			fmt.Fprintf(t.k.Report(), "elfloader: %v\n", err)
			t.p.exit(125)
			return
		}
	}
	ctx, err := t.k.cfg.Platform.NewContext(t.p.mm.as)
	if err != nil {
		if !t.p.Exiting() {
			// (A thread started while its process was being killed
			// finds its address space gone: nothing to report.)
			fmt.Fprintf(t.k.Report(), "elfloader: %v\n", err)
			t.p.exit(126)
		}
		return
	}
	t.ctx = ctx
	t.noteContext(ctx)
	defer func() { t.ctx.Release() }()
	t.k.goProcs.taskStarted()
	defer t.k.goProcs.taskEnded()
	*ctx.Regs() = t.initial
	if t.fpImage != nil {
		ctx.SetExtendedStateStd(t.fpImage)
		t.fpImage = nil
	}
	close(t.started)
	dbg := t.k.cfg.Debugger
	if dbg != nil {
		dbg.TaskStart(t)
		defer dbg.TaskExit(t)
	}
	for !t.Exited() {
		if dbg != nil {
			dbg.Checkpoint(t)
		}
		if rk, ok := t.ctx.(interface{ ResetKick() }); ok {
			rk.ResetKick() // a kick from now on is not lost (inproc)
		}
		t.inApp.Store(true)
		if t.HasDeliverable() {
			t.inApp.Store(false)
			t.handleSignals(false)
			continue
		}
		ctx := t.ctx
		if rw := t.p.mm.code; rw != nil {
			if g := rw.Generation(); g != t.codeGen {
				// Trampolines went away while this thread was out of
				// app code: it may have to return to the app's own.
				t.codeGen = g
				ctx.Regs().Rip = rw.Forward(ctx.Regs().Rip)
			}
		}
		if pc, ok := ctx.(plat.PassThroughContext); ok {
			t.setPassThrough(pc)
		}
		ev := ctx.Switch()
		t.inApp.Store(false)
		if t.Exited() {
			// The process ended while this thread ran (on the isolated
			// platform its stub may be gone: the event means nothing).
			break
		}
		if ev == plat.EventSyscall || ev == plat.EventSyscall32 {
			if ft := t.p.files; ft != nil {
				// Closes the platform deferred (PassWordClosable)
				// happen before any call the kernel serves.
				ft.drainPassCloses()
			}
		}
		switch ev {
		case plat.EventSyscall:
			if rw := t.p.mm.code; rw != nil {
				if f, ok := ctx.(interface{ Fast() bool }); !ok || !f.Fast() {
					rw.AfterTrap(ctx, codeMemory{t.p})
				}
			}
			if s := t.seccomp.Load(); s == nil || t.seccompAllows(s, false) {
				bumped := t.beforeServe(false)
				t.k.cfg.Syscalls.Dispatch(t)
				t.afterServe(bumped)
			}
			t.afterSyscall()
		case plat.EventSyscall32:
			if s := t.seccomp.Load(); s == nil || t.seccompAllows(s, true) {
				bumped := t.beforeServe(true)
				t.serveInt80(t.k.cfg.Syscalls.Dispatch)
				t.afterServe(bumped)
			}
			t.afterSyscall()
		case plat.EventFault:
			if dbg == nil || !dbg.Fault(t, ctx.Fault()) {
				t.handleFault(ctx.Fault())
			}
		case plat.EventKick:
			t.handleSignals(false)
		}
	}
	t.dropBounces()
	t.retireCPU()
	t.finish()
}

// afterSyscall completes a served system call: buffers the handler got as
// copies are written back, the thread follows its process into a new
// address space (execve on a platform whose threads belong to one), and
// pending signals are delivered.
func (t *Task) afterSyscall() {
	if t.Exited() {
		t.dropBounces()
		return
	}
	t.flushBounces()
	if err := t.followAddressSpace(); err != nil {
		fmt.Fprintf(t.k.Report(), "elfloader: task %d: a thread in the new address space: %v\n", t.TID, err)
		t.KillBySignal(int(unix.SIGKILL))
		return
	}
	t.handleSignals(true)
}

// followAddressSpace gives the task a context in its process's address
// space when its context belongs to another one (after execve on the
// isolated platform): the registers and extended state move over.
func (t *Task) followAddressSpace() error {
	if bc, ok := t.ctx.(plat.BoundContext); ok {
		if bc.AddressSpace() == t.p.mm.as {
			return nil
		}
	} else if t.p.mm.Direct() {
		return nil // an in-process context serves every in-process address space
	}
	if t.p.mm.Direct() {
		// From a stub into the in-process address space (execve in a
		// fork child): the thread runs app code itself from now on.
		if err := t.confineThread(); err != nil {
			return err
		}
	}
	old := t.ctx
	nc, err := t.k.cfg.Platform.NewContext(t.p.mm.as)
	if err != nil {
		return err
	}
	*nc.Regs() = *old.Regs()
	nc.SetExtendedStateStd(old.ExtendedStateStd())
	t.ctx = nc
	t.noteContext(nc)
	old.Release()
	return nil
}

// confineThread confines the task's OS thread (Config.ThreadSetup) once,
// before it runs app code itself (in process). A thread that drives a
// stub process stays unconfined: it must stay able to reach the stub.
func (t *Task) confineThread() error {
	setup := t.k.cfg.ThreadSetup
	if setup == nil || t.confined {
		return nil
	}
	if err := setup(); err != nil {
		return fmt.Errorf("confining the thread of task %d: %w", t.TID, err)
	}
	t.confined = true
	return nil
}

// handleFault turns a synchronous fault in app code into its signal.
func (t *Task) handleFault(f plat.Fault) {
	if f.Signo == int(unix.SIGTRAP) && t.k.cfg.Rewriter != nil && t.k.cfg.Rewriter.Breakpoint(t.Regs().Rip-1) {
		t.Regs().Rip-- // a site was being rewritten: run it again
		return
	}
	if f.Signo == int(unix.SIGSYS) && f.Code == linux.SYS_SECCOMP {
		// App code reached the host kernel past elfloader (in-process,
		// the dispatch selector cleared) with a call elfloader's host
		// filter kills for: killed, whatever its handlers, as by
		// SECCOMP_RET_KILL_PROCESS.
		fmt.Fprintf(t.k.Report(), "elfloader: program killed by signal SIGSYS: process %d called the host kernel directly (%s), which elfloader's host filter forbids\n",
			t.p.PID, linux.SyscallName(t.Regs().Rax))
		t.p.killedBy(int(unix.SIGSYS))
		t.exited = true
		return
	}
	if f.Signo == int(unix.SIGKILL) {
		// The platform lost the address space (a stub process that died
		// or that its app broke): no registers or code left to show.
		t.reportLostProcess()
		t.p.killedBy(int(unix.SIGKILL))
		t.exited = true
		return
	}
	si := NewSigInfo(f.Signo, f.Code)
	if f.Signo == int(unix.SIGSEGV) || f.Signo == int(unix.SIGBUS) || f.Signo == int(unix.SIGILL) || f.Signo == int(unix.SIGFPE) {
		si.SetAddr(f.Addr)
		if f.Signo != int(unix.SIGSEGV) && f.Signo != int(unix.SIGBUS) {
			si.SetAddr(t.Regs().Rip)
		}
	}
	t.lastFault = &f
	t.ForceFault(si)
	t.handleSignals(false)
	t.lastFault = nil
}

// reportLostProcess says in one line why the platform lost the process.
func (t *Task) reportLostProcess() {
	why := "its address space is gone"
	if e, ok := t.ctx.(interface{ Err() error }); ok && e.Err() != nil {
		why = e.Err().Error()
	}
	fmt.Fprintf(t.k.Report(), "elfloader: program killed by signal SIGKILL (process %d): %s\n", t.p.PID, why)
}

// KillBySignal ends the process as if sig's default action killed it.
func (t *Task) KillBySignal(sig int) {
	t.crashReport(sig, 0, 0, false)
	t.p.killedBy(sig)
	t.exited = true
}

// SetSkipReturn tells the dispatcher not to store a return value for the
// current call (rt_sigreturn and execve replace all registers).
func (t *Task) SetSkipReturn() { t.skipReturn = true }

// SkipReturn reports and clears the flag set by SetSkipReturn.
func (t *Task) SkipReturn() bool {
	s := t.skipReturn
	t.skipReturn = false
	return s
}

// AltStack is a thread's alternate signal stack (sigaltstack).
type AltStack struct {
	Sp, Size uint64
	Flags    int
}
