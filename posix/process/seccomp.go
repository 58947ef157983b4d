package process

// seccomp(2) and prctl(PR_SET_SECCOMP, PR_GET_SECCOMP): the app's own
// filters, kept and evaluated by elfloader's kernel (kernel/seccomp.go,
// kernel/seccomp), never installed on the host.

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/kernel/seccomp"
	"github.com/elfloader/elfloader/shim"
)

// seccomp(2) operations and filter flags (linux/seccomp.h).
const (
	seccompSetModeStrict   = 0
	seccompSetModeFilter   = 1
	seccompGetActionAvail  = 2
	seccompGetNotifSizes   = 3
	flagTSYNC              = 1 << 0
	flagLog                = 1 << 1
	flagSpecAllow          = 1 << 2
	flagNewListener        = 1 << 3
	flagTSYNCESRCH         = 1 << 4
	flagWaitKillableRecv   = 1 << 5
	seccompFilterFlagsMask = flagTSYNC | flagLog | flagSpecAllow | flagNewListener | flagTSYNCESRCH | flagWaitKillableRecv
)

// The sizes SECCOMP_GET_NOTIF_SIZES reports: struct seccomp_notif,
// struct seccomp_notif_resp, struct seccomp_data.
const (
	sizeofSeccompNotif     = 80
	sizeofSeccompNotifResp = 24
)

func registerSeccomp(tb *shim.Table) {
	tb.Register(unix.SYS_SECCOMP, shim.Partial, "SET_MODE_STRICT, SET_MODE_FILTER (classic BPF validated as Linux, evaluated by elfloader before every call of the thread, int $0x80 with AUDIT_ARCH_I386; filters stack, are inherited and kept across execve; flags TSYNC, TSYNC_ESRCH, LOG, SPEC_ALLOW; every action incl. TRAP's SIGSYS fields), GET_ACTION_AVAIL, GET_NOTIF_SIZES; NEW_LISTENER answers EINVAL (no user-notification listener: USER_NOTIF answers ENOSYS as Linux without one; TRACE answers ENOSYS, no ptrace tracer)", sysSeccomp)
}

func sysSeccomp(t *kernel.Task, a shim.Args) (uint64, error) {
	return doSeccomp(t, uint32(a[0]), uint32(a[1]), a[2])
}

// doSeccomp is Linux's do_seccomp.
func doSeccomp(t *kernel.Task, op, flags uint32, uargs uint64) (uint64, error) {
	switch op {
	case seccompSetModeStrict:
		if flags != 0 || uargs != 0 {
			return 0, unix.EINVAL
		}
		return 0, t.SetSeccompStrict()
	case seccompSetModeFilter:
		return setModeFilter(t, flags, uargs)
	case seccompGetActionAvail:
		if flags != 0 {
			return 0, unix.EINVAL
		}
		var action uint32
		if err := kernel.CopyInStruct(t, uargs, &action); err != nil {
			return 0, err
		}
		if !seccomp.ActionKnown(action) {
			return 0, unix.EOPNOTSUPP
		}
		return 0, nil
	case seccompGetNotifSizes:
		if flags != 0 {
			return 0, unix.EINVAL
		}
		return 0, kernel.CopyOutValue(t, uargs, [3]uint16{sizeofSeccompNotif, sizeofSeccompNotifResp, seccomp.DataSize})
	}
	return 0, unix.EINVAL
}

// setModeFilter is Linux's seccomp_set_mode_filter, in its order of
// checks: the flags, the program's length, the no_new_privs or
// CAP_SYS_ADMIN rule, the program, the thread's mode, the chain's length,
// TSYNC.
func setModeFilter(t *kernel.Task, flags uint32, uargs uint64) (uint64, error) {
	if flags&^seccompFilterFlagsMask != 0 {
		return 0, unix.EINVAL
	}
	if flags&flagTSYNC != 0 && flags&flagNewListener != 0 && flags&flagTSYNCESRCH == 0 {
		return 0, unix.EINVAL
	}
	if flags&flagWaitKillableRecv != 0 && flags&flagNewListener == 0 {
		return 0, unix.EINVAL
	}
	var fprog [16]byte // struct sock_fprog: unsigned short len; struct sock_filter *filter
	if err := t.CopyIn(uargs, fprog[:]); err != nil {
		return 0, unix.EFAULT
	}
	n := int(binary.LittleEndian.Uint16(fprog[0:]))
	if n == 0 || n > seccomp.MaxInsns {
		return 0, unix.EINVAL
	}
	if err := t.SeccompMayFilter(); err != nil {
		return 0, err
	}
	raw := make([]byte, n*seccomp.InsnSize)
	if err := t.CopyIn(binary.LittleEndian.Uint64(fprog[8:]), raw); err != nil {
		return 0, unix.EFAULT
	}
	prog := seccomp.Decode(raw)
	if err := seccomp.Validate(prog); err != nil {
		return 0, unix.EINVAL
	}
	if flags&flagNewListener != 0 {
		// No user-notification listener is provided.
		return 0, unix.EINVAL
	}
	var kflags uint32
	if flags&flagTSYNC != 0 {
		kflags |= kernel.SeccompFlagTSYNC
	}
	if flags&flagTSYNCESRCH != 0 {
		kflags |= kernel.SeccompFlagTSYNCESRCH
	}
	if flags&flagLog != 0 {
		kflags |= kernel.SeccompFlagLog
	}
	// SPEC_ALLOW: accepted; elfloader changes no speculation mitigation.
	tid, err := t.AddSeccompFilter(prog, kflags)
	return uint64(tid), err
}

// prctlSetSeccomp is PR_SET_SECCOMP: strict mode (the filter argument
// ignored) or a filter without flags.
func prctlSetSeccomp(t *kernel.Task, mode, filter uint64) (uint64, error) {
	switch mode {
	case seccomp.ModeStrict:
		return doSeccomp(t, seccompSetModeStrict, 0, 0)
	case seccomp.ModeFilter:
		return doSeccomp(t, seccompSetModeFilter, 0, filter)
	}
	return 0, unix.EINVAL
}
