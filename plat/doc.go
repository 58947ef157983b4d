// Package plat defines what the kernel needs from an execution backend: a
// Context that runs application code on the current thread until it makes a
// system call, faults or is kicked, and reports which one happened.
//
// Implementations live in subpackages (inproc is the default). The kernel never
// knows which platform runs; platforms know nothing of the kernel.
package plat
