package linux

import (
	"strconv"
	"strings"
	"sync"
)

// Signal numbering on x86-64 Linux.
const (
	// NumSignals is the number of signals (1..NumSignals are valid).
	NumSignals = 64
	// SigRTMin is the kernel's first real-time signal. glibc reserves
	// 32 and 33 for itself and reports SIGRTMIN as 34.
	SigRTMin = 32
	// SigRTMax is the last real-time signal.
	SigRTMax = 64
)

// signalNames holds the names of the standard signals 1..31; index 0 is
// unused. SIGIOT, SIGPOLL, SIGCLD and SIGUNUSED are aliases accepted by
// SignalNumber but never printed.
var signalNames = [SigRTMin]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
	6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
	11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
	16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
	21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
	31: "SIGSYS",
}

var signalAliases = sync.OnceValue(func() map[string]int {
	return map[string]int{
		"SIGIOT": 6, "SIGPOLL": 29, "SIGCLD": 17, "SIGUNUSED": 31,
	}
})

// SignalName returns the name strace prints for sig: "SIGSEGV" for the
// standard signals, "SIGRTMIN" for 32 and "SIGRT_n" (n = sig-32) for the
// other real-time signals, and the decimal number otherwise.
func SignalName(sig int) string {
	switch {
	case sig > 0 && sig < SigRTMin:
		return signalNames[sig]
	case sig == SigRTMin:
		return "SIGRTMIN"
	case sig > SigRTMin && sig <= SigRTMax:
		return "SIGRT_" + strconv.Itoa(sig-SigRTMin)
	}
	return strconv.Itoa(sig)
}

// SignalNumber parses a signal name with or without the "SIG" prefix
// ("SEGV", "SIGSEGV", "RTMIN", "SIGRT_2", "RTMIN+2") or a decimal number.
func SignalNumber(name string) (int, bool) {
	upper := strings.ToUpper(strings.TrimSpace(name))
	if n, err := strconv.Atoi(upper); err == nil {
		return n, n > 0 && n <= NumSignals
	}
	if !strings.HasPrefix(upper, "SIG") {
		upper = "SIG" + upper
	}
	for sig := 1; sig < SigRTMin; sig++ {
		if signalNames[sig] == upper {
			return sig, true
		}
	}
	if sig, ok := signalAliases()[upper]; ok {
		return sig, true
	}
	if upper == "SIGRTMIN" {
		return SigRTMin, true
	}
	if upper == "SIGRTMAX" {
		return SigRTMax, true
	}
	for _, prefix := range []string{"SIGRT_", "SIGRTMIN+"} {
		if rest, ok := strings.CutPrefix(upper, prefix); ok {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 || SigRTMin+n > SigRTMax {
				return 0, false
			}
			return SigRTMin + n, true
		}
	}
	return 0, false
}
