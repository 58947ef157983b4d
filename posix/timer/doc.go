// Package timer serves the clock and sleep syscalls: clock_gettime,
// clock_getres, gettimeofday, time, nanosleep and clock_nanosleep; the
// timers: alarm, setitimer/getitimer (ITIMER_REAL on the wall clock,
// ITIMER_VIRTUAL and ITIMER_PROF on the process's CPU time) and the POSIX
// timers (timer_create on a wall clock or a CPU-time clock); and times and
// getrusage. The CPU-time clocks are kernel.CPUClock: the host's
// accounting of the app's threads (kernel/cputime.go).
//
// It depends on kernel and shim only.
package timer
