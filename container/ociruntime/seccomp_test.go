package ociruntime

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/shim"
)

func TestSeccompActions(t *testing.T) {
	eacces := uint(unix.EACCES)
	sc, notes, err := newSeccomp(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"getpid", "arm_fadvise64_64"}, Action: specs.ActAllow},
		{Names: []string{"chmod"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o700, ValueTwo: 0o700, Op: specs.OpMaskedEqual}}},
		{Names: []string{"chmod"}, Action: specs.ActErrno, ErrnoRet: &eacces, Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o7000, Op: specs.OpGreaterEqual}}},
		{Names: []string{"kill"}, Action: specs.ActKillProcess},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 {
		t.Errorf("notes %q, want one for the kill action", notes)
	}
	for _, c := range []struct {
		nr   uint64
		args shim.Args
		want specs.LinuxSeccompAction
		errn unix.Errno
	}{
		{unix.SYS_GETPID, shim.Args{}, specs.ActAllow, 0},
		{unix.SYS_GETUID, shim.Args{}, specs.ActErrno, unix.EPERM},
		{unix.SYS_CHMOD, shim.Args{0, 0o755}, specs.ActAllow, 0},
		{unix.SYS_CHMOD, shim.Args{0, 0o644}, specs.ActErrno, unix.EPERM},   // no rule matches: the default
		{unix.SYS_CHMOD, shim.Args{0, 0o7755}, specs.ActErrno, unix.EACCES}, // both match: errno wins over allow
		{unix.SYS_KILL, shim.Args{}, specs.ActKillProcess, unix.EPERM},
	} {
		a := sc.action(c.nr, c.args)
		if a.kind != c.want || c.errn != 0 && a.errno != c.errn {
			t.Errorf("syscall %d %v: %+v, want %s %v", c.nr, c.args[:2], a, c.want, c.errn)
		}
	}
	if _, _, err := newSeccomp(&specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_BOGUS"}); err == nil {
		t.Errorf("an unknown action was accepted")
	}
	if _, _, err := newSeccomp(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"read"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}); err == nil {
		t.Errorf("argument index 6 was accepted")
	}
}
