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
// (Pollable) or from an in-memory wait queue (Waitable).
//
// It depends on abi, arch, plat, vfs and the pure elfloader package.
// System-call handlers live elsewhere (posix/*) and reach the kernel through Task;
// the kernel reaches them through the Dispatcher interface the shim implements.
package kernel
