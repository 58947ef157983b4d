package plat

import "github.com/elfloader/elfloader/arch/amd64"

// Event says why application code stopped running.
type Event int

const (
	// EventSyscall: the app executed a system call; Regs().OrigRax is its
	// number and Rip points after the instruction.
	EventSyscall Event = iota + 1
	// EventFault: the app raised a synchronous fault; see Fault().
	EventFault
	// EventKick: the kernel interrupted the app (Kick) to deliver something.
	EventKick
	// EventSyscall32: the app made an i386 system call with int $0x80;
	// Regs().OrigRax is its i386 number, the arguments are in ebx, ecx,
	// edx, esi, edi, ebp.
	EventSyscall32
)

func (e Event) String() string {
	switch e {
	case EventSyscall:
		return "syscall"
	case EventFault:
		return "fault"
	case EventKick:
		return "kick"
	case EventSyscall32:
		return "int80"
	}
	return "unknown"
}

// Fault describes a synchronous fault in application code.
type Fault struct {
	Signo  int    // SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP
	Code   int    // si_code
	Addr   uint64 // si_addr
	Trapno uint64 // CPU trap number
	Err    uint64 // CPU error code (page-fault bits)
}

// Context is one application thread's execution state on a platform. It is
// bound to the OS thread that created it.
type Context interface {
	// Switch runs application code from Regs() until the next event.
	Switch() Event
	// Regs is the thread's register set; the kernel edits it between Switch calls.
	Regs() *amd64.Regs
	// Fault is valid after Switch returned EventFault.
	Fault() Fault
	// ExtendedStateStd returns the thread's FPU/vector state in the
	// standard XSAVE format (what a signal frame holds), XState().StdSize
	// bytes long.
	ExtendedStateStd() []byte
	// SetExtendedStateStd loads a validated standard-format XSAVE image.
	SetExtendedStateStd(img []byte)
	// Release frees the context; the OS thread must not run app code again.
	Release()
}

// AddressSpace is where one app process's memory lives on a platform. The
// kernel's memory manager keeps the bookkeeping (which ranges are the app's,
// with what protection, Linux's rules for mmap, brk and the stack) and
// makes every change to app memory, and every access to it, through its
// process's AddressSpace: handlers never touch app memory otherwise.
//
// Ranges are page-aligned and have been checked by the kernel: Map with
// MAP_FIXED only ever replaces the app's own memory or a range the kernel
// reserved; CopyIn and CopyOut only touch app memory with the access they
// need.
type AddressSpace interface {
	// Map maps length bytes (host mmap semantics: flags are MAP_*, fd a
	// host descriptor or -1) and returns the address.
	Map(addr, length uint64, prot, flags, fd int, off uint64) (uint64, error)
	Unmap(addr, length uint64) error
	Protect(addr, length uint64, prot int) error
	Advise(addr, length uint64, advice int) error
	// CopyIn and CopyOut copy between app memory and Go memory.
	CopyIn(addr uint64, dst []byte) error
	CopyOut(addr uint64, src []byte) error
	// Direct returns app memory as host memory that the kernel may read,
	// write and use for atomic operations for the duration of a syscall,
	// when the platform can give it (in-process: the app's memory is
	// elfloader's own); ok is false otherwise.
	Direct(addr uint64, n int) (b []byte, ok bool)
	// Fork returns a copy-on-write copy of the address space for a new
	// process (fork). app lists the app's memory, sorted (the kernel's
	// bookkeeping): a platform whose address space holds more than app
	// memory (in-process) copies only that; one that holds nothing else
	// may ignore it.
	Fork(app []Range) (AddressSpace, error)
	// Release frees what the address space holds on the host.
	Release()
}

// BoundContext is implemented by contexts that run in one address space
// only (the isolated platform: a thread of the stub process).
type BoundContext interface {
	AddressSpace() AddressSpace
}

// AtomicMemory is implemented by address spaces without direct access
// (AddressSpace.Direct fails) that can still do atomic operations on app
// memory, as the futex operations need: the operation runs where the memory
// lives, atomically with respect to the app's own atomic instructions.
type AtomicMemory interface {
	// CompareAndSwapUint32 replaces the 4-byte aligned word at addr with
	// new when it holds old, and returns the value it found (the swap
	// happened when that equals old). The kernel has checked that the word
	// is app memory mapped readable and writable; it fails with
	// unix.EFAULT when the host finds otherwise.
	CompareAndSwapUint32(addr uint64, old, new uint32) (uint32, error)
}

// ReservedRanges is implemented by address spaces that hold memory of
// their own that the app must never map over (the isolated platform's
// stub region): placement without a hint never picks it and MAP_FIXED over
// it fails.
type ReservedRanges interface {
	Reserved() [][2]uint64
}

