// Package keys serves the Linux key management facility (keyrings(7)):
// add_key, request_key and keyctl, from elfloader's own key table, never
// the host's keyrings.
//
// It owns the kernel's keys (one table per kernel, LibraryState): the
// "user", "logon" and "keyring" key types, serial numbers, permissions
// (possessor, user, group, other) checked as Linux's key_task_permission,
// revocation, invalidation and timeouts; and the keyrings a task reaches
// through the special ids: the thread keyring (per task; a new thread of a
// task that has one gets its own), the process keyring (per process, not
// inherited by fork, dropped by execve), the session keyring (inherited by
// fork and clone, kept by execve) and the per-uid user and user-session
// keyrings. The session keyring and the request_key default travel in the
// task's values (kernel.Task.TaskValue), which new tasks inherit and
// execve keeps; thread and process keyrings live in this package, keyed by
// the kernel's Process and Task, recognise an execve by the process's new
// address space and go with the process (Process.OnExit). Keys no keyring
// or task refers to any more are collected (gc.go); each uid's keys count
// against the host's /proc/sys/kernel/keys quotas (EDQUOT).
//
// request_key only searches: no /sbin/request-key upcall is ever run, so a
// key that is not found is ENOKEY even with callout information. There is
// no /proc/keys or /proc/key-users.
//
// It depends on kernel, shim and abi/linux only.
package keys
