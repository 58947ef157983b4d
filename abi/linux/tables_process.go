package linux

import (
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// CloneSignalMask selects the exit signal carried in the low byte of
// clone(2)'s flags.
const CloneSignalMask = 0xff

// CloneFlags is clone(2)'s flags word without the exit-signal byte; see
// FormatCloneFlags for the full word.
var CloneFlags = FlagSet{
	{Name: "CLONE_VM", Value: unix.CLONE_VM},
	{Name: "CLONE_FS", Value: unix.CLONE_FS},
	{Name: "CLONE_FILES", Value: unix.CLONE_FILES},
	{Name: "CLONE_SIGHAND", Value: unix.CLONE_SIGHAND},
	{Name: "CLONE_PIDFD", Value: unix.CLONE_PIDFD},
	{Name: "CLONE_PTRACE", Value: unix.CLONE_PTRACE},
	{Name: "CLONE_VFORK", Value: unix.CLONE_VFORK},
	{Name: "CLONE_PARENT", Value: unix.CLONE_PARENT},
	{Name: "CLONE_THREAD", Value: unix.CLONE_THREAD},
	{Name: "CLONE_NEWNS", Value: unix.CLONE_NEWNS},
	{Name: "CLONE_SYSVSEM", Value: unix.CLONE_SYSVSEM},
	{Name: "CLONE_SETTLS", Value: unix.CLONE_SETTLS},
	{Name: "CLONE_PARENT_SETTID", Value: unix.CLONE_PARENT_SETTID},
	{Name: "CLONE_CHILD_CLEARTID", Value: unix.CLONE_CHILD_CLEARTID},
	{Name: "CLONE_DETACHED", Value: unix.CLONE_DETACHED},
	{Name: "CLONE_UNTRACED", Value: unix.CLONE_UNTRACED},
	{Name: "CLONE_CHILD_SETTID", Value: unix.CLONE_CHILD_SETTID},
	{Name: "CLONE_NEWCGROUP", Value: unix.CLONE_NEWCGROUP},
	{Name: "CLONE_NEWUTS", Value: unix.CLONE_NEWUTS},
	{Name: "CLONE_NEWIPC", Value: unix.CLONE_NEWIPC},
	{Name: "CLONE_NEWUSER", Value: unix.CLONE_NEWUSER},
	{Name: "CLONE_NEWPID", Value: unix.CLONE_NEWPID},
	{Name: "CLONE_NEWNET", Value: unix.CLONE_NEWNET},
	{Name: "CLONE_IO", Value: unix.CLONE_IO},
	{Name: "CLONE_CLEAR_SIGHAND", Value: unix.CLONE_CLEAR_SIGHAND},
	{Name: "CLONE_INTO_CGROUP", Value: unix.CLONE_INTO_CGROUP},
	{Name: "CLONE_NEWTIME", Value: unix.CLONE_NEWTIME},
}

// FormatCloneFlags renders clone(2)'s flags word as strace does: the
// CLONE_* names followed by the exit signal from the low byte
// ("CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD").
func FormatCloneFlags(v uint64) string {
	sig := v & CloneSignalMask
	rest := v &^ CloneSignalMask
	var parts []string
	if rest != 0 {
		parts = append(parts, FormatFlags(CloneFlags, rest))
	}
	if sig != 0 {
		parts = append(parts, SignalName(int(sig)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// WaitOptions is the options word of wait4(2) and waitid(2).
var WaitOptions = FlagSet{
	{Name: "WNOHANG", Value: unix.WNOHANG},
	{Name: "WUNTRACED", Value: unix.WUNTRACED},
	{Name: "WEXITED", Value: unix.WEXITED},
	{Name: "WCONTINUED", Value: unix.WCONTINUED},
	{Name: "WNOWAIT", Value: unix.WNOWAIT},
	{Name: "__WNOTHREAD", Value: unix.WNOTHREAD},
	{Name: "__WALL", Value: unix.WALL},
	{Name: "__WCLONE", Value: unix.WCLONE},
}

// Rlimit returns the names of the resource argument of getrlimit(2), setrlimit(2) and
// prlimit64(2).
var Rlimit = sync.OnceValue(func() Enum {
	return Enum{
		unix.RLIMIT_CPU: "RLIMIT_CPU", unix.RLIMIT_FSIZE: "RLIMIT_FSIZE",
		unix.RLIMIT_DATA: "RLIMIT_DATA", unix.RLIMIT_STACK: "RLIMIT_STACK",
		unix.RLIMIT_CORE: "RLIMIT_CORE", unix.RLIMIT_RSS: "RLIMIT_RSS",
		unix.RLIMIT_NPROC: "RLIMIT_NPROC", unix.RLIMIT_NOFILE: "RLIMIT_NOFILE",
		unix.RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK", unix.RLIMIT_AS: "RLIMIT_AS",
		unix.RLIMIT_LOCKS: "RLIMIT_LOCKS", unix.RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING",
		unix.RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE", unix.RLIMIT_NICE: "RLIMIT_NICE",
		unix.RLIMIT_RTPRIO: "RLIMIT_RTPRIO", unix.RLIMIT_RTTIME: "RLIMIT_RTTIME",
	}
})

// RusageWho returns the names of getrusage(2)'s who.
var RusageWho = sync.OnceValue(func() Enum {
	return Enum{
		0: "RUSAGE_SELF", 0xffffffffffffffff: "RUSAGE_CHILDREN",
		unix.RUSAGE_THREAD: "RUSAGE_THREAD",
	}
})

// PrctlOption returns the names of prctl(2)'s option.
var PrctlOption = sync.OnceValue(func() Enum {
	return Enum{
		unix.PR_SET_PDEATHSIG: "PR_SET_PDEATHSIG", unix.PR_GET_PDEATHSIG: "PR_GET_PDEATHSIG",
		unix.PR_GET_DUMPABLE: "PR_GET_DUMPABLE", unix.PR_SET_DUMPABLE: "PR_SET_DUMPABLE",
		unix.PR_GET_UNALIGN: "PR_GET_UNALIGN", unix.PR_SET_UNALIGN: "PR_SET_UNALIGN",
		unix.PR_GET_KEEPCAPS: "PR_GET_KEEPCAPS", unix.PR_SET_KEEPCAPS: "PR_SET_KEEPCAPS",
		unix.PR_GET_FPEMU: "PR_GET_FPEMU", unix.PR_SET_FPEMU: "PR_SET_FPEMU",
		unix.PR_GET_FPEXC: "PR_GET_FPEXC", unix.PR_SET_FPEXC: "PR_SET_FPEXC",
		unix.PR_GET_TIMING: "PR_GET_TIMING", unix.PR_SET_TIMING: "PR_SET_TIMING",
		unix.PR_SET_NAME: "PR_SET_NAME", unix.PR_GET_NAME: "PR_GET_NAME",
		unix.PR_GET_ENDIAN: "PR_GET_ENDIAN", unix.PR_SET_ENDIAN: "PR_SET_ENDIAN",
		unix.PR_GET_SECCOMP: "PR_GET_SECCOMP", unix.PR_SET_SECCOMP: "PR_SET_SECCOMP",
		unix.PR_CAPBSET_READ: "PR_CAPBSET_READ", unix.PR_CAPBSET_DROP: "PR_CAPBSET_DROP",
		unix.PR_GET_TSC: "PR_GET_TSC", unix.PR_SET_TSC: "PR_SET_TSC",
		unix.PR_GET_SECUREBITS: "PR_GET_SECUREBITS", unix.PR_SET_SECUREBITS: "PR_SET_SECUREBITS",
		unix.PR_SET_TIMERSLACK: "PR_SET_TIMERSLACK", unix.PR_GET_TIMERSLACK: "PR_GET_TIMERSLACK",
		unix.PR_TASK_PERF_EVENTS_DISABLE: "PR_TASK_PERF_EVENTS_DISABLE",
		unix.PR_TASK_PERF_EVENTS_ENABLE:  "PR_TASK_PERF_EVENTS_ENABLE",
		unix.PR_MCE_KILL:                 "PR_MCE_KILL", unix.PR_MCE_KILL_GET: "PR_MCE_KILL_GET",
		unix.PR_SET_MM: "PR_SET_MM", unix.PR_SET_CHILD_SUBREAPER: "PR_SET_CHILD_SUBREAPER",
		unix.PR_GET_CHILD_SUBREAPER: "PR_GET_CHILD_SUBREAPER",
		unix.PR_SET_NO_NEW_PRIVS:    "PR_SET_NO_NEW_PRIVS", unix.PR_GET_NO_NEW_PRIVS: "PR_GET_NO_NEW_PRIVS",
		unix.PR_GET_TID_ADDRESS: "PR_GET_TID_ADDRESS", unix.PR_SET_THP_DISABLE: "PR_SET_THP_DISABLE",
		unix.PR_GET_THP_DISABLE: "PR_GET_THP_DISABLE", unix.PR_MPX_ENABLE_MANAGEMENT: "PR_MPX_ENABLE_MANAGEMENT",
		unix.PR_MPX_DISABLE_MANAGEMENT: "PR_MPX_DISABLE_MANAGEMENT",
		unix.PR_SET_FP_MODE:            "PR_SET_FP_MODE", unix.PR_GET_FP_MODE: "PR_GET_FP_MODE",
		unix.PR_CAP_AMBIENT: "PR_CAP_AMBIENT", unix.PR_SVE_SET_VL: "PR_SVE_SET_VL",
		unix.PR_SVE_GET_VL: "PR_SVE_GET_VL", unix.PR_GET_SPECULATION_CTRL: "PR_GET_SPECULATION_CTRL",
		unix.PR_SET_SPECULATION_CTRL: "PR_SET_SPECULATION_CTRL",
		unix.PR_PAC_RESET_KEYS:       "PR_PAC_RESET_KEYS", unix.PR_SET_TAGGED_ADDR_CTRL: "PR_SET_TAGGED_ADDR_CTRL",
		unix.PR_GET_TAGGED_ADDR_CTRL: "PR_GET_TAGGED_ADDR_CTRL",
		unix.PR_SET_IO_FLUSHER:       "PR_SET_IO_FLUSHER", unix.PR_GET_IO_FLUSHER: "PR_GET_IO_FLUSHER",
		unix.PR_SET_SYSCALL_USER_DISPATCH: "PR_SET_SYSCALL_USER_DISPATCH",
		unix.PR_PAC_SET_ENABLED_KEYS:      "PR_PAC_SET_ENABLED_KEYS",
		unix.PR_PAC_GET_ENABLED_KEYS:      "PR_PAC_GET_ENABLED_KEYS",
		unix.PR_SCHED_CORE:                "PR_SCHED_CORE", unix.PR_SET_MDWE: "PR_SET_MDWE",
		unix.PR_GET_MDWE: "PR_GET_MDWE", unix.PR_SET_VMA: "PR_SET_VMA",
		unix.PR_SET_PTRACER:      "PR_SET_PTRACER",
		unix.PR_GET_AUXV:         "PR_GET_AUXV",
		unix.PR_SET_MEMORY_MERGE: "PR_SET_MEMORY_MERGE", unix.PR_GET_MEMORY_MERGE: "PR_GET_MEMORY_MERGE",
		unix.PR_RISCV_V_SET_CONTROL:      "PR_RISCV_V_SET_CONTROL",
		unix.PR_RISCV_V_GET_CONTROL:      "PR_RISCV_V_GET_CONTROL",
		unix.PR_GET_SHADOW_STACK_STATUS:  "PR_GET_SHADOW_STACK_STATUS",
		unix.PR_SET_SHADOW_STACK_STATUS:  "PR_SET_SHADOW_STACK_STATUS",
		unix.PR_LOCK_SHADOW_STACK_STATUS: "PR_LOCK_SHADOW_STACK_STATUS",
	}
})

// arch_prctl(2) codes (arch/x86/include/uapi/asm/prctl.h).
const (
	ARCH_SET_GS               = 0x1001
	ARCH_SET_FS               = 0x1002
	ARCH_GET_FS               = 0x1003
	ARCH_GET_GS               = 0x1004
	ARCH_GET_CPUID            = 0x1011
	ARCH_SET_CPUID            = 0x1012
	ARCH_GET_XCOMP_SUPP       = 0x1021
	ARCH_GET_XCOMP_PERM       = 0x1022
	ARCH_REQ_XCOMP_PERM       = 0x1023
	ARCH_GET_XCOMP_GUEST_PERM = 0x1024
	ARCH_REQ_XCOMP_GUEST_PERM = 0x1025
	ARCH_XCOMP_TILECFG        = 17
	ARCH_XCOMP_TILEDATA       = 18
	ARCH_MAP_VDSO_X32         = 0x2001
	ARCH_MAP_VDSO_32          = 0x2002
	ARCH_MAP_VDSO_64          = 0x2003
	ARCH_GET_UNTAG_MASK       = 0x4001
	ARCH_ENABLE_TAGGED_ADDR   = 0x4002
	ARCH_GET_MAX_TAG_BITS     = 0x4003
	ARCH_FORCE_TAGGED_SVA     = 0x4004
	ARCH_SHSTK_ENABLE         = 0x5001
	ARCH_SHSTK_DISABLE        = 0x5002
	ARCH_SHSTK_LOCK           = 0x5003
	ARCH_SHSTK_UNLOCK         = 0x5004
	ARCH_SHSTK_STATUS         = 0x5005
)

// ArchPrctlCode returns the names of arch_prctl(2)'s code. glibc 2.36 also probes 0x3001
// (the withdrawn ARCH_CET_STATUS), which strace prints as unknown.
var ArchPrctlCode = sync.OnceValue(func() Enum {
	return Enum{
		ARCH_SET_GS: "ARCH_SET_GS", ARCH_SET_FS: "ARCH_SET_FS", ARCH_GET_FS: "ARCH_GET_FS",
		ARCH_GET_GS: "ARCH_GET_GS", ARCH_GET_CPUID: "ARCH_GET_CPUID",
		ARCH_SET_CPUID: "ARCH_SET_CPUID", ARCH_GET_XCOMP_SUPP: "ARCH_GET_XCOMP_SUPP",
		ARCH_GET_XCOMP_PERM: "ARCH_GET_XCOMP_PERM", ARCH_REQ_XCOMP_PERM: "ARCH_REQ_XCOMP_PERM",
		ARCH_GET_XCOMP_GUEST_PERM: "ARCH_GET_XCOMP_GUEST_PERM",
		ARCH_REQ_XCOMP_GUEST_PERM: "ARCH_REQ_XCOMP_GUEST_PERM",
		ARCH_MAP_VDSO_X32:         "ARCH_MAP_VDSO_X32", ARCH_MAP_VDSO_32: "ARCH_MAP_VDSO_32",
		ARCH_MAP_VDSO_64: "ARCH_MAP_VDSO_64", ARCH_GET_UNTAG_MASK: "ARCH_GET_UNTAG_MASK",
		ARCH_ENABLE_TAGGED_ADDR: "ARCH_ENABLE_TAGGED_ADDR",
		ARCH_GET_MAX_TAG_BITS:   "ARCH_GET_MAX_TAG_BITS", ARCH_FORCE_TAGGED_SVA: "ARCH_FORCE_TAGGED_SVA",
		ARCH_SHSTK_ENABLE: "ARCH_SHSTK_ENABLE", ARCH_SHSTK_DISABLE: "ARCH_SHSTK_DISABLE",
		ARCH_SHSTK_LOCK: "ARCH_SHSTK_LOCK", ARCH_SHSTK_UNLOCK: "ARCH_SHSTK_UNLOCK",
		ARCH_SHSTK_STATUS: "ARCH_SHSTK_STATUS",
	}
})

// futex(2) commands (include/uapi/linux/futex.h).
const (
	FUTEX_WAIT            = 0
	FUTEX_WAKE            = 1
	FUTEX_FD              = 2
	FUTEX_REQUEUE         = 3
	FUTEX_CMP_REQUEUE     = 4
	FUTEX_WAKE_OP         = 5
	FUTEX_LOCK_PI         = 6
	FUTEX_UNLOCK_PI       = 7
	FUTEX_TRYLOCK_PI      = 8
	FUTEX_WAIT_BITSET     = 9
	FUTEX_WAKE_BITSET     = 10
	FUTEX_WAIT_REQUEUE_PI = 11
	FUTEX_CMP_REQUEUE_PI  = 12
	FUTEX_LOCK_PI2        = 13
)

// Futex operation modifiers.
const (
	FUTEX_PRIVATE_FLAG   = 128
	FUTEX_CLOCK_REALTIME = 256
	FUTEX_CMD_MASK       = ^uint64(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
)

// Futex word bits for PI and robust futexes, and the bitset that matches
// every waiter.
const (
	FUTEX_WAITERS          = 0x80000000
	FUTEX_OWNER_DIED       = 0x40000000
	FUTEX_TID_MASK         = 0x3fffffff
	FUTEX_BITSET_MATCH_ANY = 0xffffffff
	// FUTEX2_SIZE_U32 is futex_waitv's flag for a 32-bit futex word.
	FUTEX2_SIZE_U32 = 0x02
)

// FutexCmd returns the names of the command part of futex(2)'s op.
var FutexCmd = sync.OnceValue(func() Enum {
	return Enum{
		FUTEX_WAIT: "FUTEX_WAIT", FUTEX_WAKE: "FUTEX_WAKE", FUTEX_FD: "FUTEX_FD", FUTEX_REQUEUE: "FUTEX_REQUEUE",
		FUTEX_CMP_REQUEUE: "FUTEX_CMP_REQUEUE", FUTEX_WAKE_OP: "FUTEX_WAKE_OP", FUTEX_LOCK_PI: "FUTEX_LOCK_PI",
		FUTEX_UNLOCK_PI: "FUTEX_UNLOCK_PI", FUTEX_TRYLOCK_PI: "FUTEX_TRYLOCK_PI", FUTEX_WAIT_BITSET: "FUTEX_WAIT_BITSET",
		FUTEX_WAKE_BITSET: "FUTEX_WAKE_BITSET", FUTEX_WAIT_REQUEUE_PI: "FUTEX_WAIT_REQUEUE_PI", FUTEX_CMP_REQUEUE_PI: "FUTEX_CMP_REQUEUE_PI",
		FUTEX_LOCK_PI2: "FUTEX_LOCK_PI2",
	}
})

// FormatFutexOp renders futex(2)'s op as strace does: the command with a
// "_PRIVATE" suffix when FUTEX_PRIVATE_FLAG is set, then
// "|FUTEX_CLOCK_REALTIME" ("FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME").
func FormatFutexOp(op uint64) string {
	cmd := op & FUTEX_CMD_MASK
	name, ok := FutexCmd()[cmd]
	if !ok {
		return FormatEnum(nil, op)
	}
	if op&FUTEX_PRIVATE_FLAG != 0 {
		name += "_PRIVATE"
	}
	if op&FUTEX_CLOCK_REALTIME != 0 {
		name += "|FUTEX_CLOCK_REALTIME"
	}
	return name
}
