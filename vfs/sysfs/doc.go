// Package sysfs is elfloader's minimal /sys: a read-only vfs.FileSystem
// with the few files programs and language runtimes read to size
// themselves: devices/system/cpu/{online,possible,present} and one
// cpuN directory per CPU, and kernel/mm/transparent_hugepage/{enabled,
// hpage_pmd_size} and empty fs/cgroup, class, bus, block and dev
// directories. The values are taken from the host's /sys when New
// runs (with sensible defaults when it is unreadable) and never change.
//
// It depends on package vfs, vfs/ramfs (the tree is a populated ramfs
// behind a read-only front), internal/hostfile (the host's values) and
// golang.org/x/sys/unix.
package sysfs
