package timer

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerTimers(tb *shim.Table) {
	tb.Register(unix.SYS_ALARM, shim.Full, "", sysAlarm)
	tb.Register(unix.SYS_SETITIMER, shim.Full, "ITIMER_REAL; ITIMER_VIRTUAL and ITIMER_PROF on the host's CPU accounting of the app's threads, sampled (fires within a tick or two of the CPU time, never early)", sysSetitimer)
	tb.Register(unix.SYS_GETITIMER, shim.Full, "", sysGetitimer)
	tb.Register(unix.SYS_TIMER_CREATE, shim.Full, "SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID; the wall clocks and the CPU-time clocks (process, thread, clock_getcpuclockid's and pthread_getcpuclockid's)", sysTimerCreate)
	tb.Register(unix.SYS_TIMER_SETTIME, shim.Full, "relative and TIMER_ABSTIME", sysTimerSettime)
	tb.Register(unix.SYS_TIMER_GETTIME, shim.Full, "", sysTimerGettime)
	tb.Register(unix.SYS_TIMER_GETOVERRUN, shim.Full, "", sysTimerGetoverrun)
	tb.Register(unix.SYS_TIMER_DELETE, shim.Full, "", sysTimerDelete)
	tb.Register(unix.SYS_TIMES, shim.Full, "the process's CPU time from the host's accounting of its threads; the children's is elfloader's host children's", sysTimes)
	tb.Register(unix.SYS_GETRUSAGE, shim.Partial, "user and system time of RUSAGE_SELF and RUSAGE_THREAD from the host's accounting of the app's threads; their other fields and RUSAGE_CHILDREN from elfloader's host process", sysGetrusage)
}

func sysAlarm(t *kernel.Task, a shim.Args) (uint64, error) {
	oldLeft, _ := t.Process().RealTimer().Set(time.Duration(uint32(a[0]))*time.Second, 0)
	secs := uint64((oldLeft + time.Second/2) / time.Second)
	if oldLeft > 0 && secs == 0 {
		secs = 1
	}
	return secs, nil
}

// durFromTimeval is a struct timeval's duration, EINVAL when it is
// negative or its microseconds are out of range.
func durFromTimeval(tv unix.Timeval) (time.Duration, error) {
	if tv.Sec < 0 || tv.Usec < 0 || tv.Usec >= 1e6 {
		return 0, unix.EINVAL
	}
	return time.Duration(tv.Sec)*time.Second + time.Duration(tv.Usec)*time.Microsecond, nil
}

func itimerval(interval, value time.Duration) unix.Itimerval {
	return unix.Itimerval{Interval: unix.NsecToTimeval(int64(interval)), Value: unix.NsecToTimeval(int64(value))}
}

// itimer is the process's interval timer named by setitimer's which.
func itimer(t *kernel.Task, which int) (*kernel.Timer, error) {
	switch which {
	case unix.ITIMER_REAL:
		return t.Process().RealTimer(), nil
	case unix.ITIMER_VIRTUAL:
		return t.Process().VirtualTimer(), nil
	case unix.ITIMER_PROF:
		return t.Process().ProfTimer(), nil
	}
	return nil, unix.EINVAL
}

func sysSetitimer(t *kernel.Task, a shim.Args) (uint64, error) {
	tm, err := itimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	var nv unix.Itimerval
	if a[1] != 0 {
		if err := kernel.CopyInStruct(t, a[1], &nv); err != nil {
			return 0, err
		}
	}
	interval, err := durFromTimeval(nv.Interval)
	if err != nil {
		return 0, err
	}
	value, err := durFromTimeval(nv.Value)
	if err != nil {
		return 0, err
	}
	if value > 0 && tm.CPUClock() != nil {
		// As Linux's set_cpu_itimer: a tick more, so that a clock
		// sampled at ticks never makes the first expiry early.
		value += kernel.HostCPUClockRes(kernel.CPUClockProf)
	}
	oldLeft, oldInterval := tm.Set(value, interval)
	if a[2] != 0 {
		old := itimerval(oldInterval, oldLeft)
		return 0, kernel.CopyOutStruct(t, a[2], &old)
	}
	return 0, nil
}

func sysGetitimer(t *kernel.Task, a shim.Args) (uint64, error) {
	tm, err := itimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	left, interval := tm.Get()
	cur := itimerval(interval, left)
	return 0, kernel.CopyOutStruct(t, a[1], &cur)
}

func sysTimerCreate(t *kernel.Task, a shim.Args) (uint64, error) {
	clock := a.Int(0)
	cpu, isCPU, err := cpuClock(t, clock, false)
	if err != nil {
		return 0, err
	}
	if !isCPU {
		switch clock {
		case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM, unix.CLOCK_TAI:
		default:
			return 0, unix.EINVAL
		}
	}
	notify, sig := linux.SIGEV_SIGNAL, int(unix.SIGALRM)
	var value uint64
	var target *kernel.Task
	if a[1] != 0 {
		var ev linux.Sigevent
		if err := kernel.CopyInStruct(t, a[1], &ev); err != nil {
			return 0, err
		}
		value, sig, notify = ev.Value, int(ev.Signo), int(ev.Notify)
		switch notify {
		case linux.SIGEV_NONE:
		case linux.SIGEV_SIGNAL:
		case linux.SIGEV_THREAD_ID:
			target = t.Kernel().TaskByTID(int(ev.TID))
			if target == nil || target.Process() != t.Process() {
				return 0, unix.EINVAL
			}
		default:
			return 0, unix.EINVAL
		}
		if notify != linux.SIGEV_NONE && (sig <= 0 || sig > linux.NumSignals) {
			return 0, unix.EINVAL
		}
	}
	var tm *kernel.Timer
	if isCPU {
		tm = t.Process().NewCPUTimer(cpu, notify, sig, value, target)
	} else {
		tm = t.Process().NewTimer(clock, notify, sig, value, target)
	}
	if a[1] == 0 {
		// Without a sigevent, si_value carries the timer id.
		tm.SetValue(uint64(tm.ID()))
	}
	if err := kernel.CopyOutValue(t, a[2], int32(tm.ID())); err != nil {
		t.Process().DeleteTimer(tm.ID())
		return 0, err
	}
	return 0, nil
}

