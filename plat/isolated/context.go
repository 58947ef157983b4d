package isolated

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/plat"
)

const (
	// Switch polls for the stub's answer before it sleeps in FUTEX_WAIT.
	// The budget adapts: it grows while answers come soon after a sleep
	// began (polling longer would have caught them) and shrinks while they
	// come late (the app computes, or shares the CPU with this thread).
	minSpin     = 64
	maxSpin     = 1 << 17
	initialSpin = 1 << 14
	quickAnswer = 50 * time.Microsecond
	// livenessPeriod is how often a sleeping Switch checks the stub is alive.
	livenessPeriod = 100 * time.Millisecond
	// startTimeout bounds the wait for a new thread to report.
	startTimeout = 10 * time.Second
	// exitTimeout bounds the wait for a released thread to exit.
	exitTimeout = 2 * time.Second

	fpSwBytesOffset = 464 // software bytes of a signal frame's FXSAVE area
	fpSwBytesEnd    = 512
	initialFlags    = 0x202
	userCS          = 0x33
	userSS          = 0x2b
	numRegs         = int(unsafe.Sizeof(amd64.Regs{}) / 8)
	futexOpWait     = 0 // FUTEX_WAIT (shared, not FUTEX_PRIVATE_FLAG)
	futexOpWake     = 1 // FUTEX_WAKE
)

// Context is one app thread: a thread of the stub process, parked in the
// stub's trap handler whenever elfloader holds it.
type Context struct {
	as     *AddressSpace
	slot   int
	mem    []byte // the thread's shared slot
	tid    int
	regs   amd64.Regs
	fault  plat.Fault
	err    error
	spin   int // current polling budget (see minSpin)
	ownsAS bool
	// done is set by Release; Kick reads it from other goroutines.
	done atomic.Bool
}

// NewContext starts a new app thread in the address space. Any goroutine
// may drive the context; it needs no locked OS thread.
func (as *AddressSpace) NewContext() (plat.Context, error) {
	return as.newContext()
}

func (as *AddressSpace) newContext() (*Context, error) {
	if !as.ref() {
		return nil, errors.New("isolated: address space released")
	}
	slot, ok := as.takeSlot()
	if !ok {
		as.unref()
		return nil, fmt.Errorf("isolated: all %d thread slots are in use: %w", as.nslots, unix.EAGAIN)
	}
	ctx := &Context{as: as, slot: slot, mem: as.slot(slot), spin: initialSpin}
	clear(ctx.mem[:slotXsave])
	r, err := as.command(cmdThread, [6]uint64{uint64(slot)}, nil)
	tid, err := result("clone", r, err)
	if err == nil && (tid == 0 || tid > 1<<22) {
		err = fmt.Errorf("isolated: the stub reported an impossible thread id %d", tid)
	}
	if err == nil {
		ctx.tid = int(tid)
		if ev, werr := ctx.waitEvent(startTimeout); werr != nil {
			err = werr
		} else if ev != evBorn {
			err = fmt.Errorf("isolated: new thread reported event %d", ev)
		}
	}
	if err != nil {
		// The slot may still hold a thread: leave it marked used.
		as.unref()
		return nil, err
	}
	ctx.regs.Eflags, ctx.regs.Cs, ctx.regs.Ss = initialFlags, userCS, userSS
	return ctx, nil
}

// AddressSpace implements plat.BoundContext: the stub process the thread
// runs in.
func (ctx *Context) AddressSpace() plat.AddressSpace { return ctx.as }

// Err reports why the last Switch ended with a SIGKILL fault: the stub
// process died or broke its side of the protocol.
func (ctx *Context) Err() error { return ctx.err }

