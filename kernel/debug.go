package kernel

import (
	"sort"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/plat"
)

// Debugger is an attached debugger (the gdb stub): the task loop tells it
// about the moments a debugger needs and lets it hold app threads stopped
// in the kernel. Every method is called on the task's own goroutine (its
// locked OS thread), so a debugger may read and change the task's
// registers and extended state from inside them.
type Debugger interface {
	// TaskStart is called before the task first runs app code.
	TaskStart(t *Task)
	// Checkpoint is called before each return to app code; it blocks for
	// as long as the debugger holds the task stopped.
	Checkpoint(t *Task)
	// Fault is called when app code raised a synchronous fault (including
	// SIGTRAP from int3 or the trap flag). It returns false when the
	// kernel should turn the fault into its signal as usual, true when the
	// debugger consumed it.
	Fault(t *Task, f plat.Fault) bool
	// TaskExit is called when the task stopped running app code for good.
	TaskExit(t *Task)
}

// RequestDebugStop asks the task to come back to the kernel and stop at
// its next Checkpoint: app code is interrupted and a blocking syscall
// returns to be restarted transparently afterwards.
func (t *Task) RequestDebugStop() {
	t.debugStop.Store(true)
	t.notify()
}

// ClearDebugStop withdraws RequestDebugStop.
func (t *Task) ClearDebugStop() { t.debugStop.Store(false) }

// DebugStopRequested reports whether RequestDebugStop is in effect.
func (t *Task) DebugStopRequested() bool { return t.debugStop.Load() }

// ExtendedState returns the thread's FPU/vector state in the standard
// XSAVE format; call it on the task's goroutine while it is stopped.
func (t *Task) ExtendedState() []byte { return t.ctx.ExtendedStateStd() }

// SetExtendedState loads a standard-format XSAVE image (the header and
// the enabled components valid) as the thread's extended state.
func (t *Task) SetExtendedState(img []byte) { t.ctx.SetExtendedStateStd(img) }

// Tasks returns the process's live threads.
func (p *Process) Tasks() []*Task {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := make([]*Task, 0, len(p.tasks))
	for _, t := range p.tasks {
		ts = append(ts, t)
	}
	return ts
}

// WaitStatus is the status wait4 reports for the ended process: the
// signal number that killed it, or the exit code shifted left by 8.
func (p *Process) WaitStatus() int { return p.waitStatus() }

// Kill ends the process as killed by SIGKILL (the debugger's kill).
func (p *Process) Kill() { p.SendSignal(NewSigInfo(SIGKILL, linux.SI_KERNEL)) }

// PokeText writes src into app memory at addr for a debugger: like
// ptrace's POKETEXT it may write to readable private mappings the app
// cannot write (code, for breakpoints) by lifting the protection of the
// pages involved for the moment of the copy. Shared mappings the app
// cannot write and host memory shown to the app (the vDSO) are refused
// with EFAULT.
func (m *MM) PokeText(addr uint64, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	end := addr + uint64(len(src))
	if end < addr {
		return unix.EFAULT
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.covered(addr, end, unix.PROT_READ) {
		return unix.EFAULT
	}
	for pos := addr; pos < end; {
		v, ok := m.findLocked(pos)
		if !ok || v.Host || (v.Shared && v.Prot&unix.PROT_WRITE == 0) {
			return unix.EFAULT
		}
		chunkEnd := min(end, v.End)
		if err := m.pokeChunk(v, pos, src[pos-addr:chunkEnd-addr]); err != nil {
			return err
		}
		pos = chunkEnd
	}
	return nil
}

// pokeChunk writes b at pos, inside the single mapping v.
func (m *MM) pokeChunk(v VMA, pos uint64, b []byte) error {
	if v.Prot&unix.PROT_WRITE != 0 {
		return m.as.CopyOut(pos, b)
	}
	start, stop := pageDown(pos), pageUp(pos+uint64(len(b)))
	if err := m.as.Protect(start, stop-start, v.Prot|unix.PROT_WRITE); err != nil {
		return err
	}
	err := m.as.CopyOut(pos, b)
	if perr := m.as.Protect(start, stop-start, v.Prot); err == nil {
		err = perr
	}
	return err
}

// findLocked returns the VMA containing addr; the caller holds m.mu.
func (m *MM) findLocked(addr uint64) (VMA, bool) {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > addr })
	if i < len(m.vmas) && m.vmas[i].Start <= addr {
		return m.vmas[i], true
	}
	return VMA{}, false
}
