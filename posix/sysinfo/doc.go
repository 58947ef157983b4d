// Package sysinfo serves the syscalls that describe the machine: uname,
// sysinfo, sched_getaffinity/sched_setaffinity, sched_yield, getcpu, and
// syslog (the unikernel's own kernel log: syslog.go).
//
// It depends on kernel and shim only.
package sysinfo
