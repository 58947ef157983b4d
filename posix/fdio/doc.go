// Package fdio serves the descriptor syscalls that do not need a
// filesystem: read/write and their vector forms, close, dup family, fcntl's
// descriptor commands, ioctl dispatch, fstat and lseek on whatever file a
// descriptor holds, and pipes (backed by host pipes).
//
// Path-based file syscalls belong to the vfs. It depends on kernel and shim.
package fdio