// Switch implements plat.Context. When the stub process is gone (killed, or
// broken by its app) it returns EventFault with SIGKILL, and Err says why.
func (ctx *Context) Switch() plat.Event {
	if ctx.done.Load() {
		return ctx.lost(errors.New("isolated: context released"))
	}
	ctx.storeRegs()
	state := word(ctx.mem, slotState)
	atomic.StoreUint32(state, stRun)
	if atomic.LoadUint32(word(ctx.mem, slotStubWaiting)) != 0 {
		futexWake(state)
	}
	ev, err := ctx.waitEvent(0)
	if err != nil {
		return ctx.lost(err)
	}
	ctx.loadRegs()
	switch ev {
	case evSyscall:
		return plat.EventSyscall
	case evSyscall32:
		return plat.EventSyscall32
	case evKick:
		return plat.EventKick
	case evFault:
		ctx.loadFault()
		if plat.Int80Refused(ctx.fault, &ctx.regs, ctx.as.CopyIn) {
			return plat.EventSyscall32
		}
		return plat.EventFault
	}
	ctx.as.kill()
	return ctx.lost(fmt.Errorf("isolated: stub thread %d reported unknown event %d", ctx.tid, ev))
}

// lost reports the end of the process as a SIGKILL.
func (ctx *Context) lost(err error) plat.Event {
	ctx.err = err
	ctx.fault = plat.Fault{Signo: int(unix.SIGKILL)}
	return plat.EventFault
}

// waitEvent waits until the stub posts an event (timeout 0: as long as the
// stub lives) and returns it.
func (ctx *Context) waitEvent(timeout time.Duration) (uint32, error) {
	state := word(ctx.mem, slotState)
	for i := 0; i < ctx.spin; i++ {
		if atomic.LoadUint32(state) == stEvent {
			return atomic.LoadUint32(word(ctx.mem, slotEvent)), nil
		}
	}
	start := time.Now()
	defer ctx.adaptSpin(start)
	var deadline time.Time
	if timeout > 0 {
		deadline = start.Add(timeout)
	}
	goWaiting := word(ctx.mem, slotGoWaiting)
	for {
		atomic.StoreUint32(goWaiting, 1)
		st := atomic.LoadUint32(state)
		if st == stEvent {
			atomic.StoreUint32(goWaiting, 0)
			return atomic.LoadUint32(word(ctx.mem, slotEvent)), nil
		}
		if st != stRun && st != stIdle {
			atomic.StoreUint32(goWaiting, 0)
			ctx.as.kill()
			return 0, fmt.Errorf("isolated: stub thread %d left its slot in state %d", ctx.tid, st)
		}
		futexWait(state, st, livenessPeriod)
		atomic.StoreUint32(goWaiting, 0)
		if atomic.LoadUint32(state) == stEvent {
			continue
		}
		if !ctx.as.alive() {
			return 0, fmt.Errorf("isolated: stub process %d is gone", ctx.as.pid)
		}
		if !ctx.threadAlive() {
			// App code jumped to the stub's own exit site: the process
			// lives on without this thread, which will never post.
			ctx.as.kill()
			return 0, fmt.Errorf("isolated: stub thread %d of process %d is gone", ctx.tid, ctx.as.pid)
		}
		if timeout > 0 && time.Now().After(deadline) {
			return 0, fmt.Errorf("isolated: stub thread %d did not answer within %v", ctx.tid, timeout)
		}
	}
}

// threadAlive reports whether the stub's host thread still exists (the
// tid word in shared memory is the app's to change, so the host is asked).
func (ctx *Context) threadAlive() bool {
	return unix.Tgkill(ctx.as.pid, ctx.tid, 0) != unix.ESRCH
}

// adaptSpin tunes the polling budget after a wait that had to sleep.
func (ctx *Context) adaptSpin(sleepStart time.Time) {
	if time.Since(sleepStart) < quickAnswer {
		ctx.spin = min(ctx.spin*2, maxSpin)
	} else {
		ctx.spin = max(ctx.spin/2, minSpin)
	}
}

func (ctx *Context) storeRegs() {
	dst := (*[numRegs]uint64)(unsafe.Pointer(&ctx.mem[slotRegs]))
	*dst = *(*[numRegs]uint64)(unsafe.Pointer(&ctx.regs))
}

// loadRegs copies the registers out of shared memory: from here on the app
// cannot change what the kernel sees.
func (ctx *Context) loadRegs() {
	src := (*[numRegs]uint64)(unsafe.Pointer(&ctx.mem[slotRegs]))
	*(*[numRegs]uint64)(unsafe.Pointer(&ctx.regs)) = *src
}

