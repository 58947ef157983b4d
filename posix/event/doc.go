// Package event serves the readiness and event-object syscalls: poll,
// ppoll, select, pselect6, the epoll family, eventfd and timerfd.
//
// Files backed by host descriptors (pipes, sockets, eventfds, timerfds,
// the console) are watched with the host's own poll and epoll, so readiness
// and edge-triggering are exactly Linux's. In-memory files with a wait
// queue (ramfs FIFOs) report their readiness themselves and wake the same
// host wait through an eventfd their queue writes to (wakeFD); an epoll
// instance keeps them in its own set, level-, edge-triggered or one-shot,
// beside a host epoll of the host descriptors. Other files (regular files,
// memory devices) are always ready, and epoll refuses them with EPERM, as
// Linux does for files without a poll method. Every wait is interruptible
// by signals (Task.PollHost).
//
// It depends on kernel, shim and vfs (the Waiter type) only.
package event
