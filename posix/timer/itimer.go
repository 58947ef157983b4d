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
	tb.Register(unix.SYS_SETITIMER, shim.Partial, "ITIMER_REAL; ITIMER_VIRTUAL and ITIMER_PROF are EINVAL", sysSetitimer)
	tb.Register(unix.SYS_GETITIMER, shim.Partial, "ITIMER_REAL", sysGetitimer)
	tb.Register(unix.SYS_TIMER_CREATE, shim.Partial, "SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID on the wall clocks; CPU-time clocks EINVAL", sysTimerCreate)
	tb.Register(unix.SYS_TIMER_SETTIME, shim.Full, "relative and TIMER_ABSTIME", sysTimerSettime)
	tb.Register(unix.SYS_TIMER_GETTIME, shim.Full, "", sysTimerGettime)
	tb.Register(unix.SYS_TIMER_GETOVERRUN, shim.Full, "", sysTimerGetoverrun)
	tb.Register(unix.SYS_TIMER_DELETE, shim.Full, "", sysTimerDelete)
	tb.Register(unix.SYS_TIMES, shim.Full, "the CPU time of elfloader's process (the app and its kernel)", sysTimes)
	tb.Register(unix.SYS_GETRUSAGE, shim.Partial, "RUSAGE_SELF and RUSAGE_CHILDREN from the host process, RUSAGE_THREAD from the app thread's OS thread", sysGetrusage)
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

func sysSetitimer(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0) != unix.ITIMER_REAL {
		return 0, unix.EINVAL
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
	oldLeft, oldInterval := t.Process().RealTimer().Set(value, interval)
	if a[2] != 0 {
		old := itimerval(oldInterval, oldLeft)
		return 0, kernel.CopyOutStruct(t, a[2], &old)
	}
	return 0, nil
}

func sysGetitimer(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0) != unix.ITIMER_REAL {
		return 0, unix.EINVAL
	}
	left, interval := t.Process().RealTimer().Get()
	cur := itimerval(interval, left)
	return 0, kernel.CopyOutStruct(t, a[1], &cur)
}

func sysTimerCreate(t *kernel.Task, a shim.Args) (uint64, error) {
	clock := a.Int(0)
	switch clock {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM, unix.CLOCK_TAI:
	default:
		return 0, unix.EINVAL
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
	tm := t.Process().NewTimer(clock, notify, sig, value, target)
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
	if flags&unix.TIMER_ABSTIME != 0 && value > 0 {
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

func sysTimes(t *kernel.Task, a shim.Args) (uint64, error) {
	var tms unix.Tms
	ticks, err := unix.Times(&tms)
	if err != nil {
		return 0, err
	}
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
	// Handlers run on the app thread's own OS thread, so RUSAGE_THREAD is
	// exactly the app thread's usage.
	if err := unix.Getrusage(who, &ru); err != nil {
		return 0, err
	}
	return 0, kernel.CopyOutStruct(t, a[1], &ru)
}
