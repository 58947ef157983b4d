package linux

import "sync"

import "strconv"

// Generic si_code values (include/uapi/asm-generic/siginfo.h).
const (
	SI_USER     = 0
	SI_KERNEL   = 0x80
	SI_QUEUE    = -1
	SI_TIMER    = -2
	SI_MESGQ    = -3
	SI_ASYNCIO  = -4
	SI_SIGIO    = -5
	SI_TKILL    = -6
	SI_DETHREAD = -7
	SI_ASYNCNL  = -60
)

// Fault si_code values used most often by the kernel core.
const (
	SEGV_MAPERR = 1
	SEGV_ACCERR = 2
	BUS_ADRALN  = 1
	BUS_ADRERR  = 2
	BUS_OBJERR  = 3
	ILL_ILLOPC  = 1
	ILL_ILLOPN  = 2
	FPE_INTDIV  = 1
	TRAP_BRKPT  = 1
	TRAP_TRACE  = 2
	CLD_EXITED  = 1
	CLD_KILLED  = 2
	CLD_DUMPED  = 3
	CLD_STOPPED = 5
	// CLD_CONTINUED is a SIGCHLD's si_code for a child resumed by SIGCONT.
	CLD_CONTINUED = 6
	SYS_SECCOMP   = 1
	// SYS_USER_DISPATCH is the si_code of a SIGSYS raised by Syscall User
	// Dispatch.
	SYS_USER_DISPATCH = 2
)

var genericSigCodes = sync.OnceValue(func() map[int]string {
	return map[int]string{
		SI_USER: "SI_USER", SI_KERNEL: "SI_KERNEL", SI_QUEUE: "SI_QUEUE",
		SI_TIMER: "SI_TIMER", SI_MESGQ: "SI_MESGQ", SI_ASYNCIO: "SI_ASYNCIO",
		SI_SIGIO: "SI_SIGIO", SI_TKILL: "SI_TKILL", SI_DETHREAD: "SI_DETHREAD",
		SI_ASYNCNL: "SI_ASYNCNL",
	}
})

// perSignalSigCodes holds the positive si_code values whose meaning depends
// on the signal.
var perSignalSigCodes = sync.OnceValue(func() map[int]map[int]string {
	return map[int]map[int]string{
		4: { // SIGILL
			1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP",
			5: "ILL_PRVOPC", 6: "ILL_PRVREG", 7: "ILL_COPROC", 8: "ILL_BADSTK",
			9: "ILL_BADIADDR",
		},
		5: { // SIGTRAP
			1: "TRAP_BRKPT", 2: "TRAP_TRACE", 3: "TRAP_BRANCH", 4: "TRAP_HWBKPT",
			5: "TRAP_UNK", 6: "TRAP_PERF",
		},
		7: { // SIGBUS
			1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR", 4: "BUS_MCEERR_AR",
			5: "BUS_MCEERR_AO",
		},
		8: { // SIGFPE
			1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV", 4: "FPE_FLTOVF",
			5: "FPE_FLTUND", 6: "FPE_FLTRES", 7: "FPE_FLTINV", 8: "FPE_FLTSUB",
			14: "FPE_FLTUNK", 15: "FPE_CONDTRAP",
		},
		11: { // SIGSEGV
			1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR",
			5: "SEGV_ACCADI", 6: "SEGV_ADIDERR", 7: "SEGV_ADIPERR", 8: "SEGV_MTEAERR",
			9: "SEGV_MTESERR", 10: "SEGV_CPERR",
		},
		17: { // SIGCHLD
			1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED",
			5: "CLD_STOPPED", 6: "CLD_CONTINUED",
		},
		29: { // SIGIO / SIGPOLL
			1: "POLL_IN", 2: "POLL_OUT", 3: "POLL_MSG", 4: "POLL_ERR", 5: "POLL_PRI",
			6: "POLL_HUP",
		},
		31: { // SIGSYS
			1: "SYS_SECCOMP", 2: "SYS_USER_DISPATCH",
		},
	}
})

// SigCodeName returns the name of si_code code for signal sig
// ("SEGV_MAPERR" for SIGSEGV/1, "SI_USER" for any signal/0), or the decimal
// code when it has no name.
func SigCodeName(sig, code int) string {
	if code > 0 && code < SI_KERNEL {
		if name, ok := perSignalSigCodes()[sig][code]; ok {
			return name
		}
		return strconv.Itoa(code)
	}
	if name, ok := genericSigCodes()[code]; ok {
		return name
	}
	return strconv.Itoa(code)
}