func (ctx *Context) loadFault() {
	m := ctx.mem
	signo := int(int32(atomic.LoadUint32(word(m, slotSigno))))
	if signo < 1 || signo > 64 {
		signo = int(unix.SIGSEGV)
	}
	ctx.fault = plat.Fault{
		Signo:  signo,
		Code:   int(int32(atomic.LoadUint32(word(m, slotCode)))),
		Addr:   load64(m, slotAddr),
		Trapno: load64(m, slotTrapno),
		Err:    load64(m, slotErr),
	}
}

func load64(b []byte, off int) uint64 {
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&b[off])))
}

// Regs implements plat.Context.
func (ctx *Context) Regs() *amd64.Regs { return &ctx.regs }

// Fault implements plat.Context.
func (ctx *Context) Fault() plat.Fault { return ctx.fault }

// Tid is the host thread id of the app thread in the stub.
func (ctx *Context) Tid() int { return ctx.tid }

// xsaveArea is the slot's XSAVE image area.
func (ctx *Context) xsaveArea() []byte {
	return ctx.mem[slotXsave:]
}

// ExtendedStateStd implements plat.Context: the image the stub took from
// the signal frame, zero-padded to the standard size.
func (ctx *Context) ExtendedStateStd() []byte {
	out := make([]byte, ctx.as.p.xstate.StdSize)
	n := int(atomic.LoadUint32(word(ctx.mem, slotXsaveSize)))
	area := ctx.xsaveArea()
	n = min(n, len(area), len(out))
	copy(out, area[:n])
	if len(out) >= fpSwBytesEnd {
		clear(out[fpSwBytesOffset:fpSwBytesEnd])
	}
	return out
}

// SetExtendedStateStd implements plat.Context; the stub loads the image into
// the signal frame (the features the frame holds) when the thread resumes.
func (ctx *Context) SetExtendedStateStd(img []byte) {
	copy(ctx.xsaveArea(), img)
}

func (ctx *Context) kick() error {
	// kick runs on the goroutine of whoever sends a signal, while the
	// context's owner may release it: hold the shared memory so that the
	// last release cannot unmap it under the load below.
	if !ctx.as.hold() {
		return unix.ESRCH
	}
	defer ctx.as.unref()
	if ctx.done.Load() || !ctx.as.alive() {
		return unix.ESRCH
	}
	if atomic.LoadUint32(word(ctx.mem, slotState)) != stRun {
		return nil // parked: the kernel has the thread already
	}
	return unix.Tgkill(ctx.as.pid, ctx.tid, KickSignal)
}

// Release implements plat.Context: the stub thread exits (the slot is
// reused once the host reports it gone).
func (ctx *Context) Release() {
	if ctx.done.Swap(true) {
		return
	}
	as := ctx.as
	if as.alive() && ctx.stopThread() {
		as.freeSlot(ctx.slot)
	}
	as.unref()
	if ctx.ownsAS {
		as.Release()
	}
}

// stopThread asks the parked thread to exit and waits for the host to clear
// its tid word (CLONE_CHILD_CLEARTID).
func (ctx *Context) stopThread() bool {
	state := word(ctx.mem, slotState)
	if atomic.LoadUint32(state) != stEvent {
		return false // running app code: leave the slot to the process's end
	}
	atomic.StoreUint32(state, stExit)
	futexWake(state)
	tid := word(ctx.mem, slotTid)
	deadline := time.Now().Add(exitTimeout)
	for time.Now().Before(deadline) {
		v := atomic.LoadUint32(tid)
		if v == 0 {
			return true
		}
		futexWait(tid, v, 10*time.Millisecond)
	}
	return false
}

func futexWake(addr *uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexOpWake, 1, 0, 0, 0)
}

// futexWait sleeps while *addr == val, at most d. The word lies in memory
// shared with the stub, so the futex is not process-private.
func futexWait(addr *uint32, val uint32, d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexOpWait, uintptr(val),
		uintptr(unsafe.Pointer(&ts)), 0, 0)
}
