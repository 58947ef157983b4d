package inproc

/*
#cgo CFLAGS: -O2 -fno-stack-protector -fno-omit-frame-pointer
#include "ctx.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/plat/isolated"
	"github.com/elfloader/elfloader/sandbox"
)

// KickSignal is the host real-time signal reserved to interrupt app code.
// Go's runtime and glibc do not use it for themselves.
const KickSignal = unix.Signal(62)

const (
	atHWCAP2        = 26 // the fork plan hands it to the stub
	sigsetSyscall   = uint64(1) << (unix.SIGSYS - 1)
	sigsetFaults    = uint64(1)<<(unix.SIGSEGV-1) | uint64(1)<<(unix.SIGBUS-1) | uint64(1)<<(unix.SIGFPE-1) | uint64(1)<<(unix.SIGILL-1) | uint64(1)<<(unix.SIGTRAP-1)
	sigsetKick      = uint64(1) << (KickSignal - 1)
	sigsetAppOpen   = sigsetSyscall | sigsetFaults | sigsetKick
	appSignalMask   = ^sigsetAppOpen
	initialAppFlags = 0x202
)

// Platform is the in-process platform.
type Platform struct {
	fastCalls atomic.Uint64 // syscalls served through rewritten sites
	// passMu guards the pass-through counters: those of released
	// contexts, and the live contexts whose own counters (pass.c) count on.
	passMu    sync.Mutex
	passCalls uint64 // calls served by pass.c without the kernel
	passTraps uint64 // of those, trapped calls (not fast ones)
	passLive  map[*Context]struct{}
	// liveContexts counts the app threads running in this host process
	// (rewrite_window.go moves instructions only while there is one).
	liveContexts atomic.Int64
	xstate       *amd64.XState
	fpSize       int // bytes of a thread's compacted extended-state buffer
	xfeatures    plat.HostXFeatures

	stubRegion bool      // the isolated platform's stub region is reserved (fork)
	rewriter   *Rewriter // the site rewriter, whose sites a fork child restores
	fork       forker
	host       AddressSpace // the address space of every in-process app
}

var installOnce struct {
	sync.Once
	err        error
	stubRegion bool
}

// New checks that the host can run apps in process and installs the signal
// handlers (once per process).
func New() (*Platform, error) {
	if err := checkHost(); err != nil {
		return nil, err
	}
	installOnce.Do(func() {
		if C.ep_install(C.int(KickSignal)) != 0 {
			installOnce.err = errors.New("inproc: installing signal handlers failed")
		}
		installOnce.stubRegion = reserveStubRegion()
	})
	if installOnce.err != nil {
		return nil, installOnce.err
	}
	xs, err := amd64.ReadXState()
	if err != nil {
		return nil, fmt.Errorf("inproc: %w", err)
	}
	if !xs.Compacted {
		return nil, errors.New("inproc: the CPU has no XSAVEC (compacted extended state)")
	}
	p := &Platform{xstate: xs, fpSize: xs.MaxSize, xfeatures: plat.ReadHostXFeatures(xs), stubRegion: installOnce.stubRegion}
	p.host.p = p
	return p, nil
}

func checkHost() error {
	if _, err := os.Stat("/proc/self/auxv"); err != nil {
		return fmt.Errorf("inproc: reading auxv: %w", err)
	}
	// Without FSGSBASE in user space (an older CPU or kernel, some
	// hypervisors: seen on an AMD EPYC guest), the FS base moves with
	// arch_prctl at each crossing. ELFLOADER_INPROC_FSGSBASE=0 takes that
	// path on any host (the tests run it everywhere).
	if plat.HostFSGSBase() && os.Getenv("ELFLOADER_INPROC_FSGSBASE") != "0" {
		C.ep_have_fsgsbase = 1
	}
	return nil
}

// Name implements plat.Platform.
func (*Platform) Name() string { return "inproc" }

// Context is an app thread's state on this platform.
type Context struct {
	c    *C.struct_ep_ctx
	tid  int
	p    *Platform
	fast bool
}

// NewContext implements plat.Platform. The caller must have locked its OS
// thread. A thread of a fork child runs in the child's stub process.
func (p *Platform) NewContext(as plat.AddressSpace) (plat.Context, error) {
	if ias, ok := as.(*isolated.AddressSpace); ok {
		return ias.NewContext()
	}
	c := C.ep_ctx_new(C.uint32_t(p.fpSize))
	if c == nil {
		return nil, errors.New("inproc: out of memory for a thread context")
	}
	// Asynchronous signals stay blocked on an app thread for its whole life,
	// in Go code as in app code: process-directed signals go to other
	// threads, and Go's preemption signal merely stays pending. This saves
	// a sigprocmask per trap. The synchronous signals and the kick stay open.
	set := appSignalMask
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0); e != 0 {
		C.ep_ctx_free(c)
		return nil, fmt.Errorf("inproc: blocking signals: %w", e)
	}
	if r, err := C.ep_sud_on(c); r != 0 {
		C.ep_ctx_free(c)
		return nil, fmt.Errorf("inproc: enabling Syscall User Dispatch (Linux 5.11 or later): %w", err)
	}
	p.liveContexts.Add(1)
	ctx := &Context{c: c, tid: unix.Gettid(), p: p}
	p.passMu.Lock()
	if p.passLive == nil {
		p.passLive = map[*Context]struct{}{}
	}
	p.passLive[ctx] = struct{}{}
	p.passMu.Unlock()
	return ctx, nil
}

// Kick implements plat.Platform.
func (p *Platform) Kick(ctx plat.Context) error {
	if ic, ok := ctx.(*isolated.Context); ok {
		iso, err := p.Isolated()
		if err != nil {
			return err
		}
		return iso.Kick(ic)
	}
	cc, ok := ctx.(*Context)
	if !ok {
		return errors.New("inproc: foreign context")
	}
	return unix.Tgkill(unix.Getpid(), cc.tid, KickSignal)
}

// Switch implements plat.Context.
func (ctx *Context) Switch() plat.Event {
	c := uintptr(unsafe.Pointer(ctx.c))
	ev := enterApp(c)
	for ev == C.EP_EVENT_FAULT && ctx.refuseEscapedCall() {
		ev = enterApp(c)
	}
	if ev == C.EP_EVENT_FAST {
		ctx.p.fastCalls.Add(1)
		ctx.fast = true
		return plat.EventSyscall
	}
	ctx.fast = false
	if ev == C.EP_EVENT_SYSCALL32 {
		return plat.EventSyscall32
	}
	if ev == C.EP_EVENT_FAULT && plat.Int80Refused(ctx.Fault(), ctx.Regs(), hostCopyIn) {
		return plat.EventSyscall32
	}
	return plat.Event(ev)
}

// hostCopyIn reads app memory, which is elfloader's own in-process.
func hostCopyIn(addr uint64, dst []byte) error { return (*AddressSpace)(nil).CopyIn(addr, dst) }

// refuseEscapedCall answers a host system call that app code made past
// Syscall User Dispatch (it cleared the selector) and elfloader's host
// filter trapped (sandbox.HostFilter): EPERM, and the app goes on. It
// returns false for any other fault, and for the dangerous calls, which
// the kernel turns into a deadly SIGSYS.
func (ctx *Context) refuseEscapedCall() bool {
	if ctx.c.signo != C.int32_t(unix.SIGSYS) || ctx.c.code != linux.SYS_SECCOMP {
		return false
	}
	r := ctx.Regs()
	// The trap left the call's number in rax and rip after the syscall;
	// the handler put the call's audit arch in err (int $0x80 is i386).
	if uint32(ctx.c.err) == unix.AUDIT_ARCH_X86_64 && sandbox.KillsEscapedCall(r.Rax) {
		return false
	}
	eperm := uint64(unix.EPERM)
	r.Rax = -eperm
	return true
}

// Fast reports whether the last syscall came through a rewritten site.
func (ctx *Context) Fast() bool { return ctx.fast }

// Regs implements plat.Context.
func (ctx *Context) Regs() *amd64.Regs {
	return (*amd64.Regs)(unsafe.Pointer(&ctx.c.regs))
}

// Fault implements plat.Context.
func (ctx *Context) Fault() plat.Fault {
	return plat.Fault{
		Signo:  int(ctx.c.signo),
		Code:   int(ctx.c.code),
		Addr:   uint64(ctx.c.addr),
		Trapno: uint64(ctx.c.trapno),
		Err:    uint64(ctx.c.err),
	}
}

// ResetKick clears the thread's kick latch (EP_PASS_KICKED in ctx.h); the
// kernel calls it before it looks for work for the task, so that a kick
// sent after that, which the thread takes while still in Go, makes the
// next Switch return at once with EventKick instead of being lost.
func (ctx *Context) ResetKick() { ctx.c.pass_kicked = 0 }

// passCounts sums the pass-through counters of every context, live ones
// included (their threads may still be counting: the figures are a
// snapshot).
func (p *Platform) passCounts() (calls, traps uint64) {
	p.passMu.Lock()
	defer p.passMu.Unlock()
	calls, traps = p.passCalls, p.passTraps
	for ctx := range p.passLive {
		calls += uint64(ctx.c.pass_calls)
		traps += uint64(ctx.c.pass_trapped)
	}
	return calls, traps
}

// SetPassThrough implements plat.PassThroughContext: the tables the fast
// entry serves host descriptor calls from (pass.c), or nils.
func (ctx *Context) SetPassThrough(fds, ofds unsafe.Pointer) {
	ctx.c.pass_fds = (*C.uint32_t)(fds)
	ctx.c.pass_ofds = (*C.uint64_t)(ofds)
}

// SetPassIdentity implements plat.PassThroughContext: the identity the
// fast entry answers getpid, gettid and getppid from (pass.c), or zeros.
func (ctx *Context) SetPassIdentity(pid, tid uint32, ppid *atomic.Uint32) {
	ctx.c.pass_pid = C.uint32_t(pid)
	ctx.c.pass_tid = C.uint32_t(tid)
	ctx.c.pass_ppid = (*C.uint32_t)(unsafe.Pointer(ppid))
}

// Release implements plat.Context.
func (ctx *Context) Release() {
	if ctx.c == nil {
		return
	}
	C.ep_sud_off()
	p := ctx.p
	p.passMu.Lock()
	p.passCalls += uint64(ctx.c.pass_calls)
	p.passTraps += uint64(ctx.c.pass_trapped)
	delete(p.passLive, ctx)
	p.passMu.Unlock()
	C.ep_ctx_free(ctx.c)
	ctx.c = nil
	ctx.p.liveContexts.Add(-1)
}

// TextRange is the address range of the platform's trampolines (for reports).
func TextRange() (start, end uint64) {
	return uint64(C.ep_text_start()), uint64(C.ep_text_end())
}

// XState implements plat.Platform.
func (p *Platform) XState() *amd64.XState { return p.xstate }

// ExtendedStateStd returns the app thread's extended state in the standard
// XSAVE format (as a signal frame holds it).
func (ctx *Context) ExtendedStateStd() []byte {
	buf := alignedBuffer(ctx.p.xstate.StdSize)
	C.ep_fp_to_std(ctx.c, unsafe.Pointer(&buf[0]))
	return append([]byte(nil), buf...)
}

// SetExtendedStateStd loads a standard-format XSAVE image, which the caller
// has validated, as the app thread's extended state.
func (ctx *Context) SetExtendedStateStd(img []byte) {
	buf := alignedBuffer(ctx.p.xstate.StdSize)
	copy(buf, img)
	C.ep_fp_from_std(ctx.c, unsafe.Pointer(&buf[0]))
}

// alignedBuffer returns a zeroed, 64-byte-aligned buffer of size bytes for
// XSAVE images. (Go heap objects do not move; the buffer is only used
// during the call.)
func alignedBuffer(size int) []byte {
	raw := make([]byte, size+64)
	off := int((64 - uintptr(unsafe.Pointer(&raw[0]))%64) % 64)
	return raw[off : off+size]
}
