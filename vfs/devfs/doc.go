// Package devfs is the /dev filesystem: a ramfs populated with the
// standard character devices (null, zero, full, random, urandom), the
// symlinks stdin/stdout/stderr → /proc/self/fd/0..2 and fd →
// /proc/self/fd, the directories pts and shm, and a registry through
// which the kernel adds its own devices (tty, console, ptmx ...).
//
// It depends on package vfs, vfs/ramfs and golang.org/x/sys/unix.
package devfs
