// Package vfs is elfloader's vfscore: the filesystem-independent half of the
// file system, shaped after the Linux file syscalls so that each syscall
// handler is a thin wrapper (decode arguments → call vfs → encode result).
//
// It owns:
//   - the interfaces a filesystem implements (FileSystem, Inode, FileImpl and
//     the optional file capabilities such as Seekable, DirReader, Ioctler),
//   - the mount tree (VFS, Mount): mount ids, filesystem instances shared
//     by bind mounts, attaching, moving, cloning and unmounting with
//     Linux's busy rules, per-mount attributes (MOUNT_ATTR_*), and the
//     listing /proc/self/mountinfo shows (Mounts),
//   - the cached dentry tree used for ".." and for path reconstruction
//     (PathOf),
//   - path resolution with Linux's rules (symlinks resolved against the
//     process root, a limit of 40 links, trailing slashes, openat2 RESOLVE_*
//     flags, ENAMETOOLONG), and a cache of whole resolved paths for walks
//     that check no permission (pathcache.go: dropped whenever a name is
//     removed or replaced or a mount changes, trusted for PathCacheTTL),
//   - the *at operations (OpenAt, StatAt, MkdirAt, RenameAt, ...) taking a
//     per-process Context (root, cwd, umask, credentials),
//   - the meaning of the system.posix_acl_* attributes (POSIX ACLs:
//     validation, mode sync, the ACL permission check, inheritance of
//     default ACLs; acl.go) and the format of security.capability
//     (filecaps.go), on filesystems that keep them (ACLSupporter),
//   - open file descriptions of the filesystem (File: offset, status flags,
//     getdents64 encoding, record locks, leases (lease.go), readiness and
//     wait queues), and the notification of their events to inotify
//     watchers and fanotify listeners (notify.go; FileEvent names the
//     acting task only through the call's context). The
//     kernel wraps a File in kernel.VFSFile, its one file abstraction, and
//     keeps the per-process descriptor table (kernel.FDTable).
//
// Concrete filesystems live in subpackages: ramfs (tmpfs), hostfs (an
// escape-proof host directory), overlay (ramfs upper over a read-only lower),
// devfs (device nodes), procfs, sysfs, ext2 (a read-only image reader
// for loop devices) and pipe (the in-memory pipe behind ramfs FIFOs).
//
// Dependencies: the standard library and golang.org/x/sys/unix only (errno
// values are unix.Errno). It must not import the kernel, the shim or any
// posix package; those depend on vfs, never the other way round. The file
// syscalls that drive it are the handler library posix/fs.
package vfs
