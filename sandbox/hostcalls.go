package sandbox

import "golang.org/x/sys/unix"

// hostCall is one host system call elfloader's filter lets through, and
// who needs it. The list was derived from `strace -f -c` of elfloader
// running the integration suite on both platforms, checked against the
// source: the Go runtime, glibc under cgo, elfloader's handlers (which
// serve app calls on host objects), the isolated platform's stubs (their
// own calls, made from the stub region; the stub's own filter confines
// them further) and the in-process fork child before it becomes a stub.
type hostCall struct {
	nr  uintptr
	who string
}

// allowedCalls are allowed with any arguments.
var allowedCalls = []hostCall{
	// Memory.
	{unix.SYS_MMAP, "Go runtime heap, glibc, app memory (handlers), stubs"},
	{unix.SYS_MUNMAP, "Go runtime, app memory (handlers), stubs"},
	{unix.SYS_MPROTECT, "glibc thread stacks, app memory (handlers), stubs, the fork child"},
	{unix.SYS_MADVISE, "Go runtime scavenger, app madvise (handlers)"},
	{unix.SYS_MREMAP, "app mremap (handlers)"},
	{unix.SYS_BRK, "glibc malloc under cgo"},
	{unix.SYS_MINCORE, "app mincore (handlers)"},
	{unix.SYS_MSYNC, "app msync of host-backed mappings (handlers)"},
	{unix.SYS_MLOCK, "app mlock (handlers)"},
	{unix.SYS_MLOCK2, "app mlock2 (handlers)"},
	{unix.SYS_MUNLOCK, "app munlock (handlers)"},
	{unix.SYS_MEMBARRIER, "app membarrier (handlers), glibc"},
	{unix.SYS_MEMFD_SECRET, "app memfd_secret (handlers): the host's secret memory"},
	{unix.SYS_MEMFD_CREATE, "stub program and control memory, SysV shared memory segments"},

	// Files and descriptors (hostfs, host pipes and sockets, terminals).
	{unix.SYS_READ, "everywhere"},
	{unix.SYS_WRITE, "everywhere"},
	{unix.SYS_READV, "pass-through of app readv on host sockets and pipes (plat/inproc/pass.c)"},
	{unix.SYS_WRITEV, "pass-through of app writev on host sockets and pipes (plat/inproc/pass.c)"},
	{unix.SYS_PREAD64, "hostfs reads, process memory"},
	{unix.SYS_PWRITE64, "hostfs writes"},
	{unix.SYS_OPENAT, "Go runtime start-up files, hostfs (beneath a root fd)"},
	{unix.SYS_OPENAT2, "hostfs path walk (RESOLVE_BENEATH)"},
	{unix.SYS_CLOSE, "everywhere, stubs"},
	{unix.SYS_CLOSE_RANGE, "stubs and the fork child close what they inherited"},
	{unix.SYS_FSTAT, "hostfs, Go os package"},
	{unix.SYS_NEWFSTATAT, "hostfs stat, Go os package"},
	{unix.SYS_FSTATFS, "hostfs statfs"},
	{unix.SYS_GETCWD, "the app's first working directory, elfloader's own, at every boot (--restart, reboot(2))"},
	{unix.SYS_LSEEK, "hostfs seek"},
	{unix.SYS_FCNTL, "descriptor flags, hostfs"},
	{unix.SYS_DUP3, "Go syscall.ForkExec child (stub start)"},
	{unix.SYS_GETDENTS64, "hostfs directories"},
	{unix.SYS_READLINKAT, "hostfs symlinks, /proc/self/exe"},
	{unix.SYS_MKDIRAT, "hostfs mkdir in :rw volumes"},
	{unix.SYS_MKNODAT, "hostfs FIFOs in :rw volumes"},
	{unix.SYS_UNLINKAT, "hostfs unlink and rmdir in :rw volumes"},
	{unix.SYS_RENAMEAT, "hostfs rename (Go os.Rename)"},
	{unix.SYS_RENAMEAT2, "hostfs rename"},
	{unix.SYS_LINKAT, "hostfs link"},
	{unix.SYS_SYMLINKAT, "hostfs symlink"},
	{unix.SYS_FCHMODAT, "hostfs chmod"},
	{unix.SYS_FCHMOD, "hostfs chmod of an open file (Go os.File.Chmod)"},
	{unix.SYS_FACCESSAT, "hostfs access checks"},
	{unix.SYS_FACCESSAT2, "hostfs access checks with flags"},
	{unix.SYS_UTIMENSAT, "hostfs timestamps"},
	{unix.SYS_FTRUNCATE, "hostfs truncate, memfds"},
	{unix.SYS_FALLOCATE, "hostfs fallocate"},
	{unix.SYS_FSYNC, "hostfs fsync"},
	{unix.SYS_SYNCFS, "hostfs syncfs"},
	{unix.SYS_CACHESTAT, "app cachestat of files whose bytes have a host descriptor (handlers)"},
	{unix.SYS_SYNC_FILE_RANGE, "app sync_file_range of host files (handlers; postgres's checkpointer)"},
	{unix.SYS_FADVISE64, "hostfs fadvise"},
	{unix.SYS_GETXATTR, "hostfs extended attributes"},
	{unix.SYS_SETXATTR, "hostfs extended attributes"},
	{unix.SYS_LISTXATTR, "hostfs extended attributes"},
	{unix.SYS_REMOVEXATTR, "hostfs extended attributes"},
	{unix.SYS_COPY_FILE_RANGE, "hostfs copy_file_range"},
	{unix.SYS_SENDFILE, "host sendfile between host descriptors"},
	{unix.SYS_SPLICE, "host pipes: splice"},
	{unix.SYS_TEE, "host pipes: tee"},
	{unix.SYS_PIPE2, "app pipes are host pipes, Go runtime"},

	// Readiness.
	{unix.SYS_EPOLL_CREATE1, "Go netpoller, app epoll (handlers)"},
	{unix.SYS_EPOLL_CTL, "Go netpoller, app epoll (handlers)"},
	{unix.SYS_EPOLL_WAIT, "app epoll (handlers)"},
	{unix.SYS_EPOLL_PWAIT, "Go netpoller"},
	{unix.SYS_PPOLL, "host descriptor readiness (handlers)"},
	{unix.SYS_POLL, "x/sys unix.Poll"},
	{unix.SYS_EVENTFD2, "Go netpoller wake-up, app eventfd (handlers)"},
	{unix.SYS_TIMERFD_CREATE, "app timerfd (handlers)"},
	{unix.SYS_TIMERFD_SETTIME, "app timerfd (handlers)"},
	{unix.SYS_TIMERFD_GETTIME, "app timerfd (handlers)"},

	// Sockets (--net=host; the isolated platform's control sockets).
	{unix.SYS_SOCKET, "app sockets (handlers)"},
	{unix.SYS_SOCKETPAIR, "stub control sockets, app socketpair"},
	{unix.SYS_BIND, "app sockets (handlers)"},
	{unix.SYS_LISTEN, "app sockets (handlers)"},
	{unix.SYS_ACCEPT4, "app sockets (handlers)"},
	{unix.SYS_CONNECT, "app sockets (handlers)"},
	{unix.SYS_GETSOCKNAME, "app sockets (handlers)"},
	{unix.SYS_GETPEERNAME, "app sockets (handlers)"},
	{unix.SYS_SETSOCKOPT, "app sockets (handlers)"},
	{unix.SYS_GETSOCKOPT, "app sockets (handlers)"},
	{unix.SYS_SENDTO, "app sockets (handlers)"},
	{unix.SYS_RECVFROM, "app sockets (handlers)"},
	{unix.SYS_SENDMSG, "app sockets, stub commands (both ends)"},
	{unix.SYS_RECVMSG, "app sockets, stub commands (both ends)"},
	{unix.SYS_SHUTDOWN, "app sockets (handlers)"},

	// Threads, processes, signals.
	{unix.SYS_EXIT, "thread exit (Go runtime, stubs)"},
	{unix.SYS_EXIT_GROUP, "process exit (elfloader, stubs, the fork child)"},
	{unix.SYS_EXECVE, "Go syscall.ForkExec child: starting a stub from its memfd"},
	{unix.SYS_WAITID, "reaping stubs and the fork child (pidfds)"},
	{unix.SYS_KILL, "signals to elfloader's own process group, stubs"},
	{unix.SYS_TGKILL, "Go preemption, kicks of app threads"},
	{unix.SYS_PIDFD_OPEN, "stub pidfds"},
	{unix.SYS_PIDFD_SEND_SIGNAL, "signals and kicks to stubs"},
	{unix.SYS_PROCESS_VM_READV, "reading a stub's memory"},
	{unix.SYS_PROCESS_VM_WRITEV, "writing a stub's memory"},
	{unix.SYS_RT_SIGACTION, "Go runtime, the in-process platform's handlers, stubs"},
	{unix.SYS_RT_SIGPROCMASK, "Go runtime, the fork child, stubs"},
	{unix.SYS_RT_SIGRETURN, "return from every signal handler"},
	{unix.SYS_SIGALTSTACK, "Go signal stacks, stubs"},
	{unix.SYS_RESTART_SYSCALL, "the host restarting an interrupted sleep"},
	{unix.SYS_FUTEX, "Go runtime, glibc, stubs"},
	{unix.SYS_FUTEX_WAITV, "app futex waits served by a host wait on the app's word (kernel/futex_host.go)"},
	{unix.SYS_SCHED_YIELD, "Go runtime, app sched_yield (handlers)"},
	{unix.SYS_SCHED_GETAFFINITY, "Go runtime start-up, app sched_getaffinity (handlers)"},
	{unix.SYS_SCHED_GETSCHEDULER, "sched_getscheduler of elfloader's parent (posix/sysinfo, read-only)"},
	{unix.SYS_SCHED_GETPARAM, "sched_getparam of elfloader's parent (posix/sysinfo, read-only)"},
	{unix.SYS_NANOSLEEP, "Go runtime usleep"},
	{unix.SYS_SETITIMER, "Go runtime CPU profiler (ELFLOADER_CPUPROFILE)"},
	{unix.SYS_TIMER_CREATE, "Go runtime CPU profiler, per thread"},
	{unix.SYS_TIMER_SETTIME, "Go runtime CPU profiler, per thread"},
	{unix.SYS_TIMER_DELETE, "Go runtime CPU profiler, per thread"},
	{unix.SYS_SET_TID_ADDRESS, "glibc thread start"},
	{unix.SYS_SET_ROBUST_LIST, "glibc thread start"},
	{unix.SYS_RSEQ, "glibc thread start; the fork child unregisters it"},
	{unix.SYS_ARCH_PRCTL, "FS base of app threads, XCOMP permissions, stubs"},
	{unix.SYS_PRCTL, "Syscall User Dispatch, no_new_privs, thread names, stubs"},
	{unix.SYS_SECCOMP, "stubs install their own filters"},
	{unix.SYS_SETRLIMIT, "stubs turn core dumps off"},
	{unix.SYS_PRLIMIT64, "Go runtime start-up, app limits (handlers)"},
	{unix.SYS_SETPGID, "elfloader's own process group (terminal handling)"},
	{unix.SYS_LANDLOCK_CREATE_RULESET, "sandbox: Landlock ruleset"},
	{unix.SYS_LANDLOCK_ADD_RULE, "sandbox: Landlock rules"},
	{unix.SYS_LANDLOCK_RESTRICT_SELF, "sandbox: app threads confine themselves"},

	// Identity and information.
	{unix.SYS_GETPID, "everywhere"},
	{unix.SYS_GETTID, "Go runtime, contexts"},
	{unix.SYS_GETPPID, "app getppid of the first process (handlers)"},
	{unix.SYS_GETPGID, "process groups of the first process (handlers)"},
	{unix.SYS_GETSID, "session of the first process (handlers)"},
	{unix.SYS_GETUID, "credentials (start-up)"},
	{unix.SYS_GETEUID, "credentials (start-up)"},
	{unix.SYS_GETGID, "credentials (start-up)"},
	{unix.SYS_GETEGID, "credentials (start-up)"},
	{unix.SYS_CAPGET, "capabilities (start-up)"},
	{unix.SYS_UNAME, "hostname, kernel release (handlers)"},
	{unix.SYS_SYSINFO, "app sysinfo (handlers)"},
	{unix.SYS_GETRUSAGE, "app getrusage (handlers)"},
	{unix.SYS_TIMES, "app times (handlers)"},
	{unix.SYS_GETRANDOM, "Go runtime, app getrandom (handlers)"},
	{unix.SYS_CLOCK_GETTIME, "vDSO fallback, app clocks (handlers)"},
	{unix.SYS_CLOCK_GETRES, "app clock_getres (handlers)"},
	{unix.SYS_GETTIMEOFDAY, "vDSO fallback"},
	{unix.SYS_GETCPU, "vDSO fallback"},
}

