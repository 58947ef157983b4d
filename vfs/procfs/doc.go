// Package procfs is elfloader's /proc: a read-only vfs.FileSystem whose
// contents are generated from the kernel's state when a file is opened.
//
// It owns the layout and the exact text formats of /proc: the "self" and
// "thread-self" links, one directory per live process (exe, cwd and root
// magic links, fd/ and fdinfo/, maps, status, stat, statm, cmdline,
// environ, auxv, comm, mounts, mountinfo, task/TID/), the machine files
// (cpuinfo, meminfo, stat and loadavg passed through from the host;
// mounts, filesystems, uptime, version generated; net/dev, if_inet6,
// igmp and igmp6 the host's, or the app's own network's through the
// provider's NetFiles; config.gz, the
// configuration of the kernel elfloader emulates, from one table in
// config.go) and the sys/ tree
// (kernel/osrelease, hostname, ostype, pid_max, random/uuid, boot_id,
// vm/overcommit_memory, fs/file-max ...).
//
// The kernel supplies its state through the Provider interface; procfs
// never imports the kernel. Dependencies: the standard library, package
// vfs and golang.org/x/sys/unix.
package procfs