func getTimer(t *kernel.Task, id int) (*kernel.Timer, error) {
	tm := t.Process().TimerByID(id)
	if tm == nil {
		return nil, unix.EINVAL
	}
	return tm, nil
}

func itimerspec(interval, value time.Duration) unix.ItimerSpec {
	return unix.ItimerSpec{Interval: unix.NsecToTimespec(int64(interval)), Value: unix.NsecToTimespec(int64(value))}
}

func sysTimerSettime(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[2] == 0 {
		return 0, unix.EINVAL
	}
	tm, err := getTimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	flags := a.Int(1)
	var its unix.ItimerSpec
	if err := kernel.CopyInStruct(t, a[2], &its); err != nil {
		return 0, err
	}
	if !validTimespec(its.Interval) || !validTimespec(its.Value) {
		return 0, unix.EINVAL
	}
	interval, value := time.Duration(its.Interval.Nano()), time.Duration(its.Value.Nano())
	if c := tm.CPUClock(); c != nil && flags&unix.TIMER_ABSTIME != 0 && value > 0 {
		value -= c.Now()
		if value <= 0 {
			value = time.Nanosecond
		}
	} else if flags&unix.TIMER_ABSTIME != 0 && value > 0 {
		var now unix.Timespec
		unix.ClockGettime(unix.CLOCK_REALTIME, &now)
		if c := t.Process().TimerClock(tm); c != unix.CLOCK_REALTIME {
			unix.ClockGettime(int32(c), &now)
		}
		value -= time.Duration(now.Nano())
		if value <= 0 {
			value = time.Nanosecond
		}
	}
	oldLeft, oldInterval := tm.Set(value, interval)
	if a[3] != 0 {
		old := itimerspec(oldInterval, oldLeft)
		return 0, kernel.CopyOutStruct(t, a[3], &old)
	}
	return 0, nil
}

func sysTimerGettime(t *kernel.Task, a shim.Args) (uint64, error) {
	tm, err := getTimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	left, interval := tm.Get()
	cur := itimerspec(interval, left)
	return 0, kernel.CopyOutStruct(t, a[1], &cur)
}

func sysTimerGetoverrun(t *kernel.Task, a shim.Args) (uint64, error) {
	tm, err := getTimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	return uint64(tm.Overrun()), nil
}

func sysTimerDelete(t *kernel.Task, a shim.Args) (uint64, error) {
	if !t.Process().DeleteTimer(a.Int(0)) {
		return 0, unix.EINVAL
	}
	return 0, nil
}

// cpuUserSys is a CPU clock pair's user and system time: VIRT, and what
// PROF counts beyond it (never negative: the two are sampled one after
// the other).
func cpuUserSys(virt, prof kernel.CPUClock) (user, sys time.Duration) {
	user = virt.Now()
	return user, max(prof.Now()-user, 0)
}

func processUserSys(p *kernel.Process) (user, sys time.Duration) {
	return cpuUserSys(kernel.CPUClock{P: p, Which: kernel.CPUClockVirt}, kernel.CPUClock{P: p, Which: kernel.CPUClockProf})
}

// userHZ is the unit of times(2) (USER_HZ).
const userHZ = 100

func sysTimes(t *kernel.Task, a shim.Args) (uint64, error) {
	var tms unix.Tms
	ticks, err := unix.Times(&tms)
	if err != nil {
		return 0, err
	}
	user, sys := processUserSys(t.Process())
	tms.Utime = int64(user * userHZ / time.Second)
	tms.Stime = int64(sys * userHZ / time.Second)
	if a[0] != 0 {
		if err := kernel.CopyOutStruct(t, a[0], &tms); err != nil {
			return 0, err
		}
	}
	return uint64(ticks), nil
}

func sysGetrusage(t *kernel.Task, a shim.Args) (uint64, error) {
	who := a.Int(0)
	switch who {
	case unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN, unix.RUSAGE_THREAD:
	default:
		return 0, unix.EINVAL
	}
	var ru unix.Rusage
	// The fields other than the times come from the host: elfloader's
	// process, or for RUSAGE_THREAD the OS thread serving the app thread.
	if err := unix.Getrusage(who, &ru); err != nil {
		return 0, err
	}
	// The times are the app's own: on the isolated platform its code runs
	// in stub processes that elfloader's host usage does not include.
	var user, sys time.Duration
	switch who {
	case unix.RUSAGE_SELF:
		user, sys = processUserSys(t.Process())
	case unix.RUSAGE_THREAD:
		user, sys = cpuUserSys(kernel.CPUClock{P: t.Process(), T: t, Which: kernel.CPUClockVirt},
			kernel.CPUClock{P: t.Process(), T: t, Which: kernel.CPUClockProf})
	}
	if who != unix.RUSAGE_CHILDREN {
		ru.Utime = unix.NsecToTimeval(int64(user))
		ru.Stime = unix.NsecToTimeval(int64(sys))
	}
	return 0, kernel.CopyOutStruct(t, a[1], &ru)
}
