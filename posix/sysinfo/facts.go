package sysinfo

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Process facts the app sets for itself: host and domain names (the app's
// own UTS namespace), nice values and scheduling policies (recorded with
// Linux's rules; the host threads keep the host's scheduling).
func registerFacts(tb *shim.Table) {
	tb.Register(unix.SYS_SETHOSTNAME, shim.Full, "the app's own host name (uname, /proc/sys/kernel/hostname); needs CAP_SYS_ADMIN", sysSethostname)
	tb.Register(unix.SYS_SETDOMAINNAME, shim.Full, "the app's own domain name; needs CAP_SYS_ADMIN", sysSetdomainname)
	const recorded = "per process, with Linux's ranges and permission rules; recorded, not applied to the host threads"
	tb.Register(unix.SYS_GETPRIORITY, shim.Partial, recorded+"; PRIO_PGRP treats each process as its own group", sysGetpriority)
	tb.Register(unix.SYS_SETPRIORITY, shim.Partial, recorded+"; PRIO_PGRP treats each process as its own group", sysSetpriority)
	tb.Register(unix.SYS_SCHED_GET_PRIORITY_MAX, shim.Full, "", sysSchedGetPriorityMax)
	tb.Register(unix.SYS_SCHED_GET_PRIORITY_MIN, shim.Full, "", sysSchedGetPriorityMin)
	tb.Register(unix.SYS_SCHED_GETSCHEDULER, shim.Partial, recorded, sysSchedGetscheduler)
	tb.Register(unix.SYS_SCHED_SETSCHEDULER, shim.Partial, recorded, sysSchedSetscheduler)
	tb.Register(unix.SYS_SCHED_GETPARAM, shim.Partial, recorded, sysSchedGetparam)
	tb.Register(unix.SYS_SCHED_SETPARAM, shim.Partial, recorded, sysSchedSetparam)
	registerSchedAttr(tb)
	tb.Register(unix.SYS_SCHED_RR_GET_INTERVAL, shim.Partial, "Linux's default SCHED_RR time slice (100 ms) for SCHED_RR, 0 otherwise", sysSchedRRGetInterval)
}

// newUTSLen is __NEW_UTS_LEN.
const newUTSLen = 64

func utsName(t *kernel.Task, a shim.Args) (string, error) {
	n := a.Int(1)
	if n < 0 || n > newUTSLen {
		return "", unix.EINVAL
	}
	if !t.Process().HasCap(kernel.CapSysAdmin) {
		return "", unix.EPERM
	}
	b := make([]byte, n)
	if err := t.CopyIn(a[0], b); err != nil {
		return "", err
	}
	return string(b), nil
}

func sysSethostname(t *kernel.Task, a shim.Args) (uint64, error) {
	name, err := utsName(t, a)
	if err == nil {
		t.Kernel().SetHostname(name)
	}
	return 0, err
}

func sysSetdomainname(t *kernel.Task, a shim.Args) (uint64, error) {
	name, err := utsName(t, a)
	if err == nil {
		t.Kernel().SetDomainname(name)
	}
	return 0, err
}

// targets returns the processes a getpriority/setpriority (which, who)
// names.
func targets(t *kernel.Task, which, who int) ([]*kernel.Process, error) {
	switch which {
	case unix.PRIO_PROCESS, unix.PRIO_PGRP:
		if who == 0 {
			return []*kernel.Process{t.Process()}, nil
		}
		if p := t.Kernel().ProcessByPID(who); p != nil {
			return []*kernel.Process{p}, nil
		}
		if which == unix.PRIO_PROCESS {
			if task := t.Kernel().TaskByTID(who); task != nil {
				return []*kernel.Process{task.Process()}, nil
			}
		}
		return nil, unix.ESRCH
	case unix.PRIO_USER:
		uid := uint32(who)
		if who == 0 {
			uid = t.Process().Creds().RUID
		}
		var out []*kernel.Process
		for _, p := range t.Kernel().Processes() {
			if p.Creds().RUID == uid {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, unix.ESRCH
		}
		return out, nil
	}
	return nil, unix.EINVAL
}

// sysGetpriority returns 20 - nice of the most favoured target (the raw
// syscall's 1..40 range; libc turns it back into a nice value).
func sysGetpriority(t *kernel.Task, a shim.Args) (uint64, error) {
	ps, err := targets(t, a.Int(0), a.Int(1))
	if err != nil {
		return 0, err
	}
	best := 20
	for _, p := range ps {
		best = min(best, p.Sched().Nice)
	}
	return uint64(20 - best), nil
}

// mayChange reports whether the caller may change target's scheduling
// (its euid is the target's real or effective uid, or CAP_SYS_NICE).
func mayChange(t *kernel.Task, target *kernel.Process) bool {
	c, tc := t.Process().Creds(), target.Creds()
	return c.EUID == tc.RUID || c.EUID == tc.EUID || c.HasCap(kernel.CapSysNice)
}

func sysSetpriority(t *kernel.Task, a shim.Args) (uint64, error) {
	ps, err := targets(t, a.Int(0), a.Int(1))
	if err != nil {
		return 0, err
	}
	nice := min(max(a.Int(2), -20), 19)
	// Decided before any UpdateSched: the caller may be a target, and its
	// lock is held during the update.
	privileged := t.Process().HasCap(kernel.CapSysNice)
	niceLimit := t.Process().Rlimit(unix.RLIMIT_NICE).Cur
	for _, p := range ps {
		if !mayChange(t, p) {
			return 0, unix.EPERM
		}
		err := p.UpdateSched(func(s *kernel.Sched) error {
			if nice < s.Nice && !privileged && uint64(20-nice) > niceLimit {
				return unix.EACCES
			}
			s.Nice = nice
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return 0, nil
}

const (
	schedOther      = 0
	schedFIFO       = 1
	schedRR         = 2
	schedBatch      = 3
	schedIdle       = 5
	schedDeadline   = 6
	schedResetFork  = 0x40000000
	maxRTPriority   = 99
	rrTimesliceNsec = 100 * 1000 * 1000
)

func priorityRange(policy int) (lo, hi int, ok bool) {
	switch policy {
	case schedFIFO, schedRR:
		return 1, maxRTPriority, true
	case schedOther, schedBatch, schedIdle, schedDeadline:
		return 0, 0, true
	}
	return 0, 0, false
}

func sysSchedGetPriorityMax(t *kernel.Task, a shim.Args) (uint64, error) {
	_, hi, ok := priorityRange(a.Int(0))
	if !ok {
		return 0, unix.EINVAL
	}
	return uint64(hi), nil
}

func sysSchedGetPriorityMin(t *kernel.Task, a shim.Args) (uint64, error) {
	lo, _, ok := priorityRange(a.Int(0))
	if !ok {
		return 0, unix.EINVAL
	}
	return uint64(lo), nil
}

// schedTarget is the process a sched_* pid names (0: the caller).
func schedTarget(t *kernel.Task, pid int) (*kernel.Process, error) {
	if pid < 0 {
		return nil, unix.EINVAL
	}
	ps, err := targets(t, unix.PRIO_PROCESS, pid)
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// isHostParent reports whether pid names elfloader's host parent, the
// parent the first process sees (getppid) but not one of the app's
// processes. Its scheduling is the host's: read from the host, never
// changed (EPERM: the app has no authority over host processes).
func isHostParent(t *kernel.Task, pid int) bool {
	return pid > 0 && pid == t.Kernel().HostParentPID() && t.Kernel().ProcessByPID(pid) == nil && t.Kernel().TaskByTID(pid) == nil
}

func sysSchedGetscheduler(t *kernel.Task, a shim.Args) (uint64, error) {
	if pid := a.Int(0); isHostParent(t, pid) {
		r, _, errno := unix.RawSyscall(unix.SYS_SCHED_GETSCHEDULER, uintptr(pid), 0, 0)
		if errno != 0 {
			return 0, errno
		}
		return uint64(r), nil
	}
	p, err := schedTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	s := p.Sched()
	policy := s.Policy
	if s.ResetOnFork {
		policy |= schedResetFork
	}
	return uint64(policy), nil
}

func sysSchedGetparam(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[1] == 0 {
		return 0, unix.EINVAL
	}
	var prio int32
	if pid := a.Int(0); isHostParent(t, pid) {
		if _, _, errno := unix.RawSyscall(unix.SYS_SCHED_GETPARAM, uintptr(pid), uintptr(unsafe.Pointer(&prio)), 0); errno != 0 {
			return 0, errno
		}
		return 0, kernel.CopyOutStruct(t, a[1], &prio)
	}
	p, err := schedTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	prio = int32(p.Sched().Priority)
	return 0, kernel.CopyOutStruct(t, a[1], &prio)
}

// setScheduler is sched_setscheduler (policy >= 0) and sched_setparam
// (policy -1: keep the policy).
func setScheduler(t *kernel.Task, pid, policy int, param uint64) error {
	if param == 0 || pid < 0 {
		return unix.EINVAL
	}
	var prio int32
	if err := kernel.CopyInStruct(t, param, &prio); err != nil {
		return err
	}
	if isHostParent(t, pid) {
		if lo, hi, ok := priorityRange(policy &^ schedResetFork); policy >= 0 && (!ok || int(prio) < lo || int(prio) > hi) {
			return unix.EINVAL
		}
		return unix.EPERM
	}
	p, err := schedTarget(t, pid)
	if err != nil {
		return err
	}
	allowed := mayChange(t, p)
	privileged := t.Process().HasCap(kernel.CapSysNice)
	limit := t.Process().Rlimit(unix.RLIMIT_RTPRIO).Cur
	reset := false
	if policy >= 0 {
		reset = policy&schedResetFork != 0
		policy &^= schedResetFork
	}
	return p.UpdateSched(func(s *kernel.Sched) error {
		if policy < 0 {
			policy, reset = s.Policy, s.ResetOnFork
		}
		lo, hi, ok := priorityRange(policy)
		if !ok || int(prio) < lo || int(prio) > hi || policy == schedDeadline {
			return unix.EINVAL
		}
		if !allowed {
			return unix.EPERM
		}
		if !privileged {
			rt := policy == schedFIFO || policy == schedRR
			if rt && int(prio) > s.Priority && uint64(prio) > limit {
				return unix.EPERM
			}
			if s.ResetOnFork && !reset {
				return unix.EPERM
			}
		}
		s.Policy, s.Priority, s.ResetOnFork = policy, int(prio), reset
		return nil
	})
}

func sysSchedSetscheduler(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(1) < 0 {
		return 0, unix.EINVAL
	}
	return 0, setScheduler(t, a.Int(0), a.Int(1), a[2])
}

func sysSchedSetparam(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, setScheduler(t, a.Int(0), -1, a[1])
}

func sysSchedRRGetInterval(t *kernel.Task, a shim.Args) (uint64, error) {
	p, err := schedTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	var ts unix.Timespec
	if p.Sched().Policy == schedRR {
		ts.Nsec = rrTimesliceNsec
	}
	return 0, kernel.CopyOutStruct(t, a[1], &ts)
}
