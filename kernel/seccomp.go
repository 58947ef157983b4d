package kernel

// The app's own seccomp filters (seccomp(2), prctl(PR_SET_SECCOMP)),
// evaluated by elfloader before a system call's handler: never installed
// on the host. A thread's state is one immutable seccompState behind an
// atomic pointer, nil for a thread without filters, so that the syscall
// path of such a thread pays one load and one branch (task.go). States
// are replaced under the process's mu (a thread's own seccomp() call, a
// TSYNC from another thread), read without a lock by the thread.

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel/seccomp"
)

// seccompState is a thread's seccomp mode and, in filter mode, its chain.
type seccompState struct {
	mode   int
	filter *seccomp.Filter
}

// maxErrno caps SECCOMP_RET_ERRNO's data, as Linux's MAX_ERRNO.
const maxErrno = 4095

// Seccomp filter flags (linux/seccomp.h) the kernel acts on.
const (
	SeccompFlagTSYNC      = 1 << 0
	SeccompFlagLog        = 1 << 1
	SeccompFlagTSYNCESRCH = 1 << 4
)

// SeccompMode is the thread's mode (PR_GET_SECCOMP).
func (t *Task) SeccompMode() int {
	if s := t.seccomp.Load(); s != nil {
		return s.mode
	}
	return seccomp.ModeDisabled
}

// seccompFilters is the number of filters of the thread's chain.
func (t *Task) seccompFilters() int {
	if s := t.seccomp.Load(); s != nil && s.filter != nil {
		return s.filter.Count
	}
	return 0
}

// SetSeccompStrict enters strict mode (SECCOMP_SET_MODE_STRICT): from
// now on the thread may only read, write, exit and return from signal
// handlers. A thread in filter mode cannot (EINVAL).
func (t *Task) SetSeccompStrict() error {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	if m := t.SeccompMode(); m != seccomp.ModeDisabled && m != seccomp.ModeStrict {
		return unix.EINVAL
	}
	t.seccomp.Store(&seccompState{mode: seccomp.ModeStrict})
	return nil
}

// SeccompMayFilter is Linux's rule for installing a filter: the thread
// must have no_new_privs or CAP_SYS_ADMIN (EACCES).
func (t *Task) SeccompMayFilter() error {
	if !t.p.NoNewPrivs && !t.p.HasCap(unix.CAP_SYS_ADMIN) {
		return unix.EACCES
	}
	return nil
}

// AddSeccompFilter validates prog and stacks it on the thread's filters
// (SECCOMP_SET_MODE_FILTER). With SeccompFlagTSYNC every other thread of
// the process gets the caller's new chain, which requires each of them to
// have no filter or an ancestor of the caller's chain: otherwise nothing
// changes and the answer is the first such thread's TID (ESRCH with
// SeccompFlagTSYNCESRCH). Errors: EINVAL (the program, or strict mode),
// ENOMEM (the chain would be too long).
func (t *Task) AddSeccompFilter(prog []seccomp.Insn, flags uint32) (int, error) {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	cur := t.seccomp.Load()
	var prev *seccomp.Filter
	if cur != nil {
		if cur.mode != seccomp.ModeFilter {
			return 0, unix.EINVAL
		}
		prev = cur.filter
	}
	f, err := seccomp.NewFilter(prog, prev, flags&SeccompFlagLog != 0)
	if err != nil {
		if errors.Is(err, seccomp.ErrTooLong) {
			return 0, unix.ENOMEM
		}
		return 0, unix.EINVAL
	}
	if flags&SeccompFlagTSYNC != 0 {
		for _, o := range t.p.tasks {
			if o == t || o.zapped.Load() {
				continue
			}
			s := o.seccomp.Load()
			if s == nil || s.mode == seccomp.ModeFilter && s.filter.IsAncestor(prev) {
				continue
			}
			if flags&SeccompFlagTSYNCESRCH != 0 {
				return 0, unix.ESRCH
			}
			return o.TID, nil
		}
	}
	ns := &seccompState{mode: seccomp.ModeFilter, filter: f}
	t.seccomp.Store(ns)
	if flags&SeccompFlagTSYNC != 0 {
		for _, o := range t.p.tasks {
			if o != t {
				o.seccomp.Store(ns)
			}
		}
	}
	return 0, nil
}

