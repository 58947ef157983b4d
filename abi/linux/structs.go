package linux

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sizes in bytes of the structs the x86-64 kernel copies to and from user
// memory, as the UAPI headers (asm/stat.h, linux/stat.h, asm/signal.h,
// asm-generic/siginfo.h, linux/eventpoll.h, linux/sched.h, linux/openat2.h,
// ...) lay them out. Handlers copy exactly these many bytes; the tests check
// every Go type used for them against these numbers.
const (
	SizeofStat            = 144 // struct stat (asm/stat.h)
	SizeofStatx           = 256 // struct statx
	SizeofStatfs          = 120 // struct statfs (asm-generic/statfs.h, 64-bit)
	SizeofKernelSigset    = 8   // the kernel's sigset_t (glibc's is 128)
	SizeofKernelSigaction = 32  // struct sigaction as rt_sigaction reads it
	SizeofSiginfo         = 128 // siginfo_t
	SizeofSignalfdSiginfo = 128 // struct signalfd_siginfo
	SizeofStack           = 24  // stack_t
	SizeofRlimit          = 16  // struct rlimit and struct rlimit64
	SizeofRusage          = 144 // struct rusage
	SizeofTms             = 32  // struct tms
	SizeofTimespec        = 16  // struct __kernel_timespec
	SizeofTimeval         = 16  // struct __kernel_old_timeval
	SizeofTimezone        = 8   // struct timezone
	SizeofItimerval       = 32  // struct __kernel_old_itimerval
	SizeofItimerspec      = 32  // struct __kernel_itimerspec
	SizeofSysinfo         = 112 // struct sysinfo
	SizeofUtsname         = 390 // struct new_utsname (6 × 65)
	SizeofEpollEvent      = 12  // struct epoll_event: packed on x86-64
	SizeofPollfd          = 8   // struct pollfd
	SizeofIovec           = 16  // struct iovec
	SizeofMsghdr          = 56  // struct user_msghdr
	SizeofMmsghdr         = 64  // struct mmsghdr (msghdr, msg_len, padding)
	SizeofCmsghdr         = 16  // struct cmsghdr
	SizeofUcred           = 12  // struct ucred
	SizeofLinger          = 8   // struct linger
	SizeofFlock           = 32  // struct flock
	SizeofFOwnerEx        = 8   // struct f_owner_ex
	SizeofRobustListHead  = 24  // struct robust_list_head
	SizeofSigevent        = 64  // struct sigevent
	SizeofDirent64Header  = 19  // struct linux_dirent64 up to d_name
	SizeofSockaddrUnPath  = 108 // sun_path of struct sockaddr_un
	SizeofSockaddrIn      = 16
	SizeofSockaddrIn6     = 28
	OpenHowSizeVer0       = 24 // struct open_how, first published version
	CloneArgsSizeVer0     = 64 // struct clone_args up to tls
	CloneArgsSizeVer1     = 80 // + set_tid, set_tid_size
	CloneArgsSizeVer2     = 88 // + cgroup
)

// KernelSigaction is struct sigaction as the x86-64 kernel's rt_sigaction
// reads and writes it: handler, flags, restorer, then an 8-byte mask (not
// glibc's struct sigaction, whose sa_mask is 128 bytes).
type KernelSigaction struct {
	Handler  uint64
	Flags    uint64
	Restorer uint64
	Mask     uint64
}

// Stack is stack_t: ss_sp, ss_flags (an int, then 4 bytes of padding),
// ss_size.
type Stack struct {
	Sp    uint64
	Flags int32
	_     int32
	Size  uint64
}

// CloneArgs is struct clone_args in its largest version
// (CLONE_ARGS_SIZE_VER2).
type CloneArgs struct {
	Flags      uint64
	Pidfd      uint64
	ChildTID   uint64
	ParentTID  uint64
	ExitSignal uint64
	Stack      uint64
	StackSize  uint64
	TLS        uint64
	SetTID     uint64
	SetTIDSize uint64
	Cgroup     uint64
}

// RobustListHead is struct robust_list_head.
type RobustListHead struct {
	Next          uint64
	FutexOffset   int64
	ListOpPending uint64
}

// Sigevent is struct sigevent: sigev_value, sigev_signo, sigev_notify,
// then a union whose first int is the thread id for SIGEV_THREAD_ID.
type Sigevent struct {
	Value  uint64
	Signo  int32
	Notify int32
	TID    int32
	_      [SizeofSigevent - 20]byte
}

// FutexWaitv is struct futex_waitv, one entry of futex_waitv(2)'s array.
type FutexWaitv struct {
	Val      uint64
	Uaddr    uint64
	Flags    uint32
	Reserved uint32
}

// FOwnerEx is struct f_owner_ex of F_GETOWN_EX and F_SETOWN_EX: the kind of
// owner (F_OWNER_TID, F_OWNER_PID, F_OWNER_PGRP) and its ID.
type FOwnerEx struct {
	Type int32
	Pid  int32
}

// Mmsghdr is struct mmsghdr: a msghdr, the byte count, 4 bytes of padding.
type Mmsghdr struct {
	Hdr unix.Msghdr
	Len uint32
	_   uint32
}

// Sizes of the x/sys/unix types whose layout is the kernel's; the tests
// compare them with the constants above.
var (
	_ = [1]struct{}{}[unsafe.Sizeof(unix.Stat_t{})-SizeofStat]
	_ = [1]struct{}{}[unsafe.Sizeof(unix.Statx_t{})-SizeofStatx]
	_ = [1]struct{}{}[unsafe.Sizeof(unix.Statfs_t{})-SizeofStatfs]
	_ = [1]struct{}{}[unsafe.Sizeof(KernelSigaction{})-SizeofKernelSigaction]
	_ = [1]struct{}{}[unsafe.Sizeof(Stack{})-SizeofStack]
	_ = [1]struct{}{}[unsafe.Sizeof(FOwnerEx{})-SizeofFOwnerEx]
	_ = [1]struct{}{}[unsafe.Sizeof(unix.EpollEvent{})-SizeofEpollEvent]
)

// PageSize bounds size-versioned structs: clone3 and openat2 refuse larger
// sizes with E2BIG.
var PageSize = uint64(unix.Getpagesize())

// DecodeExtensible reads a size-versioned struct the way the kernel's
// copy_struct_from_user does: b holds the app's bytes (its size argument);
// a shorter b leaves the newer fields zero, a longer one must have only
// zero bytes past the struct the kernel knows, else E2BIG.
func DecodeExtensible[T any](b []byte, v *T) error {
	dst := unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
	n := copy(dst, b)
	clear(dst[n:])
	for _, c := range b[n:] {
		if c != 0 {
			return unix.E2BIG
		}
	}
	return nil
}
