// Package timer serves the clock and sleep syscalls: clock_gettime,
// clock_getres, gettimeofday, time, nanosleep and clock_nanosleep.
//
// It depends on kernel and shim only.
package timer
