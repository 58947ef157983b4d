package procfs

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// /proc/config.gz: the kernel configuration (CONFIG_IKCONFIG_PROC) of the
// kernel elfloader emulates. Programs and scripts read it to learn which
// features they can use (container runtimes' check-config, test suites
// that skip what the kernel lacks). It describes elfloader, not the host:
// a feature is "=y" when elfloader serves it and "is not set" when it does
// not, so a program that trusts it is not misled into calls that fail.

// SyscallServer is implemented by providers that know which system calls
// the app's syscall table serves (fully or in part: not the stubs that
// only answer ENOSYS); known is false when the provider cannot tell. The
// options tied to a system call follow it; otherwise they take their
// default.
type SyscallServer interface {
	SyscallServed(nr uint64) (served, known bool)
}

// configOption is one line of the configuration. Its value is, in order:
// val when set (a number or string option); else "y" or "is not set"
// after the system call nr (when not -1) if the provider can tell, after
// the filesystem type fs (when set) if elfloader implements it, or def.
type configOption struct {
	name string
	nr   int
	fs   string
	def  bool
	val  string
}

// configOptions is the one table the file is generated from; each entry
// says why it has its value.
var configOptions = []configOption{
	// The machine: an x86-64 SMP kernel with an MMU (what elfloader runs).
	{name: "CONFIG_64BIT", nr: -1, def: true},
	{name: "CONFIG_X86_64", nr: -1, def: true},
	{name: "CONFIG_X86", nr: -1, def: true},
	{name: "CONFIG_MMU", nr: -1, def: true},
	{name: "CONFIG_SMP", nr: -1, def: true}, // the host's CPUs, passed through
	// 32-bit binaries are not loaded (int 0x80 from 64-bit code is).
	{name: "CONFIG_IA32_EMULATION", nr: -1},
	// Program formats: ELF and #! scripts (kernel/exec_script.go).
	{name: "CONFIG_BINFMT_ELF", nr: -1, def: true},
	{name: "CONFIG_BINFMT_SCRIPT", nr: -1, def: true},
	{name: "CONFIG_BINFMT_MISC", nr: -1},
	// Users and groups: setuid and friends keep per-process credentials.
	{name: "CONFIG_MULTIUSER", nr: unix.SYS_SETRESUID, def: true},
	// Processes and their interfaces.
	{name: "CONFIG_FUTEX", nr: unix.SYS_FUTEX, def: true},
	{name: "CONFIG_EPOLL", nr: unix.SYS_EPOLL_CREATE1, def: true},
	{name: "CONFIG_SIGNALFD", nr: unix.SYS_SIGNALFD4, def: true},
	{name: "CONFIG_TIMERFD", nr: unix.SYS_TIMERFD_CREATE, def: true},
	{name: "CONFIG_EVENTFD", nr: unix.SYS_EVENTFD2, def: true},
	{name: "CONFIG_AIO", nr: unix.SYS_IO_SETUP, def: true},
	{name: "CONFIG_IO_URING", nr: unix.SYS_IO_URING_SETUP},
	{name: "CONFIG_POSIX_TIMERS", nr: unix.SYS_TIMER_CREATE, def: true},
	{name: "CONFIG_ADVISE_SYSCALLS", nr: unix.SYS_MADVISE, def: true},
	{name: "CONFIG_MEMBARRIER", nr: unix.SYS_MEMBARRIER},
	{name: "CONFIG_RSEQ", nr: unix.SYS_RSEQ},
	{name: "CONFIG_KCMP", nr: unix.SYS_KCMP},
	{name: "CONFIG_FHANDLE", nr: unix.SYS_NAME_TO_HANDLE_AT, def: true},
	{name: "CONFIG_CROSS_MEMORY_ATTACH", nr: unix.SYS_PROCESS_VM_READV, def: true},
	{name: "CONFIG_BSD_PROCESS_ACCT", nr: unix.SYS_ACCT},
	{name: "CONFIG_PERF_EVENTS", nr: unix.SYS_PERF_EVENT_OPEN},
	{name: "CONFIG_BPF_SYSCALL", nr: unix.SYS_BPF},
	{name: "CONFIG_SECCOMP", nr: unix.SYS_SECCOMP},
	{name: "CONFIG_SECCOMP_FILTER", nr: unix.SYS_SECCOMP},
	{name: "CONFIG_USERFAULTFD", nr: unix.SYS_USERFAULTFD},
	{name: "CONFIG_NAMESPACES", nr: unix.SYS_UNSHARE},
	{name: "CONFIG_MODULES", nr: unix.SYS_INIT_MODULE},
	{name: "CONFIG_KEXEC", nr: unix.SYS_KEXEC_LOAD},
	{name: "CONFIG_SWAP", nr: unix.SYS_SWAPON},
	{name: "CONFIG_QUOTA", nr: unix.SYS_QUOTACTL},
	{name: "CONFIG_MODIFY_LDT_SYSCALL", nr: unix.SYS_MODIFY_LDT},
	{name: "CONFIG_X86_IOPL_IOPERM", nr: unix.SYS_IOPERM},
	{name: "CONFIG_SECURITY_LANDLOCK", nr: unix.SYS_LANDLOCK_CREATE_RULESET},
	{name: "CONFIG_NUMA", nr: unix.SYS_MBIND, def: true},
	// Inter-process communication.
	{name: "CONFIG_SYSVIPC", nr: unix.SYS_SHMGET, def: true},
	{name: "CONFIG_SYSVIPC_SYSCTL", nr: unix.SYS_SHMGET, def: true}, // /proc/sys/kernel/shm*, sem, msg*
	{name: "CONFIG_POSIX_MQUEUE", nr: unix.SYS_MQ_OPEN, def: true},
	{name: "CONFIG_KEYS", nr: unix.SYS_ADD_KEY},
	// Memory.
	{name: "CONFIG_SHMEM", nr: -1, def: true},
	{name: "CONFIG_MEMFD_CREATE", nr: unix.SYS_MEMFD_CREATE, def: true},
	{name: "CONFIG_SECRETMEM", nr: unix.SYS_MEMFD_SECRET, def: true},
	// File notification.
	{name: "CONFIG_INOTIFY_USER", nr: unix.SYS_INOTIFY_INIT1, def: true},
	{name: "CONFIG_FANOTIFY", nr: unix.SYS_FANOTIFY_INIT},
	// Filesystems: those of /proc/filesystems.
	{name: "CONFIG_PROC_FS", nr: -1, fs: "proc"},
	{name: "CONFIG_PROC_SYSCTL", nr: -1, fs: "proc"}, // /proc/sys
	{name: "CONFIG_IKCONFIG", nr: -1, def: true},     // this file
	{name: "CONFIG_IKCONFIG_PROC", nr: -1, def: true},
	{name: "CONFIG_SYSFS", nr: -1, fs: "sysfs"},
	{name: "CONFIG_TMPFS", nr: -1, fs: "tmpfs"},
	// tmpfs keeps user., trusted. and security. attributes; ACLs
	// (system.posix_acl_*) are EOPNOTSUPP.
	{name: "CONFIG_TMPFS_XATTR", nr: unix.SYS_SETXATTR, def: true},
	{name: "CONFIG_TMPFS_POSIX_ACL", nr: -1},
	{name: "CONFIG_DEVTMPFS", nr: -1, fs: "devtmpfs"},
	{name: "CONFIG_UNIX98_PTYS", nr: -1, fs: "devpts"},
	{name: "CONFIG_OVERLAY_FS", nr: -1, fs: "overlay"},
	{name: "CONFIG_EXT2_FS", nr: -1, fs: "ext2"}, // read-only, from a loop device
	{name: "CONFIG_BLK_DEV_LOOP", nr: -1, fs: "ext2"},
	// Networking: AF_INET, AF_INET6 and AF_UNIX sockets.
	{name: "CONFIG_NET", nr: unix.SYS_SOCKET, def: true},
	{name: "CONFIG_INET", nr: unix.SYS_SOCKET, def: true},
	{name: "CONFIG_IPV6", nr: unix.SYS_SOCKET, def: true},
	{name: "CONFIG_UNIX", nr: unix.SYS_SOCKETPAIR, def: true},
	{name: "CONFIG_PACKET", nr: -1},
}

