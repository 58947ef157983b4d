package signal

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func sysRtSigreturn(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, t.Sigreturn()
}

func validSig(sig int) error {
	if sig < 0 || sig > linux.NumSignals {
		return unix.EINVAL
	}
	return nil
}

func userInfo(t *kernel.Task, sig, code int) kernel.SigInfo {
	si := kernel.NewSigInfo(sig, code)
	si.SetSender(t.Process().PID, t.Process().UID)
	return si
}

func sysKill(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, sig := a.Int(0), a.Int(1)
	if err := validSig(sig); err != nil {
		return 0, err
	}
	switch {
	case pid == -1:
		return 0, killAll(t, sig)
	case pid == 0:
		return 0, killGroup(t, t.Process().ProcessGroup(), sig)
	case pid < 0:
		return 0, killGroup(t, -pid, sig)
	}
	p := t.Kernel().ProcessByPID(pid)
	if p == nil {
		return 0, unix.ESRCH
	}
	if err := t.Process().MaySignal(p); err != nil {
		return 0, err
	}
	if sig != 0 {
		p.SendSignal(userInfo(t, sig, linux.SI_USER))
	}
	return 0, nil
}

// killGroup is kill(-pgid, sig): every process of the group gets the
// signal; ESRCH when the group has none.
func killGroup(t *kernel.Task, pgid, sig int) error {
	members := t.Kernel().GroupMembers(pgid)
	if len(members) == 0 {
		return unix.ESRCH
	}
	// As __kill_pgrp_info: success when any member could be signalled,
	// else the last error (a Landlock scope's EPERM).
	var err error
	sent := false
	for _, p := range members {
		if err = t.Process().MaySignal(p); err != nil {
			continue
		}
		sent = true
		if sig != 0 {
			p.SendSignal(userInfo(t, sig, linux.SI_USER))
		}
	}
	if sent {
		return nil
	}
	return err
}

// killAll is kill(-1, sig): every process except init (pid 1) and the
// caller's own gets the signal; ESRCH when there is none.
func killAll(t *kernel.Task, sig int) error {
	self := t.Process()
	found := false
	for _, p := range t.Kernel().Processes() {
		if p == self || p.PID == 1 {
			continue
		}
		if self.MaySignal(p) != nil {
			continue // as Linux: an EPERM target does not count
		}
		found = true
		if sig != 0 {
			p.SendSignal(userInfo(t, sig, linux.SI_USER))
		}
	}
	if !found {
		return unix.ESRCH
	}
	return nil
}

func findThread(t *kernel.Task, tgid, tid int) (*kernel.Task, error) {
	if tid <= 0 {
		return nil, unix.EINVAL
	}
	target := t.Kernel().TaskByTID(tid)
	if target == nil || (tgid > 0 && target.Process().PID != tgid) {
		return nil, unix.ESRCH
	}
	return target, nil
}

func sysTkill(t *kernel.Task, a shim.Args) (uint64, error) {
	return tgkill(t, -1, a.Int(0), a.Int(1))
}

func sysTgkill(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0) <= 0 {
		return 0, unix.EINVAL
	}
	return tgkill(t, a.Int(0), a.Int(1), a.Int(2))
}

func tgkill(t *kernel.Task, tgid, tid, sig int) (uint64, error) {
	if err := validSig(sig); err != nil {
		return 0, err
	}
	target, err := findThread(t, tgid, tid)
	if err != nil {
		return 0, err
	}
	if err := t.Process().MaySignal(target.Process()); err != nil {
		return 0, err
	}
	if sig != 0 {
		target.SendSignal(userInfo(t, sig, linux.SI_TKILL))
	}
	return 0, nil
}

func readInfo(t *kernel.Task, addr uint64, sig int) (kernel.SigInfo, error) {
	var si kernel.SigInfo
	if err := t.CopyIn(addr, si[:]); err != nil {
		return si, err
	}
	// Only the kernel may claim kernel-generated codes (and SI_TKILL).
	if c := si.Code(); c >= 0 || c == linux.SI_TKILL {
		return si, unix.EPERM
	}
	si.SetSigno(sig)
	return si, nil
}

