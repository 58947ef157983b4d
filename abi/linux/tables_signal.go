package linux

import (
	"sync"

	"golang.org/x/sys/unix"
)

// SigHow returns the names of rt_sigprocmask(2)'s how.
var SigHow = sync.OnceValue(func() Enum {
	return Enum{
		unix.SIG_BLOCK: "SIG_BLOCK", unix.SIG_UNBLOCK: "SIG_UNBLOCK", unix.SIG_SETMASK: "SIG_SETMASK",
	}
})

// sigaction sa_flags bits (x86-64 values).
const (
	SA_NOCLDSTOP      = 0x1
	SA_NOCLDWAIT      = 0x2
	SA_SIGINFO        = 0x4
	SA_UNSUPPORTED    = 0x400
	SA_EXPOSE_TAGBITS = 0x800
	SA_RESTORER       = 0x04000000
	SA_ONSTACK        = 0x08000000
	SA_RESTART        = 0x10000000
	SA_NODEFER        = 0x40000000
	SA_RESETHAND      = 0x80000000
)

// SaFlags is struct sigaction's sa_flags, in strace's print order.
var SaFlags = FlagSet{
	{Name: "SA_RESTORER", Value: SA_RESTORER},
	{Name: "SA_ONSTACK", Value: SA_ONSTACK},
	{Name: "SA_RESTART", Value: SA_RESTART},
	{Name: "SA_NODEFER", Value: SA_NODEFER},
	{Name: "SA_RESETHAND", Value: SA_RESETHAND},
	{Name: "SA_SIGINFO", Value: SA_SIGINFO},
	{Name: "SA_NOCLDSTOP", Value: SA_NOCLDSTOP},
	{Name: "SA_NOCLDWAIT", Value: SA_NOCLDWAIT},
	{Name: "SA_UNSUPPORTED", Value: SA_UNSUPPORTED},
	{Name: "SA_EXPOSE_TAGBITS", Value: SA_EXPOSE_TAGBITS},
}

// Special sa_handler values.
const (
	SIG_DFL = 0
	SIG_IGN = 1
)

// SigHandler returns the names of the special sa_handler values.
var SigHandler = sync.OnceValue(func() Enum { return Enum{SIG_DFL: "SIG_DFL", SIG_IGN: "SIG_IGN"} })

// struct sigevent's sigev_notify values.
const (
	SIGEV_SIGNAL    = 0
	SIGEV_NONE      = 1
	SIGEV_THREAD    = 2
	SIGEV_THREAD_ID = 4
)

// stack_t's ss_flags bits, and the smallest alternate stack sigaltstack
// accepts.
const (
	SS_ONSTACK    = 1
	SS_DISABLE    = 2
	SS_AUTODISARM = 1 << 31
	MINSIGSTKSZ   = 2048
)

// SigaltstackFlags is stack_t's ss_flags.
var SigaltstackFlags = FlagSet{
	{Name: "SS_ONSTACK", Value: SS_ONSTACK},
	{Name: "SS_DISABLE", Value: SS_DISABLE},
	{Name: "SS_AUTODISARM", Value: SS_AUTODISARM},
}

// SignalfdFlags is signalfd4(2)'s flags word.
var SignalfdFlags = FlagSet{
	{Name: "SFD_CLOEXEC", Value: unix.SFD_CLOEXEC},
	{Name: "SFD_NONBLOCK", Value: unix.SFD_NONBLOCK},
}
