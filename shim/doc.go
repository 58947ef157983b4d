// Package shim is the system-call table: handler libraries register each
// syscall with its handler, support level and a note, right next to the
// code; Dispatch serves a trapped call by number. Unregistered syscalls answer
// ENOSYS and are reported once per name. Tracing (strace format) and coverage
// counters hook in here, so every call is seen whichever path it took.
//
// It depends on kernel (the Task a handler serves) and abi; handler
// libraries depend on it, never the other way round.
package shim
