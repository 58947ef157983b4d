// Package pipe implements pipes (pipe2) and the buffer behind FIFOs: a 64
// KiB buffer, PIPE_BUF atomicity, EOF when every writer is gone, EPIPE
// when every reader is gone (the caller raises SIGPIPE), blocking that
// honours context cancellation (EINTR) and O_NONBLOCK (EAGAIN), and
// readiness for poll/epoll.
//
// It depends on package vfs (FileImpl, File, Queue) and golang.org/x/sys/unix.
package pipe
