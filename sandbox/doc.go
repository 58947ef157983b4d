// Package sandbox holds what the host kernel enforces on elfloader itself,
// so that promises elfloader makes about the host stay kept even when app
// code reaches the host kernel directly (on the in-process platform app
// code can clear the Syscall User Dispatch selector).
//
// Landlock: every OS thread that runs app code restricts itself, before it
// runs any, with a ruleset under which nothing on the host is writable but
// the :rw volumes and the terminal devices. Reading stays allowed (the
// host's root is the app's read-only lower layer). Landlock domains are
// per thread; app code only ever runs on the threads that restricted
// themselves, and their children (stubs, forked processes) inherit it.
//
// Seccomp: a filter on the whole of elfloader (every thread, TSYNC, and
// every process it starts) lets through only the host system calls
// elfloader needs (hostcalls.go says who needs each). Anything else is
// refused: EPERM from elfloader's own code, SECCOMP_RET_TRAP from any
// other code, which the stubs' filters answer the same way and which the
// in-process platform turns into EPERM, or a deadly SIGSYS for the
// dangerous calls, for app code that escaped Syscall User Dispatch.
// docs/host-boundary.md tells the whole story.
//
// It imports only golang.org/x/sys/unix.
package sandbox
