// Package seccomp is the app's own seccomp(2) filters, evaluated by
// elfloader rather than installed on the host: classic BPF programs
// validated as Linux's seccomp_check_filter and bpf_check_classic do
// (allowed opcodes only, forward jumps inside the program, loads only of
// aligned 32-bit words of struct seccomp_data, scratch memory written
// before it is read, at most 4096 instructions, a RET at the end), an
// interpreter over struct seccomp_data, and the stacked filters of a
// thread whose results combine as Linux's seccomp_run_filters does (every
// filter runs; the lowest action as a signed value wins, so
// KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG >
// ALLOW; on a tie the newest filter's result stands).
//
// It is pure: no kernel, no I/O. The kernel keeps a thread's Filter chain
// and acts on the result (kernel/seccomp.go); the system calls are served
// in posix/process.
package seccomp
