// Package kernel is elfloader's small core: the Kernel (root state), processes
// (thread groups), tasks (app threads, one locked OS thread each), the address
// space bookkeeping (VMAs, brk, mmap placement), exit, crash reports and the
// copy-in/copy-out helpers through which every handler reaches app memory.
//
// It owns the per-process descriptor table (FDTable: reference counted,
// FD_CLOEXEC per descriptor, Fork and Share for the process calls) and the
// one open-file-description abstraction (File): vfs files (VFSFile) and
// host-backed objects (HostFile: pipes, sockets, eventfd, timerfd, signalfd,
// epoll, the console) alike, with readiness either from a host descriptor
// (Pollable) or from an in-memory wait queue (Waitable). For host
// descriptor pass-through (passthrough.go) it keeps the tables a platform
// reads without locks: one word per registered HostFile, one index per
// descriptor of each FDTable.
//
// Processes follow Linux's job control (jobctl.go: stop signals stop
// every thread, SIGCONT resumes, wait and SIGCHLD report both, orphaned
// process groups), the console's rules for background groups
// (terminal.go: SIGTTIN, SIGTTOU), and PID-namespace rules with the
// first process as init (init.go: orphans are reparented to it or to a
// child subreaper; its exit kills the rest).
//
// It depends on abi, arch, plat, vfs and the pure elfloader package.
// System-call handlers live elsewhere (posix/*) and reach the kernel through Task;
// the kernel reaches them through the Dispatcher interface the shim implements.
//
// exec maps what the pure loader's elfloader.Plan says: the kernel reserves
// each binary's extent PROT_NONE (the platform picks a PIE's or ld.so's
// address, which gives the bias; an ET_EXEC goes at its link address or is
// refused below vm.mmap_min_addr), builds the Plan from those biases, maps
// Plan.Mappings segment by segment (written, then protected) and starts the
// break at Plan.Brk. App memory is read and written through the Task's copy
// helpers and CopyInStruct/CopyOutStruct with x/sys/unix or abi/linux
// types; ABI numbers come from those two packages only.
//
// # Platforms with and without direct access
//
// Every process has an MM over a plat.AddressSpace. On the in-process
// platform app memory is elfloader's own: AddressSpace.Direct lends it, and
// AppBytes, AppBytesPrefix and the futex words are the app's memory itself.
// On the isolated platform app memory lives in the process's stub, so:
//
//   - AppBytes and AppBytesPrefix lend a copy (bounce.go): the app's bytes
//     are copied in; for a buffer the handler may write, the task loop
//     writes back, right after Dispatch and before signals, the smallest
//     range covering every byte the handler changed. Handlers keep their
//     one call; a transfer Linux may end short copies at most 16 MiB.
//   - futex words are read with a copy and changed with the platform's
//     atomic compare-and-swap (plat.AtomicMemory: the stub runs lock
//     cmpxchg); the wait queues are keyed by address space and address,
//     or, for a shared futex in a MAP_SHARED mapping, by the object mapped
//     and the offset in it (mm_shared.go), so processes meet there.
//   - a context is a thread of one address space (plat.BoundContext): a
//     vfork child's thread runs in its parent's stub until it execs; after
//     execve the task moves to a context in the new address space. An MM
//     counts the processes using it and the last one releases it (the stub
//     is killed) at exit or exec.
//   - the platform's own region (plat.ReservedRanges: the stub) is never
//     chosen for a mapping; MAP_FIXED over it is ENOMEM, and
//     MAP_FIXED_NOREPLACE EEXIST.
//   - the stub has no madvise: MADV_DONTNEED replaces private anonymous
//     memory with fresh zero pages (MM.discard); no vDSO is offered.
package kernel
