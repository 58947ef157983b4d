package signal

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_RT_SIGACTION, shim.Full, "SA_SIGINFO, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_ONSTACK; real rt_sigframes with the XSAVE state", sysRtSigaction)
	tb.Register(unix.SYS_RT_SIGPROCMASK, shim.Full, "SIGKILL and SIGSTOP are never blocked", sysRtSigprocmask)
	tb.Register(unix.SYS_SIGALTSTACK, shim.Full, "SS_AUTODISARM included", sysSigaltstack)
	tb.Register(unix.SYS_RT_SIGRETURN, shim.Full, "restores registers, mask, XSAVE state and the alternate stack; a bad frame is a SIGSEGV", sysRtSigreturn)
	tb.Register(unix.SYS_KILL, shim.Partial, "app processes by pid; 0 the caller's process group, -pgid a group (ESRCH when empty); -1 every app process but the caller; stop signals do not stop", sysKill)
	tb.Register(unix.SYS_TKILL, shim.Full, "", sysTkill)
	tb.Register(unix.SYS_TGKILL, shim.Full, "", sysTgkill)
	tb.Register(unix.SYS_RT_SIGQUEUEINFO, shim.Full, "", sysRtSigqueueinfo)
	tb.Register(unix.SYS_RT_TGSIGQUEUEINFO, shim.Full, "", sysRtTgsigqueueinfo)
	tb.Register(unix.SYS_RT_SIGPENDING, shim.Full, "", sysRtSigpending)
	tb.Register(unix.SYS_RT_SIGSUSPEND, shim.Full, "", sysRtSigsuspend)
	tb.Register(unix.SYS_PAUSE, shim.Full, "", sysPause)
	registerSignalfd(tb)
	tb.Register(unix.SYS_RT_SIGTIMEDWAIT, shim.Full, "", sysRtSigtimedwait)
}

const sigsetSize = linux.SizeofKernelSigset

// sysRtSigaction reads and writes the kernel's struct sigaction
// (linux.KernelSigaction: handler, flags, restorer, an 8-byte mask).
func sysRtSigaction(t *kernel.Task, a shim.Args) (uint64, error) {
	sig, newAddr, oldAddr, size := a.Int(0), a[1], a[2], a[3]
	if size != sigsetSize {
		return 0, unix.EINVAL
	}
	if sig < 1 || sig > 64 {
		return 0, unix.EINVAL
	}
	var na kernel.SigAction
	if newAddr != 0 {
		if sig == kernel.SIGKILL || sig == kernel.SIGSTOP {
			return 0, unix.EINVAL
		}
		var in linux.KernelSigaction
		if err := kernel.CopyInStruct(t, newAddr, &in); err != nil {
			return 0, err
		}
		na = kernel.SigAction{Handler: in.Handler, Flags: in.Flags, Restorer: in.Restorer, Mask: in.Mask &^ kernel.Unblockable}
	}
	p := t.Process()
	old := p.SigAction(sig)
	if oldAddr != 0 {
		out := linux.KernelSigaction{Handler: old.Handler, Flags: old.Flags, Restorer: old.Restorer, Mask: old.Mask}
		if err := kernel.CopyOutStruct(t, oldAddr, &out); err != nil {
			return 0, err
		}
	}
	if newAddr != 0 {
		p.SetSigAction(sig, na)
	}
	return 0, nil
}

func sysRtSigprocmask(t *kernel.Task, a shim.Args) (uint64, error) {
	how, setAddr, oldAddr, size := a.Int(0), a[1], a[2], a[3]
	if size != sigsetSize {
		return 0, unix.EINVAL
	}
	var set uint64
	if setAddr != 0 {
		if err := kernel.CopyInStruct(t, setAddr, &set); err != nil {
			return 0, err
		}
		switch how {
		case unix.SIG_BLOCK, unix.SIG_UNBLOCK, unix.SIG_SETMASK:
		default:
			return 0, unix.EINVAL
		}
	}
	// As in Linux, the new mask applies even when the old one cannot be
	// written back.
	old := t.SigMask
	if setAddr != 0 {
		switch how {
		case unix.SIG_BLOCK:
			t.SetSigMask(old | set)
		case unix.SIG_UNBLOCK:
			t.SetSigMask(old &^ set)
		case unix.SIG_SETMASK:
			t.SetSigMask(set)
		}
	}
	if oldAddr != 0 {
		return 0, kernel.CopyOutValue(t, oldAddr, old)
	}
	return 0, nil
}

// sysSigaltstack reads and writes stack_t (linux.Stack). As in the kernel,
// the old stack is written only once the new one is accepted.
func sysSigaltstack(t *kernel.Task, a shim.Args) (uint64, error) {
	newAddr, oldAddr := a[0], a[1]
	old := currentAltStack(t)
	if newAddr != 0 {
		var ss linux.Stack
		if err := kernel.CopyInStruct(t, newAddr, &ss); err != nil {
			return 0, err
		}
		if err := setAltStack(t, ss); err != nil {
			return 0, err
		}
	}
	if oldAddr != 0 {
		return 0, kernel.CopyOutStruct(t, oldAddr, &old)
	}
	return 0, nil
}

// currentAltStack describes the thread's alternate stack: SS_DISABLE when
// there is none, SS_ONSTACK while running on it, plus SS_AUTODISARM if set.
func currentAltStack(t *kernel.Task) linux.Stack {
	flags := int32(uint32(t.AltStack.Flags) & linux.SS_AUTODISARM)
	switch {
	case t.AltStack.Size == 0:
		flags |= linux.SS_DISABLE
	case t.OnAltStack(t.Regs().Rsp):
		flags |= linux.SS_ONSTACK
	}
	return linux.Stack{Sp: t.AltStack.Sp, Flags: flags, Size: t.AltStack.Size}
}

// setAltStack installs ss; its mode (flags without SS_AUTODISARM) is 0,
// SS_ONSTACK (the same as 0) or SS_DISABLE.
func setAltStack(t *kernel.Task, ss linux.Stack) error {
	if t.OnAltStack(t.Regs().Rsp) {
		return unix.EPERM
	}
	keep := int(uint32(ss.Flags) & linux.SS_AUTODISARM)
	switch uint32(ss.Flags) &^ linux.SS_AUTODISARM {
	case linux.SS_DISABLE:
		t.AltStack = kernel.AltStack{Flags: keep}
	case 0, linux.SS_ONSTACK:
		if ss.Size < linux.MINSIGSTKSZ {
			return unix.ENOMEM
		}
		t.AltStack = kernel.AltStack{Sp: ss.Sp, Size: ss.Size, Flags: keep}
	default:
		return unix.EINVAL
	}
	return nil
}