// configText renders the configuration as `make` writes .config.
func configText(prov Provider) []byte {
	server, _ := prov.(SyscallServer)
	fsNames := FilesystemNames()
	var b strings.Builder
	fmt.Fprintf(&b, "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 %s Kernel Configuration\n#\n", prov.OSRelease())
	b.WriteString("# The kernel elfloader emulates: an option is set when elfloader serves it.\n#\n")
	for _, o := range configOptions {
		v := o.val
		if v == "" {
			on := o.def
			if o.fs != "" {
				on = slices.Contains(fsNames, o.fs)
			}
			if o.nr >= 0 && server != nil {
				if served, known := server.SyscallServed(uint64(o.nr)); known {
					on = served
				}
			}
			if !on {
				fmt.Fprintf(&b, "# %s is not set\n", o.name)
				continue
			}
			v = "y"
		}
		fmt.Fprintf(&b, "%s=%s\n", o.name, v)
	}
	return []byte(b.String())
}

// configGz is /proc/config.gz's contents, compressed on first read.
type configGz struct {
	once sync.Once
	data []byte
	err  error
}

func (c *configGz) get(prov Provider) ([]byte, error) {
	c.once.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(configText(prov)); err != nil {
			c.err = fmt.Errorf("procfs: compressing config.gz: %w", err)
			return
		}
		if err := zw.Close(); err != nil {
			c.err = fmt.Errorf("procfs: compressing config.gz: %w", err)
			return
		}
		c.data = buf.Bytes()
	})
	return c.data, c.err
}

// sizedFileNode is a file whose size is known before it is opened (Linux
// gives /proc/config.gz its real size).
type sizedFileNode struct {
	fileNode
}

// Stat implements vfs.Inode.
func (n *sizedFileNode) Stat() (vfs.Stat, error) {
	st, err := n.attrs.Stat()
	if err != nil {
		return st, err
	}
	data, err := n.generate()
	if err != nil {
		return st, err
	}
	st.Size = int64(len(data))
	return st, nil
}

// configFile is the /proc/config.gz entry.
func (fs *FS) configFile(b *builder) entry {
	gen := func() ([]byte, error) { return fs.config.get(fs.prov) }
	return entry{name: "config.gz", node: &sizedFileNode{fileNode{attrs: b.attrs(unix.S_IFREG | 0o444), generate: gen}}}
}
