package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/arch/amd64"
)

// Offsets in the x86-64 rt_sigframe (arch/x86/include/asm/sigframe.h):
// pretcode, then struct ucontext, then siginfo; the XSAVE image sits above,
// 64-byte aligned. The frame keeps byte offsets rather than a struct: its
// size depends on the XSAVE area CPUID reports, the mcontext is written
// from the register file in sigcontext order (mcontextRegs), and the
// software bytes live inside the FXSAVE image; one offset table says the
// layout once, where a struct would only cover the fixed head.
const (
	frameUC           = 8
	ucFlags           = 0
	ucStack           = 16
	ucMcontext        = 40
	ucSigmask         = 40 + 256
	frameInfo         = 8 + 304
	frameSize         = frameInfo + 128
	redZone           = 128
	fxSwMagic1        = 464 // struct _fpx_sw_bytes in the FXSAVE area's software bytes
	fxSwExtendedSize  = 468
	fxSwXFeatures     = 472
	fxSwXStateSize    = 480
	fpMagic1          = 0x46505853
	fpMagic2          = 0x46505845
	ucFPXState        = 0x1
	ucSigcontextSS    = 0x2
	ucStrictRestoreSS = 0x4
	userCS            = 0x33
	userSS            = 0x2b
	// flags the app may change through sigreturn (FIX_EFLAGS)
	fixEflags = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000
)

// sigcontext register order.
func mcontextRegs(t *Task) []*uint64 {
	r := t.Regs()
	return []*uint64{&r.R8, &r.R9, &r.R10, &r.R11, &r.R12, &r.R13, &r.R14, &r.R15,
		&r.Rdi, &r.Rsi, &r.Rbp, &r.Rbx, &r.Rdx, &r.Rax, &r.Rcx, &r.Rsp, &r.Rip, &r.Eflags}
}

func (t *Task) onAltStack(sp uint64) bool {
	a := t.AltStack
	return a.Size != 0 && sp > a.Sp && sp-a.Sp <= a.Size
}

func isRestartErrno(v uint64) (unix.Errno, bool) {
	e := unix.Errno(-int64(v))
	return e, linux.IsRestartErrno(e)
}

// handleSignals delivers what is pending before the thread returns to app
// code: default actions, or handler frames. afterSyscall tells that the
// registers hold a syscall's result, which may be a restart code.
func (t *Task) handleSignals(afterSyscall bool) {
	r := t.Regs()
	restart, pendingRestart := unix.Errno(0), false
	if afterSyscall {
		restart, pendingRestart = isRestartErrno(r.Rax)
	}
	handled := false
	for !t.Exited() {
		if !t.mayHaveWork() {
			break
		}
		if t.p.isStopped() {
			t.waitWhileStopped()
		}
		t.p.sigMu.Lock()
		si, ok := t.dequeueLocked()
		t.p.sigMu.Unlock()
		if !ok {
			if t.p.isStopped() && !t.Exited() {
				continue // woken while stopped: wait again
			}
			break
		}
		sig := si.Signo()
		t.traceSignal(&si)
		act := t.p.SigAction(sig)
		if sig == SIGKILL || act.Handler == linux.SIG_DFL {
			switch defaultActionOf(sig) {
			case actIgnore:
				continue
			case actStop:
				t.takeStopSignal(sig)
				continue
			}
			fault := t.lastFault != nil && t.lastFault.Signo == sig
			if fault {
				t.crashReport(sig, t.lastFault.Code, t.lastFault.Addr, true)
			} else {
				t.crashReport(sig, 0, 0, false)
			}
			t.p.killedBy(sig)
			t.exited = true
			return
		}
		if act.Handler == linux.SIG_IGN {
			continue
		}
		if pendingRestart {
			switch restart {
			case ERESTARTSYS:
				if act.Flags&linux.SA_RESTART != 0 {
					r.Rip -= 2
					r.Rax = r.OrigRax
				} else {
					r.Rax = ErrnoReturn(unix.EINTR)
				}
			case ERESTARTNOINTR:
				r.Rip -= 2
				r.Rax = r.OrigRax
			default:
				r.Rax = ErrnoReturn(unix.EINTR)
			}
			pendingRestart = false
		}
		if err := t.buildFrame(si, act); err != nil {
			// The frame does not fit (bad stack): SIGSEGV, with its
			// default action if this was SIGSEGV already.
			if sig == int(unix.SIGSEGV) {
				t.p.SetSigAction(sig, SigAction{})
			}
			t.ForceFault(NewSigInfo(int(unix.SIGSEGV), linux.SI_KERNEL))
			continue
		}
		handled = true
	}
	if pendingRestart {
		// No handler ran: the call restarts transparently.
		r.Rip -= 2
		r.Rax = r.OrigRax
	}
	if !handled {
		t.RestoreSavedMask()
	}
}

