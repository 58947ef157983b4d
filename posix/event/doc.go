// Package event serves the readiness and event-object syscalls: poll,
// ppoll, select, pselect6, the epoll family, eventfd and timerfd.
//
// Files backed by host descriptors (pipes, sockets, eventfds, timerfds,
// the console) are watched with the host's own poll and epoll, so readiness
// and edge-triggering are exactly Linux's; files without a host descriptor
// (regular files, memory devices) are always ready, and epoll refuses them
// with EPERM, as Linux does for files without a poll method. Every wait is
// interruptible by signals (Task.PollHost).
//
// It depends on kernel and shim only.
package event
