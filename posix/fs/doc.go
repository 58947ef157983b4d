// Package fs serves the file syscalls: thin handlers that decode a
// syscall's arguments, call the process's descriptor table
// (kernel.FDTable) or package vfs on the process's filesystem context, and
// encode the result. One file per family, as gVisor's sys_*.go:
//
//	sys_open.go     open, openat, openat2, creat
//	sys_fd.go       close, close_range, dup, dup2, dup3 (the descriptor table)
//	sys_read.go     read, readv, pread64, preadv
//	sys_write.go    write, writev, pwrite64, pwritev
//	sys_lseek.go    lseek
//	sys_stat.go     stat, fstat, lstat, newfstatat, statx, statfs, fstatfs
//	sys_getdents.go getdents64, getdents
//	sys_file.go     mkdir, mknod, unlink, rmdir, rename, link, symlink,
//	                readlink, chdir, fchdir, getcwd
//	sys_attr.go     access, chmod, chown, utimensat, utime(s), futimesat,
//	                truncate, umask
//	sys_xattr.go    setxattr, getxattr, listxattr, removexattr (path, l*, f*
//	                and *xattrat forms; the rules are vfs.SetXattrAt's)
//	sys_fcntl.go    fcntl, flock
//	sys_ioctl.go    ioctl (descriptor requests; the rest goes to the file)
//	sys_sync.go     fsync, fdatasync, sync, syncfs, readahead, fallocate,
//	                fadvise64
//	sys_sysfs.go    sysfs(2)
//	sys_aio.go      io_setup, io_submit, io_getevents, io_pgetevents,
//	                io_cancel, io_destroy (Linux AIO, run at submission)
//	sys_splice.go   sendfile, copy_file_range
//	sys_syncrange.go sync_file_range
//	sys_splice_pipe.go splice, tee, vmsplice
//	sys_pipe.go     pipe, pipe2
//	sys_memfd.go    memfd_create (seals: sys_fcntl.go and vfs/ramfs/seals.go)
//	sys_inotify.go  inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch
//	sys_fanotify.go fanotify_init, fanotify_mark (notification groups)
//	sys_mount.go    mount, umount2 (over the vfs mount tree, docs/mounts.md)
//	sys_fsmount.go  fsopen, fsconfig, fsmount, move_mount, open_tree, fspick,
//	                mount_setattr
//	fstypes.go      the filesystem types they make and their options
//
// fanotify and the acting task. inotify hears (mask, cookie, name) per
// watched inode; fanotify also needs the object (to open the event fd),
// its mount and filesystem (mount and filesystem marks) and the pid that
// acted. The vfs raises a vfs.FileEvent for each open-file event (open,
// read, write, close) to every registered vfs.FileListener (a group),
// which filters it by its own marks. The event carries the Location (mount
// and dentry) and its parent; the vfs knows no tasks, so the actor comes
// in two parts: the context of the read or write (the kernel's
// taskContext names the task: kernel.TaskFromContext gives pid and tid),
// and the pid of the process that opened the file (vfs.Context.PID at
// open), used when the context names no task: opens, closes, positioned
// I/O. So FAN_REPORT_TID reports the tgid for those, and a close reports
// the opener, not the closer, when another process holds the last
// reference. Event fds are opened with vfs.OpenNoNotify (Linux's
// FMODE_NONOTIFY): they raise neither inotify nor fanotify events.
//
// It depends on kernel, shim, vfs and abi/linux; it registers on the shim
// like the other posix libraries. vfs knows nothing of it.
package fs
