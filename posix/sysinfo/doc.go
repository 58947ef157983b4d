// Package sysinfo serves the syscalls that describe the machine: uname,
// sysinfo, sched_getaffinity/sched_setaffinity, sched_yield and getcpu.
//
// It depends on kernel and shim only.
package sysinfo