func sysRtSigqueueinfo(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, sig := a.Int(0), a.Int(1)
	if err := validSig(sig); err != nil {
		return 0, err
	}
	p := t.Kernel().ProcessByPID(pid)
	if p == nil {
		return 0, unix.ESRCH
	}
	si, err := readInfo(t, a[2], sig)
	if err != nil {
		return 0, err
	}
	if err := t.Process().MaySignal(p); err != nil {
		return 0, err
	}
	if sig != 0 {
		p.SendSignal(si)
	}
	return 0, nil
}

func sysRtTgsigqueueinfo(t *kernel.Task, a shim.Args) (uint64, error) {
	tgid, tid, sig := a.Int(0), a.Int(1), a.Int(2)
	if err := validSig(sig); err != nil {
		return 0, err
	}
	target, err := findThread(t, tgid, tid)
	if err != nil {
		return 0, err
	}
	si, err := readInfo(t, a[3], sig)
	if err != nil {
		return 0, err
	}
	if err := t.Process().MaySignal(target.Process()); err != nil {
		return 0, err
	}
	if sig != 0 {
		target.SendSignal(si)
	}
	return 0, nil
}

func sysRtSigpending(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[1] > sigsetSize {
		return 0, unix.EINVAL
	}
	set := t.Pending() & t.SigMask // the kernel's sigset_t: 64 bits
	var b [linux.SizeofKernelSigset]byte
	kernel.EncodeStruct(b[:], &set)
	return 0, t.CopyOut(a[0], b[:a[1]])
}

func readSigset(t *kernel.Task, addr, size uint64) (uint64, error) {
	if size != sigsetSize {
		return 0, unix.EINVAL
	}
	var set uint64 // the kernel's sigset_t: 64 bits
	if err := kernel.CopyInStruct(t, addr, &set); err != nil {
		return 0, err
	}
	return set, nil
}

// sysRtSigsuspend waits for a signal with a temporary mask; the handler
// runs with it, and the original mask comes back at sigreturn.
func sysRtSigsuspend(t *kernel.Task, a shim.Args) (uint64, error) {
	mask, err := readSigset(t, a[0], a[1])
	if err != nil {
		return 0, err
	}
	old := t.SigMask
	t.SetSigMask(mask)
	t.SetSavedMask(old)
	for {
		if err := t.Block(nil, time.Time{}); err != nil {
			return 0, kernel.ERESTARTNOHAND
		}
	}
}

func sysRtSigtimedwait(t *kernel.Task, a shim.Args) (uint64, error) {
	set, err := readSigset(t, a[0], a[3])
	if err != nil {
		return 0, err
	}
	set &^= kernel.Unblockable
	var deadline time.Time
	if a[2] != 0 {
		var ts unix.Timespec
		if err := kernel.CopyInStruct(t, a[2], &ts); err != nil {
			return 0, err
		}
		sec, nsec := ts.Sec, ts.Nsec
		if sec < 0 || nsec < 0 || nsec >= 1e9 {
			return 0, unix.EINVAL
		}
		deadline = time.Now().Add(time.Duration(sec)*time.Second + time.Duration(nsec))
	}
	// The waited-for signals are treated as unblocked while we wait, so
	// their arrival wakes us; others interrupt with EINTR.
	for {
		if si, ok := t.TakeSignal(set); ok {
			if a[1] != 0 {
				if err := t.CopyOut(a[1], si[:]); err != nil {
					return 0, err
				}
			}
			return uint64(si.Signo()), nil
		}
		restore := t.UnblockForWait(set)
		err := t.Block(nil, deadline)
		restore()
		if err == unix.ETIMEDOUT {
			return 0, unix.EAGAIN
		}
		if err != nil && t.Pending()&set == 0 {
			return 0, unix.EINTR
		}
	}
}

func sysPause(t *kernel.Task, a shim.Args) (uint64, error) {
	for {
		if err := t.Block(nil, time.Time{}); err != nil {
			return 0, kernel.ERESTARTNOHAND
		}
	}
}
