package linux

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// briefSyscalls are the calls that static glibc/musl programs, busybox,
// python3 and nginx make; each needs a real signature.
const briefSyscalls = `read write open close stat fstat lstat poll lseek mmap mprotect munmap brk
rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select
sched_yield mremap madvise dup dup2 nanosleep getpid sendfile socket connect accept sendto
recvfrom sendmsg recvmsg shutdown bind listen getsockname getpeername socketpair setsockopt
getsockopt clone fork vfork execve exit wait4 kill uname fcntl flock fsync fdatasync truncate
ftruncate getdents64 getcwd chdir fchdir rename mkdir rmdir creat link unlink symlink readlink
chmod fchmod chown fchown lchown umask gettimeofday getrlimit getrusage sysinfo times getuid
getgid setuid setgid geteuid getegid setpgid getppid getpgrp setsid getgroups setgroups
sigaltstack statfs fstatfs prctl arch_prctl setrlimit sync gettid tkill futex sched_setaffinity
sched_getaffinity set_tid_address clock_gettime clock_getres clock_nanosleep exit_group
epoll_wait epoll_ctl tgkill openat mkdirat fchownat newfstatat unlinkat renameat linkat
symlinkat readlinkat fchmodat faccessat pselect6 ppoll set_robust_list get_robust_list
utimensat epoll_pwait signalfd timerfd_create eventfd fallocate timerfd_settime accept4
signalfd4 eventfd2 epoll_create1 dup3 pipe2 preadv pwritev prlimit64 getrandom memfd_create
statx rseq clone3 close_range openat2 faccessat2 epoll_pwait2 time getcpu sched_getparam
epoll_create mseal`

func TestBriefSyscallsHaveSignatures(t *testing.T) {
	for _, name := range strings.Fields(briefSyscalls) {
		nr, ok := SyscallNumber(name)
		if !ok {
			t.Errorf("%s: unknown syscall name", name)
			continue
		}
		if !HasSignature(nr) {
			t.Errorf("%s: no signature", name)
		}
		if sig := SignatureOf(nr); sig.Name != name || sig.Generic {
			t.Errorf("%s: SignatureOf = %+v", name, sig)
		}
	}
}

func TestSignaturesAreConsistent(t *testing.T) {
	for nr := uint64(0); nr <= MaxSyscall; nr++ {
		if !HasSignature(nr) {
			continue
		}
		sig := SignatureOf(nr)
		if len(sig.Args) > 6 {
			t.Errorf("%s: %d arguments", sig.Name, len(sig.Args))
		}
		for i, arg := range sig.Args {
			if arg.Name == "" {
				t.Errorf("%s: argument %d has no name", sig.Name, i)
			}
			if arg.Kind < 0 || arg.Kind >= numArgKinds {
				t.Errorf("%s.%s: bad kind %d", sig.Name, arg.Name, arg.Kind)
			}
			needsDep := false
			switch arg.Kind {
			case ArgStrBufIn, ArgOpenMode, ArgFcntlArg, ArgSockProto, ArgSockOpt, ArgSockaddr,
				ArgIovecIn, ArgIovecOut, ArgPollFds:
				needsDep = true
			}
			if needsDep && (arg.LenArg < 0 || arg.LenArg >= len(sig.Args) || arg.LenArg == i) {
				t.Errorf("%s.%s: kind %v needs a valid LenArg, has %d", sig.Name, arg.Name, arg.Kind, arg.LenArg)
			}
			if !needsDep && arg.LenArg >= len(sig.Args) {
				t.Errorf("%s.%s: LenArg %d out of range", sig.Name, arg.Name, arg.LenArg)
			}
		}
	}
}

func TestSignatureDetails(t *testing.T) {
	open := SignatureOf(unix.SYS_OPENAT)
	if len(open.Args) != 4 || open.Args[0].Kind != ArgDirFd || open.Args[1].Kind != ArgPath ||
		open.Args[2].Kind != ArgOpenFlags || open.Args[3].Kind != ArgOpenMode || open.Args[3].LenArg != 2 {
		t.Errorf("openat signature = %+v", open)
	}
	if r := SignatureOf(unix.SYS_READ); r.Args[1].Kind != ArgStrBufOut || r.Args[1].LenArg != 2 {
		t.Errorf("read signature = %+v", r)
	}
	if SignatureOf(unix.SYS_MMAP).Ret != RetHex || SignatureOf(unix.SYS_BRK).Ret != RetHex {
		t.Error("mmap and brk return addresses")
	}
	if SignatureOf(unix.SYS_EXIT_GROUP).Ret != RetNone || SignatureOf(unix.SYS_UMASK).Ret != RetOctal {
		t.Error("exit_group does not return; umask returns octal")
	}
	if so := SignatureOf(unix.SYS_SETSOCKOPT); so.Args[2].Kind != ArgSockOpt || so.Args[2].LenArg != 1 {
		t.Errorf("setsockopt signature = %+v", so)
	}
	if len(SignatureOf(unix.SYS_GETPID).Args) != 0 {
		t.Error("getpid takes no arguments")
	}
}

func TestGenericSignature(t *testing.T) {
	sig := SignatureOf(unix.SYS_TUXCALL)
	if !sig.Generic || len(sig.Args) != 6 || sig.Name != "tuxcall" || sig.Args[0].Kind != ArgUnknown {
		t.Errorf("SignatureOf(tuxcall) = %+v", sig)
	}
	if sig := SignatureOf(5000); !sig.Generic || sig.Name != "syscall_5000" {
		t.Errorf("SignatureOf(5000) = %+v", sig)
	}
	// Callers get a copy they may modify.
	a := SignatureOf(unix.SYS_READ)
	a.Args[0].Name = "changed"
	if SignatureOf(unix.SYS_READ).Args[0].Name != "fd" {
		t.Error("SignatureOf returned shared storage")
	}
}

func TestArgKindTables(t *testing.T) {
	for k := ArgKind(0); k < numArgKinds; k++ {
		if k.String() == "" {
			t.Errorf("kind %d has no name", int(k))
		}
		if k.FlagSet() != nil && k.Enum() != nil {
			t.Errorf("kind %v has both a flag set and an enum", k)
		}
	}
	if ArgOpenFlags.String() != "OpenFlags" || ArgKind(999).String() != "ArgKind(999)" {
		t.Error("ArgKind.String")
	}
	if ArgOpenFlags.FlagSet() == nil || ArgFcntlCmd.Enum() == nil {
		t.Error("kind tables missing")
	}
	if !ArgStrBufOut.IsOutput() || ArgStrBufIn.IsOutput() {
		t.Error("IsOutput")
	}
	if ArgArchPrctlCode.UnknownPrefix() != "ARCH" {
		t.Error("UnknownPrefix")
	}
}
