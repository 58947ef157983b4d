package process

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/posix/creds"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_EXIT, shim.Full, "ends the calling thread; the last one ends the process", sysExit)
	tb.Register(unix.SYS_EXIT_GROUP, shim.Full, "", sysExitGroup)
	tb.Register(unix.SYS_GETPID, shim.Full, "", func(t *kernel.Task, a shim.Args) (uint64, error) { return uint64(t.Process().PID), nil })
	tb.Register(unix.SYS_GETPPID, shim.Full, "the first process's parent is elfloader's; an orphan's is its reaper's (a subreaper ancestor or the first process)", func(t *kernel.Task, a shim.Args) (uint64, error) { return uint64(t.Process().PPID()), nil })
	tb.Register(unix.SYS_GETTID, shim.Full, "", func(t *kernel.Task, a shim.Args) (uint64, error) { return uint64(t.TID), nil })
	registerExec(tb)
	registerGroups(tb)
	registerPidfd(tb)
	registerVM(tb)
	registerIoprio(tb)
	registerPidMM(tb)
	registerSeccomp(tb)
	registerPersonality(tb)
	registerKcmp(tb)
	tb.Register(unix.SYS_SET_TID_ADDRESS, shim.Full, "the address is cleared and woken at thread exit", sysSetTidAddress)
	tb.Register(unix.SYS_SET_ROBUST_LIST, shim.Full, "walked at thread exit: owned futexes get FUTEX_OWNER_DIED and a waiter is woken", sysSetRobustList)
	tb.Register(unix.SYS_GET_ROBUST_LIST, shim.Full, "any thread, with ptrace's access rule", sysGetRobustList)
	tb.Register(unix.SYS_RSEQ, shim.Stub, "answers ENOSYS: restartable sequences are not provided; glibc and others fall back", func(t *kernel.Task, a shim.Args) (uint64, error) { return 0, unix.ENOSYS })
	tb.Register(unix.SYS_PRLIMIT64, shim.Full, "limits are recorded per process; another process with Linux's permission rule", sysPrlimit)
	tb.Register(unix.SYS_GETRLIMIT, shim.Full, "", sysGetrlimit)
	tb.Register(unix.SYS_SETRLIMIT, shim.Full, "", sysSetrlimit)
	tb.Register(unix.SYS_ARCH_PRCTL, shim.Partial, "ARCH_SET_FS/GET_FS, ARCH_GET_GS, ARCH_GET_XCOMP_SUPP/PERM and ARCH_REQ_XCOMP_PERM (AMX); ARCH_SET_GS is refused (the GS base belongs to the platform), CET queries answer EINVAL", sysArchPrctl)
	tb.Register(unix.SYS_PRCTL, shim.Partial, "PR_SET_NAME/GET_NAME, PR_GET_DUMPABLE/SET_DUMPABLE, PR_SET_PDEATHSIG/GET_PDEATHSIG, PR_SET_CHILD_SUBREAPER/GET (orphans go to the nearest subreaper ancestor), PR_SET_NO_NEW_PRIVS/GET, PR_SET_SECCOMP/GET_SECCOMP (as seccomp(2)), PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, PR_GET/SET_SECUREBITS, PR_GET/SET_KEEPCAPS; others EINVAL", sysPrctl)
}

func sysExit(t *kernel.Task, a shim.Args) (uint64, error) {
	t.ExitThread(a.Int(0))
	return 0, nil
}

func sysExitGroup(t *kernel.Task, a shim.Args) (uint64, error) {
	t.ExitGroup(a.Int(0))
	return 0, nil
}

func sysSetTidAddress(t *kernel.Task, a shim.Args) (uint64, error) {
	t.ClearChildTID = a[0]
	return uint64(t.TID), nil
}

func sysSetRobustList(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[1] != linux.SizeofRobustListHead {
		return 0, unix.EINVAL
	}
	t.RobustList, t.RobustLen = a[0], a[1]
	return 0, nil
}

func sysGetRobustList(t *kernel.Task, a shim.Args) (uint64, error) {
	target := t
	if tid := a.Int(0); tid != 0 && tid != t.TID {
		target = t.Kernel().TaskByTID(tid)
		if target == nil {
			return 0, unix.ESRCH
		}
		if !t.Process().MayPtrace(target.Process()) {
			return 0, unix.EPERM
		}
	}
	// Like Linux: the length is always the size of the list head, and it
	// is written before the head.
	if err := kernel.CopyOutValue(t, a[2], uint64(linux.SizeofRobustListHead)); err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutValue(t, a[1], target.RobustList)
}

const rlimNlimits = 16

func sysPrlimit(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, res := a.Int(0), a.Int(1)
	if res < 0 || res >= rlimNlimits {
		return 0, unix.EINVAL
	}
	p := t.Process()
	if pid != 0 && pid != p.PID {
		if p = t.Kernel().ProcessByPID(pid); p == nil {
			return 0, unix.ESRCH
		}
		if !mayPrlimit(t, p) {
			return 0, unix.EPERM
		}
	}
	return 0, getSetRlimit(t, p, res, a[2], a[3])
}

// mayPrlimit is Linux's check_prlimit_permission: the caller's real ID
// matches every user and group ID of the target, or CAP_SYS_RESOURCE.
func mayPrlimit(t *kernel.Task, target *kernel.Process) bool {
	c, tc := t.Process().Creds(), target.Creds()
	if c.HasCap(kernel.CapSysResource) {
		return true
	}
	return c.RUID == tc.EUID && c.RUID == tc.SUID && c.RUID == tc.RUID &&
		c.RGID == tc.EGID && c.RGID == tc.SGID && c.RGID == tc.RGID
}

