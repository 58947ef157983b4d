package strace

import (
	"fmt"
	"strconv"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

// siginfo_t field offsets on x86-64.
const (
	siSigno  = 0
	siCode   = 8
	siPid    = 16 // kill, rt, child: sender pid
	siUID    = 20
	siStatus = 24 // child
	siUtime  = 32
	siStime  = 40
	siAddr   = 16 // faults
	siTimer  = 16 // timer id
	siOver   = 20 // timer overrun
	siValue  = 24 // rt and timer: sigval
)

// SignalLine returns strace's line for a delivered signal, without the
// newline: "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---".
// si is the kernel's 128-byte siginfo_t.
func SignalLine(si []byte) string {
	if len(si) < 48 {
		return "--- ? ---"
	}
	sig := int(int32(le.Uint32(si[siSigno:])))
	return "--- " + linux.SignalName(sig) + " " + formatSiginfo(sig, si) + " ---"
}

func formatSiginfo(sig int, si []byte) string {
	code := int(int32(le.Uint32(si[siCode:])))
	head := "{si_signo=" + linux.SignalName(sig) + ", si_code=" + linux.SigCodeName(sig, code)
	i32 := func(off int) string { return strconv.FormatInt(int64(int32(le.Uint32(si[off:]))), 10) }
	sender := ", si_pid=" + i32(siPid) + ", si_uid=" + strconv.FormatUint(uint64(le.Uint32(si[siUID:])), 10)
	value := func() string {
		v := le.Uint64(si[siValue:])
		return ", si_value={int=" + strconv.FormatInt(int64(int32(v)), 10) + ", ptr=" + pointer(v) + "}"
	}
	switch {
	case code == linux.SI_USER || code == linux.SI_TKILL:
		return head + sender + "}"
	case code == linux.SI_QUEUE || code == linux.SI_MESGQ:
		return head + sender + value() + "}"
	case code == linux.SI_TIMER:
		return head + ", si_timerid=" + i32(siTimer) + ", si_overrun=" + i32(siOver) + value() + "}"
	case code <= 0 || code >= linux.SI_KERNEL:
		return head + "}"
	}
	switch unix.Signal(sig) {
	case unix.SIGCHLD:
		status := i32(siStatus)
		if code != linux.CLD_EXITED {
			status = linux.SignalName(int(int32(le.Uint32(si[siStatus:]))))
		}
		return fmt.Sprintf("%s%s, si_status=%s, si_utime=%d, si_stime=%d}", head, sender, status,
			int64(le.Uint64(si[siUtime:])), int64(le.Uint64(si[siStime:])))
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGILL, unix.SIGFPE, unix.SIGTRAP:
		return head + ", si_addr=" + pointer(le.Uint64(si[siAddr:])) + "}"
	}
	return head + "}"
}

// ExitLine returns strace's line for a task that ended with wait status
// status: "+++ exited with 0 +++" or "+++ killed by SIGSEGV +++".
func ExitLine(status int) string {
	s := unix.WaitStatus(status)
	if s.Signaled() {
		core := ""
		if s.CoreDump() {
			core = " (core dumped)"
		}
		return "+++ killed by " + linux.SignalName(int(s.Signal())) + core + " +++"
	}
	return "+++ exited with " + strconv.Itoa(s.ExitStatus()) + " +++"
}
