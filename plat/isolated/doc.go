// Package isolated is the platform for code the user does not trust: every
// app address space is a small stub host process that holds only app memory
// and a tiny trap handler, never elfloader's Go heap (gVisor's systrap model,
// without ptrace).
//
// # The stub
//
// stub/stub.c is a static program without libc, linked at StubStart. It is
// committed as stub_amd64.bin (go generate runs stub/build.sh; the test
// TestStubBlobUpToDate rebuilds it and compares), embedded with go:embed, put
// into a sealed memfd once per Platform and started with syscall.ForkExec of
// /proc/self/fd/N (the Go runtime's own vfork+exec: no fork of the Go
// process). Why a committed blob rather than code cut out of elfloader's cgo
// text: the stub needs a fixed layout (the seccomp filter names its
// instruction addresses, the handler finds its slot from the signal stack),
// its own entry point and no relocations; a separately linked program gives
// all that and keeps the stub independent of elfloader's compiler flags.
//
// At start the stub maps its control memory, closes every descriptor but the
// control socket, unmaps everything outside [StubStart, StubEnd) (the exec's
// stack) but the host's vDSO ([vvar], [vvar_vclock], [vdso]: elfloader puts
// their extent around AT_SYSINFO_EHDR, the same kernel's layout as its own,
// in the header; it reads where they are from /proc/PID/maps once the stub
// greets, and the app gets them as in-process: plat.VDSOAddressSpace),
// reserves the rest of that region PROT_NONE, installs its
// signal handlers (all other signals ignored: a terminal ^C does not kill it),
// sets RLIMIT_CORE 0 and NO_NEW_PRIVS, and installs a seccomp filter: any
// syscall traps (SECCOMP_RET_TRAP) unless it comes from one of the stub's own
// syscall instructions (seccomp_data.instruction_pointer) with the number that
// site needs, and for clone, seccomp, futex and arch_prctl only with the
// arguments it uses. int $0x80 (audit arch i386) and x32 numbers always trap.
// App threads add a second filter that leaves them only the trap handler's
// own calls (futex wait/wake, rt_sigreturn, arch_prctl FS/GS, exit).
//
// Layout of the stub region (layout.go, stub/layout.h). It sits at 16 TiB,
// far from where the host's top-down mmap places libraries and anonymous
// memory (randomised within the top terabytes of the address space) and from
// where PIE programs load: the in-process platform reserves it at start-up
// for fork children, which would fail if ASLR had put anything there.
//
//	StubStart               stub code and data, the control thread's stack
//	StubStart+1M            control memory (memfd shared with elfloader):
//	                        a header page, then one slot per app thread
//	                        (state word, event, fault info, registers,
//	                        XSAVE image sized from CPUID)
//	StubStart+32M           per thread: 64 KiB signal stack, start stack
//	StubEnd (StubStart+64M)
//
// # Threads and traps
//
// The stub's first thread is its control thread: it serves commands from
// elfloader on a SOCK_SEQPACKET socket (mmap with a file descriptor passed by
// SCM_RIGHTS and closed after the mmap, munmap, mprotect, new thread, fork,
// extended-feature permission), so the kernel can change the address space
// while app threads run. Each command waits at most commandTimeout; a stub
// that does not answer is killed.
//
// An app thread is a clone of the control thread (Context). It sets its
// signal stack, adds its filter and executes ud2; the handler, running on
// the signal stack for SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP and
// the kick signal, stores the ucontext registers, FS/GS base (rdfsbase, or
// arch_prctl without FSGSBASE) and the frame's XSAVE image in the thread's
// slot, sets the state word to "event", wakes elfloader if it sleeps, and
// polls, then sleeps with FUTEX_WAIT, until elfloader sets "run". It then
// loads the (possibly changed) registers and image into the frame, opens all
// signals in the saved mask and returns with rt_sigreturn into app code.
// Switch is the mirror image on elfloader's side, polling with an adaptive
// budget before it sleeps; it copies the registers out of shared memory
// before the kernel sees them. Any goroutine may drive a Context: no locked
// OS thread is needed.
//
// Kick sends KickSignal to the stub thread with tgkill; the handler reports
// EventKick. A kick that arrives while the thread is parked stays pending and
// gives one spurious EventKick after the next resume.
//
// Fork: the control thread forks with CLONE_PARENT (the child is elfloader's
// child, reaped by it); the child keeps only that thread, maps the new
// control memfd and uses the new socket that elfloader passed with the
// command, and greets elfloader there. Before trusting the pid the stub
// reported, elfloader checks that it is its own child running the stub
// program and not another address space.
//
// # Trust
//
// Nothing elfloader reads from the stub is trusted: the app can write the
// control memory, and it can subvert the control thread (it can write that
// thread's stack). The memfd is sealed against shrinking (no SIGBUS in Go);
// replies are read with a plain read (descriptors sent by the stub are
// dropped); unknown states and events kill the stub; every wait is bounded
// or watches the stub's pidfd and the thread (app code can jump to the
// stub's exit site: the thread is gone, the process lives on). A dead or
// broken stub makes Switch return EventFault with SIGKILL, and Context.Err
// says why (tests/c/escape_isolated.c, docs/host-boundary.md).
//
// What subverted stub code can still do on the host: the calls the filter
// allows, all confined to the stub's own process (its memory, its threads,
// its socket with elfloader), plus clone with exactly the thread flags or
// exactly CLONE_PARENT, so it can create stub processes; a pids cgroup or
// RLIMIT_NPROC on the stubs bounds that. No site opens files, sends signals
// or touches other processes.
//
// # App memory
//
// Map/Unmap/Protect are commands to the control thread; CopyIn/CopyOut use
// process_vm_readv/writev on the stub's pid and return unix.EFAULT for any
// range not entirely mapped (and for the stub region). process_vm_writev
// honours page protection, so a loader writes segments before protecting
// them. The other design, backing all app memory by memfds mapped in both
// processes, gives faster copies (plain memory access) but puts every app
// page into elfloader's address space and makes copy-on-write fork the
// kernel's job; process_vm keeps elfloader's address space free of app
// memory and lets the host do fork.
//
// Limits: defaultThreads app threads per address space; extended state
// images come from signal frames, which hold AMX tile data only after
// PermitXFeature (forwarded to every stub).
package isolated