// seccompAllows runs the thread's seccomp policy on the system call in
// its registers (i386: made with int $0x80, its number and arguments
// i386's) and acts on the result. It reports whether the call is to be
// served; when not, the registers hold what the app sees, a SIGSYS may be
// pending, or the thread or process has ended.
func (t *Task) seccompAllows(s *seccompState, i386 bool) bool {
	r := t.Regs()
	if s.mode == seccomp.ModeStrict {
		if strictAllowed(r.OrigRax, i386) {
			return true
		}
		t.seccompExitThread(int(unix.SIGKILL), "strict mode", i386)
		return false
	}
	d := seccomp.Data{Nr: int32(r.OrigRax), Arch: unix.AUDIT_ARCH_X86_64}
	if i386 {
		d.Arch = unix.AUDIT_ARCH_I386
		d.IP = r.Rip
		for i, v := range [6]uint64{r.Rbx, r.Rcx, r.Rdx, r.Rsi, r.Rdi, r.Rbp} {
			d.Args[i] = uint64(uint32(v))
		}
	} else {
		d.IP = t.SyscallSite(r.Rip) + 2 // the app's address, also from a trampoline
		d.Args = r.SyscallArgs()
	}
	ret, _ := s.filter.Evaluate(&d)
	data := ret & seccomp.RetData
	// The answer of a call that is not made: int $0x80 changes eax only,
	// the syscall instruction also rcx and r11.
	answer := func(v uint64) {
		if i386 {
			r.Rax = v
			return
		}
		r.SetSyscallReturn(v)
	}
	switch action := ret & seccomp.RetActionFull; action {
	case seccomp.RetAllow, seccomp.RetLog:
		// LOG: Linux writes an audit record; the call runs.
		return true
	case seccomp.RetErrno:
		answer(ErrnoReturn(unix.Errno(min(data, maxErrno))))
	case seccomp.RetTrap:
		// The call is not made; rax shows the number again (Linux's
		// syscall_rollback), and SIGSYS says which call it was.
		r.Rax = r.OrigRax
		si := NewSigInfo(int(unix.SIGSYS), linux.SYS_SECCOMP)
		si.SetSigsys(int(data), d.IP, d.Nr, d.Arch)
		t.ForceFault(si)
	case seccomp.RetTrace, seccomp.RetUserNotif:
		// No tracer asked for PTRACE_O_TRACESECCOMP and no listener
		// exists: Linux answers ENOSYS without making the call.
		answer(ErrnoReturn(unix.ENOSYS))
	case seccomp.RetKillThread:
		t.seccompExitThread(int(unix.SIGSYS), "SECCOMP_RET_KILL_THREAD", i386)
	default:
		// KILL_PROCESS, and any action Linux does not know.
		t.seccompKillProcess(int(unix.SIGSYS), "SECCOMP_RET_KILL_PROCESS", i386)
	}
	return false
}

// strictAllowed are strict mode's calls: read, write, exit (not
// exit_group) and sigreturn, in either numbering.
func strictAllowed(nr uint64, i386 bool) bool {
	if i386 {
		switch nr {
		case 3, 4, 1, 119: // read, write, exit, sigreturn (i386)
			return true
		}
		return false
	}
	switch nr {
	case unix.SYS_READ, unix.SYS_WRITE, unix.SYS_EXIT, unix.SYS_RT_SIGRETURN:
		return true
	}
	return false
}

// seccompExitThread ends the thread alone, as Linux's do_exit(sig) for a
// thread seccomp kills (strict mode: SIGKILL; KILL_THREAD: SIGSYS); when
// it is the process's last thread the process ends killed by sig.
func (t *Task) seccompExitThread(sig int, why string, i386 bool) {
	t.p.mu.Lock()
	last := len(t.p.tasks) <= 1 // a thread leaves tasks as it ends (ExitThread)
	if !last {
		delete(t.p.tasks, t.TID)
	}
	t.p.mu.Unlock()
	if last {
		t.seccompKillProcess(sig, why, i386)
		return
	}
	t.exited = true
	t.traceExit(sig)
	t.p.checkStopComplete()
}

// seccompKillProcess ends the process as killed by sig, saying why on
// elfloader's report stream (Linux's audit record).
func (t *Task) seccompKillProcess(sig int, why string, i386 bool) {
	call := linux.SyscallName(t.Regs().OrigRax)
	if i386 {
		call = fmt.Sprintf("i386 system call %d (int $0x80)", uint32(t.Regs().OrigRax))
	}
	fmt.Fprintf(t.k.Report(), "elfloader: process %d killed by %s: its seccomp filter (%s) refused %s\n",
		t.p.PID, unix.SignalName(unix.Signal(sig)), why, call)
	t.p.killedBy(sig)
	t.exited = true
}

// SeccompStatus implements procfs.SeccompStatus: thread tid's (the
// leader's when tid is not a thread of the process).
func (v procView) SeccompStatus(tid int) (noNewPrivs bool, mode, filters int) {
	p := v.p
	p.mu.Lock()
	t := p.tasks[tid]
	if t == nil {
		t = p.leader
	}
	p.mu.Unlock()
	if t != nil {
		mode, filters = t.SeccompMode(), t.seccompFilters()
	}
	return p.NoNewPrivs, mode, filters
}
