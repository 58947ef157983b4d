// Package linux describes the Linux x86-64 system-call ABI as data: syscall
// numbers and names, errno names and messages, signal names and si_code
// names, the flag and enum tables that strace uses to print arguments
// (open flags, mmap protections, clone flags, ioctl requests, socket options
// and so on), and per-syscall argument signatures for tracing.
//
// The package holds no behaviour and no mutable state: every table is
// read-only; the larger maps are built on first use (sync.OnceValue), not
// in every start's package initialisation. Numeric values come from
// golang.org/x/sys/unix wherever that package defines them for amd64.
//
// Dependencies: the standard library and golang.org/x/sys/unix only. Every
// other package of elfloader may import this one; it imports none of them.
package linux
