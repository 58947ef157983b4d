// Package process serves the identity and life-cycle syscalls of a process:
// exit and exit_group, pid/tid/uid queries, set_tid_address, robust lists,
// rseq, resource limits, arch_prctl and prctl.
//
// It depends on kernel and shim only.
package process
