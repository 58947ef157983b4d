// Package pipe implements the in-memory pipe behind ramfs FIFOs: a 64 KiB
// buffer (F_SETPIPE_SZ), PIPE_BUF atomicity, EOF when every writer is gone,
// EPIPE when every reader is gone (the caller raises SIGPIPE), ENXIO for a
// non-blocking writer without readers, blocking opens that wait for the
// other end (fifo(7), vfs.OpenWaiter), blocking that honours context
// cancellation (EINTR) and O_NONBLOCK (EAGAIN), and readiness with a wait
// queue for poll and epoll. pipe(2) and pipe2(2) make host pipes instead
// (posix/fs says why).
//
// It depends on package vfs (FileImpl, Waitable, Queue) and golang.org/x/sys/unix.
package pipe
