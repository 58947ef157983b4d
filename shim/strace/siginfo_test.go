package strace

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

func siginfo(signo, code int32, fields map[int]uint64) []byte {
	b := make([]byte, 128)
	binary.LittleEndian.PutUint32(b[0:], uint32(signo))
	binary.LittleEndian.PutUint32(b[8:], uint32(code))
	for off, v := range fields {
		binary.LittleEndian.PutUint64(b[off:], v)
	}
	return b
}

func TestSignalLine(t *testing.T) {
	cases := []struct {
		si   []byte
		want string
	}{
		{siginfo(int32(unix.SIGCHLD), 1, map[int]uint64{16: 42, 24: 3}),
			"--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---"},
		{siginfo(int32(unix.SIGCHLD), 2, map[int]uint64{16: 42, 24: uint64(unix.SIGKILL)}),
			"--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=42, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0} ---"},
		{siginfo(int32(unix.SIGSEGV), 1, nil),
			"--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---"},
		{siginfo(int32(unix.SIGINT), 0, map[int]uint64{16: 7}),
			"--- SIGINT {si_signo=SIGINT, si_code=SI_USER, si_pid=7, si_uid=0} ---"},
		{siginfo(int32(unix.SIGALRM), 0x80, nil),
			"--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---"},
	}
	for _, tc := range cases {
		if got := SignalLine(tc.si); got != tc.want {
			t.Errorf("SignalLine:\n got  %s\n want %s", got, tc.want)
		}
	}
}

func TestExitLine(t *testing.T) {
	for status, want := range map[int]string{
		0:                        "+++ exited with 0 +++",
		3 << 8:                   "+++ exited with 3 +++",
		int(unix.SIGSEGV):        "+++ killed by SIGSEGV +++",
		int(unix.SIGABRT) | 0x80: "+++ killed by SIGABRT (core dumped) +++",
	} {
		if got := ExitLine(status); got != want {
			t.Errorf("ExitLine(%#x) = %q, want %q", status, got, want)
		}
	}
}
