// Package kernel is elfloader's small core: the Kernel (root state), processes
// (thread groups), tasks (app threads, one locked OS thread each), the address
// space bookkeeping (VMAs, brk, mmap placement), exit, crash reports and the
// copy-in/copy-out helpers through which every handler reaches app memory.
//
// It depends on abi, arch, plat and the pure elfloader package. System-call
// handlers live elsewhere (posix/*, vfs) and reach the kernel through Task;
// the kernel reaches them through the Dispatcher interface the shim implements.
package kernel
