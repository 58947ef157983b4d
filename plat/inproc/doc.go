// Package inproc is the default platform ("unikernel mode"): application code
// runs in elfloader's own address space, on the OS thread of the task that
// owns it. Every syscall instruction of the app traps through Syscall User
// Dispatch into a small signal handler that saves the app's registers, FS base
// and extended state and returns to Go; Switch re-enters the app.
//
// It owns the C and assembly trampolines (sighandler.c, switch_amd64.S), the
// SIGSYS/SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP handlers that pass on whatever is
// not the app's, and the "kick" signal that interrupts a running app thread.
// Memory is the host process's own: the kernel maps app memory with mmap.
//
// Rewritten syscall sites enter through ep_fast_entry instead of the trap
// (rewrite*.go); calls on host descriptors the kernel registered for
// pass-through (plat.PassThroughContext) are served there, or in the SIGSYS
// handler for sites that stay traps, by pass.c without returning to Go.
package inproc