func sysGetrlimit(t *kernel.Task, a shim.Args) (uint64, error) {
	res := a.Int(0)
	if res < 0 || res >= rlimNlimits {
		return 0, unix.EINVAL
	}
	// Unlike prlimit64's, getrlimit's pointer is not optional.
	if a[1] == 0 {
		return 0, unix.EFAULT
	}
	return 0, getSetRlimit(t, t.Process(), res, 0, a[1])
}

func sysSetrlimit(t *kernel.Task, a shim.Args) (uint64, error) {
	res := a.Int(0)
	if res < 0 || res >= rlimNlimits {
		return 0, unix.EINVAL
	}
	if a[1] == 0 {
		return 0, unix.EFAULT
	}
	return 0, getSetRlimit(t, t.Process(), res, a[1], 0)
}

func getSetRlimit(t *kernel.Task, p *kernel.Process, res int, newAddr, oldAddr uint64) error {
	var nl kernel.Rlimit
	if newAddr != 0 {
		var rl unix.Rlimit // struct rlimit64: two u64
		if err := kernel.CopyInStruct(t, newAddr, &rl); err != nil {
			return err
		}
		nl = kernel.Rlimit{Cur: rl.Cur, Max: rl.Max}
		if nl.Cur > nl.Max {
			return unix.EINVAL
		}
	}
	old := p.Rlimit(res)
	if oldAddr != 0 {
		if err := kernel.CopyOutValue(t, oldAddr, unix.Rlimit{Cur: old.Cur, Max: old.Max}); err != nil {
			return err
		}
	}
	if newAddr != 0 {
		if nl.Max > old.Max && !t.Process().HasCap(kernel.CapSysResource) {
			return unix.EPERM
		}
		p.SetRlimit(res, nl)
	}
	return nil
}

const (
	archSetGS = 0x1001
	archSetFS = 0x1002
	archGetFS = 0x1003
	archGetGS = 0x1004
	// Dynamically enabled extended features (AMX), Linux 5.16+.
	archGetXCompSupp = 0x1021
	archGetXCompPerm = 0x1022
	archReqXCompPerm = 0x1023
)

func sysArchPrctl(t *kernel.Task, a shim.Args) (uint64, error) {
	r := t.Regs()
	switch a[0] {
	case archSetFS:
		if a[1] >= 1<<47 {
			return 0, unix.EPERM
		}
		r.FsBase = a[1]
		return 0, nil
	case archGetFS:
		return 0, kernel.CopyOutValue(t, a[1], r.FsBase)
	case archGetGS:
		var b [8]byte
		return 0, t.CopyOut(a[1], b[:])
	case archSetGS:
		return 0, unix.EPERM
	case archGetXCompSupp:
		supported, _ := t.Kernel().Platform().XFeatures()
		return 0, kernel.CopyOutStruct(t, a[1], &supported)
	case archGetXCompPerm:
		perm := t.Process().XFeaturePerm()
		return 0, kernel.CopyOutStruct(t, a[1], &perm)
	case archReqXCompPerm:
		if a[1] >= 64 {
			return 0, unix.EINVAL
		}
		return 0, t.Process().PermitXFeature(int(a[1]))
	}
	return 0, unix.EINVAL
}

func sysPrctl(t *kernel.Task, a shim.Args) (uint64, error) {
	switch a.Int(0) {
	case unix.PR_SET_NAME:
		name, err := t.CopyInString(a[1], 16)
		if err == unix.ENAMETOOLONG {
			var b [15]byte
			if err := t.CopyIn(a[1], b[:]); err != nil {
				return 0, err
			}
			name, err = string(b[:]), nil
		}
		if err != nil {
			return 0, err
		}
		t.Name = name
		return 0, nil
	case unix.PR_GET_NAME:
		var b [16]byte
		copy(b[:15], t.Comm())
		return 0, t.CopyOut(a[1], b[:])
	case unix.PR_GET_DUMPABLE:
		return 1, nil
	case unix.PR_SET_DUMPABLE:
		if a[1] > 1 {
			return 0, unix.EINVAL
		}
		return 0, nil
	case unix.PR_SET_PDEATHSIG:
		if a[1] > 64 {
			return 0, unix.EINVAL
		}
		t.PdeathSig.Store(int32(a[1]))
		return 0, nil
	case unix.PR_GET_PDEATHSIG:
		return 0, kernel.CopyOutValue(t, a[1], t.PdeathSig.Load())
	case unix.PR_SET_CHILD_SUBREAPER:
		t.Process().SetChildSubreaper(a[1] != 0)
		return 0, nil
	case unix.PR_GET_CHILD_SUBREAPER:
		var on int32
		if t.Process().ChildSubreaper() {
			on = 1
		}
		return 0, kernel.CopyOutValue(t, a[1], on)
	case unix.PR_SET_NO_NEW_PRIVS:
		if a[1] != 1 {
			return 0, unix.EINVAL
		}
		t.Process().NoNewPrivs = true
		return 0, nil
	case unix.PR_SET_SECCOMP:
		return prctlSetSeccomp(t, a[1], a[2])
	case unix.PR_GET_SECCOMP:
		return uint64(t.SeccompMode()), nil
	case unix.PR_GET_NO_NEW_PRIVS:
		if t.Process().NoNewPrivs {
			return 1, nil
		}
		return 0, nil
	}
	if ret, err, handled := creds.Prctl(t, a); handled {
		return ret, err
	}
	return 0, unix.EINVAL
}
