// Package signal serves the signal syscalls: rt_sigaction, rt_sigprocmask,
// sigaltstack and (with delivery) kill/tgkill and friends.
//
// Dispositions and masks are recorded faithfully in the kernel's Process and
// Task. It depends on kernel and shim only.
package signal