// ownCodeCalls are allowed only from elfloader's own code (the
// instruction pointer in its text): dangerous calls elfloader makes only
// in a read-only form the filter cannot see (the form is in memory). App
// code that reaches the host with one is still trapped (and killed:
// killedCalls).
var ownCodeCalls = []hostCall{
	{unix.SYS_ADJTIMEX, "app adjtimex/clock_adjtime reads (posix/timer): always modes 0 or ADJ_OFFSET_SS_READ, in elfloader's own struct timex"},
}

// clone's namespace flags: a clone that asks for any of them is refused.
const cloneNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// Calls allowed only with some arguments:
//
//   - clone (Go runtime threads, Go syscall.ForkExec, the in-process
//     fork, stubs' threads and forks) without namespace flags;
//   - ioctl (terminal requests, FIONREAD, ... on host descriptors) but for
//     TIOCSTI and TIOCLINUX, which push input into the host's terminal.
//
// clone3 takes its flags in memory a filter cannot read: elfloader's own
// code (glibc's pthread_create under cgo) gets ENOSYS and falls back to
// clone.
var refusedIoctls = []uint32{unix.TIOCSTI, unix.TIOCLINUX}

// killedCalls are the dangerous calls: app code that reaches the host
// kernel directly with one of them is killed with SIGSYS; any other call
// off the list gets EPERM.
var killedCalls = []uintptr{
	unix.SYS_MOUNT, unix.SYS_UMOUNT2, unix.SYS_PIVOT_ROOT, unix.SYS_CHROOT,
	unix.SYS_FSOPEN, unix.SYS_FSMOUNT, unix.SYS_FSCONFIG, unix.SYS_FSPICK, unix.SYS_MOVE_MOUNT,
	unix.SYS_OPEN_TREE, unix.SYS_MOUNT_SETATTR,
	unix.SYS_PTRACE, unix.SYS_BPF, unix.SYS_PERF_EVENT_OPEN, unix.SYS_USERFAULTFD,
	unix.SYS_KEXEC_LOAD, unix.SYS_KEXEC_FILE_LOAD, unix.SYS_REBOOT,
	unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE, unix.SYS_DELETE_MODULE,
	unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
	unix.SYS_SWAPON, unix.SYS_SWAPOFF, unix.SYS_SETNS, unix.SYS_UNSHARE,
	unix.SYS_OPEN_BY_HANDLE_AT, unix.SYS_NAME_TO_HANDLE_AT,
	unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
	unix.SYS_IOPL, unix.SYS_IOPERM, unix.SYS_ACCT, unix.SYS_QUOTACTL,
	unix.SYS_SETTIMEOFDAY, unix.SYS_CLOCK_SETTIME, unix.SYS_CLOCK_ADJTIME, unix.SYS_ADJTIMEX,
	unix.SYS_SETHOSTNAME, unix.SYS_SETDOMAINNAME,
}

// KillsEscapedCall reports whether app code that made host system call nr
// directly (past elfloader) is killed for it rather than answered EPERM.
func KillsEscapedCall(nr uint64) bool {
	for _, k := range killedCalls {
		if uint64(k) == nr {
			return true
		}
	}
	return false
}
