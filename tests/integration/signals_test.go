package integration

import "testing"

// signalPrograms are the signal and timer programs of tests/c.
func signalPrograms() []cProgram {
	return []cProgram{
		{source: "sig_siginfo.c", repeat: true},
		{source: "sig_restart.c", repeat: true},
		{source: "sig_altstack.c", repeat: true},
		{source: "sig_longjmp.c", repeat: true},
		{source: "sig_wait.c", repeat: true},
		{source: "sig_blocked_ignored.c"}, // kept for signalfd and sigwait
		{source: "sig_thread.c", repeat: true},
		{source: "sig_abort_thread.c", repeat: true},
		{source: "sig_ucontext.c", repeat: true},
		{source: "sig_pipe.c"},
		{source: "sig_blocked_fault.c"},
		{source: "sig_alarm.c"},
		{source: "time_clocks.c"},
		{source: "sig_avx.c", flags: []string{"-mavx2"}},
		{source: "fp_syscall.c"},
		{source: "sig_chld_info.c"},
		{source: "sig_async.c"},
	}
}

// TestSignals compares the signal programs (siginfo fields, SA_RESTART,
// sigaltstack overflow, SIGSEGV with siglongjmp, sigsuspend/sigtimedwait,
// thread-directed signals, alarm/setitimer/POSIX timers, AVX state across
// handlers, vector, opmask, x87 and MXCSR state across fast-path
// syscalls with signals arriving, abort() in a thread, ucontext edits, SIGPIPE, a fault
// with its signal blocked, clocks and sleeps, SIGIO of O_ASYNC pipes and
// sockets) with their native runs in every static variant.
func TestSignals(t *testing.T) {
	compareCPrograms(t, signalPrograms())
}
