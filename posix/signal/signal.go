package signal

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_RT_SIGACTION, shim.Full, "SA_SIGINFO, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_ONSTACK; real rt_sigframes with the XSAVE state", sysRtSigaction)
	tb.Register(unix.SYS_RT_SIGPROCMASK, shim.Full, "SIGKILL and SIGSTOP are never blocked", sysRtSigprocmask)
	tb.Register(unix.SYS_SIGALTSTACK, shim.Full, "SS_AUTODISARM included", sysSigaltstack)
	tb.Register(unix.SYS_RT_SIGRETURN, shim.Full, "restores registers, mask, XSAVE state and the alternate stack; a bad frame is a SIGSEGV", sysRtSigreturn)
	tb.Register(unix.SYS_KILL, shim.Partial, "app processes by pid; 0 and -pid are the caller's process (no process groups); -1 every app process but the caller; stop signals do not stop", sysKill)
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

const (
	sigsetSize   = 8
	sigKill      = 9
	sigStop      = 19
	unblockable  = uint64(1)<<(sigKill-1) | uint64(1)<<(sigStop-1)
	ssOnStack    = 1
	ssDisable    = 2
	ssAutodisarm = 1 << 31
	minSigStkSz  = 2048
)

// sigaction layout on x86-64: handler, flags, restorer, mask (8 bytes each).
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
		if sig == sigKill || sig == sigStop {
			return 0, unix.EINVAL
		}
		var b [32]byte
		if err := t.CopyIn(newAddr, b[:]); err != nil {
			return 0, err
		}
		na = kernel.SigAction{
			Handler:  binary.LittleEndian.Uint64(b[0:]),
			Flags:    binary.LittleEndian.Uint64(b[8:]),
			Restorer: binary.LittleEndian.Uint64(b[16:]),
			Mask:     binary.LittleEndian.Uint64(b[24:]) &^ unblockable,
		}
	}
	p := t.Process()
	old := p.SigAction(sig)
	if oldAddr != 0 {
		var b [32]byte
		binary.LittleEndian.PutUint64(b[0:], old.Handler)
		binary.LittleEndian.PutUint64(b[8:], old.Flags)
		binary.LittleEndian.PutUint64(b[16:], old.Restorer)
		binary.LittleEndian.PutUint64(b[24:], old.Mask)
		if err := t.CopyOut(oldAddr, b[:]); err != nil {
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
		var b [8]byte
		if err := t.CopyIn(setAddr, b[:]); err != nil {
			return 0, err
		}
		set = binary.LittleEndian.Uint64(b[:])
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
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], old)
		return 0, t.CopyOut(oldAddr, b[:])
	}
	return 0, nil
}

// stack_t: ss_sp (8), ss_flags (int, padded to 8), ss_size (8).
func sysSigaltstack(t *kernel.Task, a shim.Args) (uint64, error) {
	newAddr, oldAddr := a[0], a[1]
	if oldAddr != 0 {
		var b [24]byte
		binary.LittleEndian.PutUint64(b[0:], t.AltStack.Sp)
		flags := uint32(t.AltStack.Flags)
		switch {
		case t.AltStack.Size == 0:
			flags = ssDisable
		case t.OnAltStack(t.Regs().Rsp):
			flags |= ssOnStack
		}
		binary.LittleEndian.PutUint32(b[8:], flags)
		binary.LittleEndian.PutUint64(b[16:], t.AltStack.Size)
		if err := t.CopyOut(oldAddr, b[:]); err != nil {
			return 0, err
		}
	}
	if newAddr != 0 {
		if t.OnAltStack(t.Regs().Rsp) {
			return 0, unix.EPERM
		}
		var b [24]byte
		if err := t.CopyIn(newAddr, b[:]); err != nil {
			return 0, err
		}
		sp := binary.LittleEndian.Uint64(b[0:])
		flags := int32(binary.LittleEndian.Uint32(b[8:]))
		size := binary.LittleEndian.Uint64(b[16:])
		switch {
		case flags == ssDisable:
			t.AltStack = kernel.AltStack{}
		case uint32(flags)&^ssAutodisarm != 0:
			return 0, unix.EINVAL
		case size < minSigStkSz:
			return 0, unix.ENOMEM
		default:
			t.AltStack = kernel.AltStack{Sp: sp, Size: size, Flags: int(flags)}
		}
	}
	return 0, nil
}