// buildFrame writes an rt_sigframe for si on the app's stack (or its
// alternate signal stack) and points the registers at the handler.
func (t *Task) buildFrame(si SigInfo, act SigAction) error {
	r := t.Regs()
	sig := si.Signo()
	sp := r.Rsp
	onAlt := t.onAltStack(sp)
	if act.Flags&linux.SA_ONSTACK != 0 && t.AltStack.Size != 0 && t.AltStack.Flags&linux.SS_DISABLE == 0 && !onAlt {
		sp = t.AltStack.Sp + t.AltStack.Size
	} else {
		sp -= redZone
	}
	fpImg := t.frameExtendedState()
	sp -= uint64(len(fpImg))
	sp &^= 63
	fpAddr := sp
	sp -= frameSize
	sp = (sp &^ 15) - 8
	frame := sp

	b := make([]byte, frameSize)
	binary.LittleEndian.PutUint64(b[0:], act.Restorer)
	uc := b[frameUC:]
	binary.LittleEndian.PutUint64(uc[ucFlags:], ucFPXState|ucSigcontextSS|ucStrictRestoreSS)
	binary.LittleEndian.PutUint64(uc[ucStack:], t.AltStack.Sp)
	ssFlags := uint32(0)
	switch {
	case t.AltStack.Size == 0 || t.AltStack.Flags&linux.SS_DISABLE != 0:
		ssFlags = linux.SS_DISABLE
	case onAlt:
		ssFlags = linux.SS_ONSTACK
	}
	binary.LittleEndian.PutUint32(uc[ucStack+8:], ssFlags|uint32(t.AltStack.Flags)&linux.SS_AUTODISARM)
	binary.LittleEndian.PutUint64(uc[ucStack+16:], t.AltStack.Size)
	mc := uc[ucMcontext:]
	for i, p := range mcontextRegs(t) {
		binary.LittleEndian.PutUint64(mc[8*i:], *p)
	}
	binary.LittleEndian.PutUint16(mc[144:], userCS)
	binary.LittleEndian.PutUint16(mc[150:], userSS)
	if f := t.lastFault; f != nil && f.Signo == sig {
		binary.LittleEndian.PutUint64(mc[152:], f.Err)
		binary.LittleEndian.PutUint64(mc[160:], f.Trapno)
		binary.LittleEndian.PutUint64(mc[176:], f.Addr)
	}
	oldMask := t.SigMask
	if t.sig.savedMask != nil {
		oldMask = *t.sig.savedMask
		t.sig.savedMask = nil
	}
	binary.LittleEndian.PutUint64(mc[168:], oldMask)
	binary.LittleEndian.PutUint64(mc[184:], fpAddr)
	binary.LittleEndian.PutUint64(uc[ucSigmask:], oldMask)
	copy(b[frameInfo:], si[:])

	if err := t.CopyOut(fpAddr, fpImg); err != nil {
		return err
	}
	if err := t.CopyOut(frame, b); err != nil {
		return err
	}
	if act.Flags&linux.SA_ONSTACK != 0 && t.AltStack.Flags&linux.SS_AUTODISARM != 0 {
		t.AltStack = AltStack{}
	}
	r.Rsp = frame
	r.Rip = act.Handler
	r.Rdi = uint64(sig)
	r.Rsi = frame + frameInfo
	r.Rdx = frame + frameUC
	r.Rax = 0
	r.Eflags &^= 0x100 | 0x400 | 0x40000 // TF, DF, AC
	newMask := t.SigMask | act.Mask
	if act.Flags&linux.SA_NODEFER == 0 {
		newMask |= sigBit(sig)
	}
	t.SetSigMask(newMask)
	if act.Flags&linux.SA_RESETHAND != 0 && sig != SIGKILL {
		t.p.SetSigAction(sig, SigAction{})
	}
	return nil
}

// Sigreturn restores the state saved by buildFrame (rt_sigreturn). A frame
// that cannot be read or holds an invalid FPU image kills the thread group
// with SIGSEGV, as Linux does.
func (t *Task) Sigreturn() error {
	r := t.Regs()
	frame := r.Rsp - 8
	b := make([]byte, frameSize)
	if err := t.CopyIn(frame, b); err != nil {
		t.ForceFault(NewSigInfo(int(unix.SIGSEGV), linux.SI_KERNEL))
		t.SetSkipReturn()
		return nil
	}
	uc := b[frameUC:]
	mc := uc[ucMcontext:]
	oldFlags := r.Eflags
	for i, p := range mcontextRegs(t) {
		*p = binary.LittleEndian.Uint64(mc[8*i:])
	}
	r.Eflags = oldFlags&^fixEflags | r.Eflags&fixEflags
	r.OrigRax = ^uint64(0)
	if rw := t.p.mm.code; rw != nil {
		// The frame may have been saved inside code the fast path has
		// since moved into a trampoline.
		r.Rip = rw.Resume(r.Rip)
	}
	t.SetSigMask(binary.LittleEndian.Uint64(uc[ucSigmask:]))

	fpAddr := binary.LittleEndian.Uint64(mc[184:])
	if err := t.restoreFP(fpAddr); err != nil {
		t.ForceFault(NewSigInfo(int(unix.SIGSEGV), linux.SI_KERNEL))
	}
	// restore_altstack: the saved stack_t becomes current again, errors ignored.
	sp := binary.LittleEndian.Uint64(uc[ucStack:])
	flags := binary.LittleEndian.Uint32(uc[ucStack+8:])
	size := binary.LittleEndian.Uint64(uc[ucStack+16:])
	if !t.onAltStack(r.Rsp) {
		if flags&linux.SS_DISABLE != 0 {
			t.AltStack = AltStack{}
		} else if size >= 2048 {
			t.AltStack = AltStack{Sp: sp, Size: size, Flags: int(flags & linux.SS_AUTODISARM)}
		}
	}
	t.SetSkipReturn()
	return nil
}