// SeparateAddressSpaces is implemented by platforms whose processes
// normally share one host address space (in-process) but can also give a
// process one of its own (a stub process): the kernel uses it for a program
// that cannot be placed in the shared one (a non-PIE child of a non-PIE
// parent). Contexts of such an address space come from NewContext too.
type SeparateAddressSpaces interface {
	NewSeparateAddressSpace() (AddressSpace, error)
}

// Spares is implemented by platforms that start processes ahead of need
// (a stub for the next exec): DropSpares ends them once the run is over,
// and no more are started.
type Spares interface {
	DropSpares()
}

// Range is one mapping of app memory: [Start, End), page-aligned, with its
// protection (PROT_*).
type Range struct {
	Start, End uint64
	Prot       int
}

// Platform creates address spaces and contexts.
type Platform interface {
	Name() string
	// NewAddressSpace returns an empty address space for a new app process.
	NewAddressSpace() (AddressSpace, error)
	// NewContext returns a new thread of the address space as (one that
	// NewAddressSpace of this platform returned). It must be called on the
	// locked OS thread that will run the app thread. A platform whose
	// contexts are not tied to an address space (in-process: every app
	// process shares elfloader's) may ignore as; the others implement
	// BoundContext, and the kernel gives a thread a new context when its
	// process moves to another address space (execve).
	NewContext(as AddressSpace) (Context, error)
	// Kick interrupts the thread running ctx so that Switch returns EventKick soon.
	Kick(ctx Context) error
	// XState is the CPU's XSAVE layout (from CPUID): the size of a
	// standard-format image and where each component lives in it.
	XState() *amd64.XState
	// XFeatures reports the extended-state features user space may use
	// (ARCH_GET_XCOMP_SUPP) and those a process may use without asking;
	// the others (AMX tile data) need PermitXFeature first.
	XFeatures() (supported, permitted uint64)
	// PermitXFeature lets app code use the dynamic feature idx
	// (ARCH_REQ_XCOMP_PERM); it fails with the host's errno.
	PermitXFeature(idx int) error
}

// CodeMemory is the app's address space as a rewriting platform needs it.
type CodeMemory interface {
	// Prot returns the app's protection of the page holding addr, and
	// false when addr is not app memory.
	Prot(addr uint64) (int, bool)
	// FuncStart returns the start of the function (from the mapped
	// object's symbol table) that contains addr, when known. A linear
	// decode from there proves instruction boundaries.
	FuncStart(addr uint64) (uint64, bool)
	// FuncExtent is FuncStart with the function's size from its symbol:
	// the bytes from start+size to the next function are no function's
	// (alignment padding, when a decode shows only filler there).
	FuncExtent(addr uint64) (start, size uint64, ok bool)
}

// RewriteStats counts the fast syscall path's work.
type RewriteStats struct {
	Sites        uint64 // sites rewritten
	Stones       uint64 // of which a syscall jumps to dead padding
	Windows      uint64 // of which instructions around the syscall moved
	Refused      uint64 // sites left on the trap path (not provably safe)
	TrappedCalls uint64 // syscalls that arrived through the trap
	FastCalls    uint64 // syscalls that arrived through rewritten sites
	PassCalls    uint64 // of the fast and trapped calls, those the platform served without the kernel (PassThroughContext)
}

// Rewriter is implemented by platforms that rewrite syscall sites into a
// direct entry (the fast path).
type Rewriter interface {
	// AfterTrap sees a syscall that came through the trap path, with the
	// registers as the app left them (Rip after the syscall instruction);
	// it may rewrite the site so that later calls take the fast path.
	AfterTrap(ctx Context, mem CodeMemory)
	// Scan rewrites every provably safe site in [start, end) (eager mode).
	Scan(start, end uint64, mem CodeMemory)
	// Invalidate forgets rewritten sites in [start, end); when the code is
	// still mapped (made writable again), the original bytes come back.
	Invalidate(start, end uint64, stillMapped bool)
	// Evict frees any memory of the rewriter in [start, end), which an
	// app mapping is about to need.
	Evict(start, end uint64, mem CodeMemory)
	// Stats reports the counters.
	Stats() RewriteStats
	// Breakpoint reports whether an int3 at addr is the rewriter's own (a
	// site being patched with the breakpoint protocol): the thread that
	// trapped on it retries the instruction at addr.
	Breakpoint(addr uint64) bool
	// Resume maps an address a thread stopped at (saved in a signal
	// frame) to where it goes on: inside a rewritten window of
	// instructions, the same point of the window's trampoline.
	Resume(rip uint64) uint64
	// Original maps an address inside a trampoline back to the app's code
	// (a fork child has the original code and no trampolines).
	Original(rip uint64) uint64
	// Generation changes whenever trampolines that threads may return
	// into are taken away (Evict); a thread that sees a new generation
	// before it resumes the app passes its rip through Forward.
	Generation() uint64
	// Forward maps an address in a trampoline that was taken away to the
	// app's code it stood for.
	Forward(rip uint64) uint64
}
