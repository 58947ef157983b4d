// Package vfs is elfloader's vfscore: the filesystem-independent half of the
// file system, shaped after the Linux file syscalls so that each syscall
// handler is a thin wrapper (decode arguments → call vfs → encode result).
//
// It owns:
//   - the interfaces a filesystem implements (FileSystem, Inode, FileImpl and
//     the optional file capabilities such as Seekable, DirReader, Ioctler),
//   - the mount table (VFS, Mount) and the cached dentry tree used for ".."
//     and for path reconstruction (PathOf),
//   - path resolution with Linux's rules (symlinks resolved against the
//     process root, a limit of 40 links, trailing slashes, openat2 RESOLVE_*
//     flags, ENAMETOOLONG),
//   - the *at operations (OpenAt, StatAt, MkdirAt, RenameAt, ...) taking a
//     per-process Context (root, cwd, umask, credentials),
//   - open file descriptions (File: offset, status flags, getdents64
//     encoding, record locks, readiness and wait queues) and the
//     per-process FDTable.
//
// Concrete filesystems live in subpackages: ramfs (tmpfs), hostfs (an
// escape-proof host directory), overlay (ramfs upper over a read-only lower),
// devfs (device nodes) and pipe (pipes and FIFOs).
//
// Dependencies: the standard library and golang.org/x/sys/unix only (errno
// values are unix.Errno). It must not import the kernel, the shim or any
// posix package; those depend on vfs, never the other way round.
package vfs