func (t *Task) restoreFP(addr uint64) error {
	xs := t.k.cfg.Platform.XState()
	img := make([]byte, xs.StdSize)
	if addr == 0 {
		binary.LittleEndian.PutUint16(img[0:], 0x37f)
		binary.LittleEndian.PutUint32(img[24:], 0x1f80)
		t.ctx.SetExtendedStateStd(img)
		return nil
	}
	if addr%64 != 0 {
		return unix.EFAULT
	}
	features := t.restoreFeatures()
	if err := t.CopyIn(addr, img[:amd64.XSaveMinSize]); err != nil {
		return err
	}
	// As Linux's check_xstate_in_sigframe: the software bytes must say
	// how big the image is, within what the process may have, and
	// FP_XSTATE_MAGIC2 must follow it; otherwise only the legacy FXSAVE
	// part (x87 and SSE) is restored.
	fxOnly := true
	if binary.LittleEndian.Uint32(img[fxSwMagic1:]) == fpMagic1 {
		size := int(binary.LittleEndian.Uint32(img[fxSwXStateSize:]))
		ext := int(binary.LittleEndian.Uint32(img[fxSwExtendedSize:]))
		if size >= amd64.XSaveMinSize && size <= xs.StdSizeOf(features) && size+4 <= ext {
			var magic2 [4]byte
			if err := t.CopyIn(addr+uint64(size), magic2[:]); err != nil {
				return err
			}
			if binary.LittleEndian.Uint32(magic2[:]) == fpMagic2 {
				if err := t.CopyIn(addr, img[:size]); err != nil {
					return err
				}
				fxOnly = false
			}
		}
	}
	mxcsr := binary.LittleEndian.Uint32(img[24:])
	mask := binary.LittleEndian.Uint32(img[28:])
	if mask == 0 {
		mask = 0xffbf
	}
	if mxcsr&^mask != 0 {
		return unix.EINVAL
	}
	hdr := img[amd64.XSaveHeaderOffset : amd64.XSaveHeaderOffset+64]
	if fxOnly {
		// A legacy (FXSAVE-only) image: x87 and SSE come from it, the
		// rest starts in its initial state; the header is not read.
		clear(hdr)
		binary.LittleEndian.PutUint64(hdr, 3)
	} else {
		xstateBV := binary.LittleEndian.Uint64(hdr[0:])
		if xstateBV&^xs.Enabled != 0 || binary.LittleEndian.Uint64(hdr[8:]) != 0 {
			return unix.EINVAL
		}
		for _, c := range hdr[16:] {
			if c != 0 {
				return unix.EINVAL
			}
		}
		// Components the frame does not name are reset, as Linux does.
		features &= binary.LittleEndian.Uint64(img[fxSwXFeatures:])
		binary.LittleEndian.PutUint64(hdr[0:], xstateBV&features)
	}
	t.ctx.SetExtendedStateStd(img)
	return nil
}

// frameExtendedState is the thread's extended state as a signal frame
// carries it: the standard XSAVE image cut to the frame's features, the
// software bytes (struct _fpx_sw_bytes) in the legacy area's unused tail,
// and FP_XSTATE_MAGIC2 after the image.
func (t *Task) frameExtendedState() []byte {
	xs := t.k.cfg.Platform.XState()
	fp := t.ctx.ExtendedStateStd()
	hdr := fp[amd64.XSaveHeaderOffset:]
	xstateBV := binary.LittleEndian.Uint64(hdr)
	features := t.frameFeatures(xstateBV)
	size := xs.StdSizeOf(features)
	binary.LittleEndian.PutUint64(hdr, xstateBV&features)
	img := make([]byte, size+4)
	copy(img, fp[:size])
	binary.LittleEndian.PutUint32(img[fxSwMagic1:], fpMagic1)
	binary.LittleEndian.PutUint32(img[fxSwExtendedSize:], uint32(size+4))
	binary.LittleEndian.PutUint64(img[fxSwXFeatures:], features)
	binary.LittleEndian.PutUint32(img[fxSwXStateSize:], uint32(size))
	binary.LittleEndian.PutUint32(img[size:], fpMagic2)
	return img
}

// OnAltStack reports whether sp is on the thread's alternate signal stack.
func (t *Task) OnAltStack(sp uint64) bool { return t.onAltStack(sp) }
