package timer

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

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

func durFromTimeval(b []byte) (time.Duration, error) {
	sec, usec := int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || usec < 0 || usec >= 1e6 {
		return 0, unix.EINVAL
	}
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, nil
}

func putTimeval(b []byte, d time.Duration) {
	binary.LittleEndian.PutUint64(b, uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
}

func sysSetitimer(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0) != unix.ITIMER_REAL {
		return 0, unix.EINVAL
	}
	var nb [32]byte
	if a[1] != 0 {
		if err := t.CopyIn(a[1], nb[:]); err != nil {
			return 0, err
		}
	}
	interval, err := durFromTimeval(nb[0:])
	if err != nil {
		return 0, err
	}
	value, err := durFromTimeval(nb[16:])
	if err != nil {
		return 0, err
	}
	oldLeft, oldInterval := t.Process().RealTimer().Set(value, interval)
	if a[2] != 0 {
		var ob [32]byte
		putTimeval(ob[0:], oldInterval)
		putTimeval(ob[16:], oldLeft)
		return 0, t.CopyOut(a[2], ob[:])
	}
	return 0, nil
}

func sysGetitimer(t *kernel.Task, a shim.Args) (uint64, error) {
	if a.Int(0) != unix.ITIMER_REAL {
		return 0, unix.EINVAL
	}
	left, interval := t.Process().RealTimer().Get()
	var b [32]byte
	putTimeval(b[0:], interval)
	putTimeval(b[16:], left)
	return 0, t.CopyOut(a[1], b[:])
}

// struct sigevent: sigev_value (8), sigev_signo (4), sigev_notify (4), then
// the union whose first int is the thread id for SIGEV_THREAD_ID.
func sysTimerCreate(t *kernel.Task, a shim.Args) (uint64, error) {
	clock := a.Int(0)
	switch clock {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM, unix.CLOCK_TAI:
	default:
		return 0, unix.EINVAL
	}
	notify, sig := kernel.SIGEV_SIGNAL, int(unix.SIGALRM)
	var value uint64
	var target *kernel.Task
	if a[1] != 0 {
		var b [64]byte
		if err := t.CopyIn(a[1], b[:]); err != nil {
			return 0, err
		}
		value = binary.LittleEndian.Uint64(b[0:])
		sig = int(int32(binary.LittleEndian.Uint32(b[8:])))
		notify = int(int32(binary.LittleEndian.Uint32(b[12:])))
		switch notify {
		case kernel.SIGEV_NONE:
		case kernel.SIGEV_SIGNAL:
		case kernel.SIGEV_THREAD_ID:
			tid := int(int32(binary.LittleEndian.Uint32(b[16:])))
			target = t.Kernel().TaskByTID(tid)
			if target == nil || target.Process() != t.Process() {
				return 0, unix.EINVAL
			}
		default:
			return 0, unix.EINVAL
		}
		if notify != kernel.SIGEV_NONE && (sig <= 0 || sig > kernel.NSIG) {
			return 0, unix.EINVAL
		}
	}
	tm := t.Process().NewTimer(clock, notify, sig, value, target)
	if a[1] == 0 {
		// Without a sigevent, si_value carries the timer id.
		tm.SetValue(uint64(tm.ID()))
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(tm.ID()))
	if err := t.CopyOut(a[2], b[:]); err != nil {
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

func putItimerspec(b []byte, interval, value time.Duration) {
	binary.LittleEndian.PutUint64(b[0:], uint64(interval/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(interval%time.Second))
	binary.LittleEndian.PutUint64(b[16:], uint64(value/time.Second))
	binary.LittleEndian.PutUint64(b[24:], uint64(value%time.Second))
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
	var b [32]byte
	if err := t.CopyIn(a[2], b[:]); err != nil {
		return 0, err
	}
	isec, insec := int64(binary.LittleEndian.Uint64(b[0:])), int64(binary.LittleEndian.Uint64(b[8:]))
	vsec, vnsec := int64(binary.LittleEndian.Uint64(b[16:])), int64(binary.LittleEndian.Uint64(b[24:]))
	if isec < 0 || insec < 0 || insec >= 1e9 || vsec < 0 || vnsec < 0 || vnsec >= 1e9 {
		return 0, unix.EINVAL
	}
	interval := time.Duration(isec)*time.Second + time.Duration(insec)
	value := time.Duration(vsec)*time.Second + time.Duration(vnsec)
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
		var ob [32]byte
		putItimerspec(ob[:], oldInterval, oldLeft)
		return 0, t.CopyOut(a[3], ob[:])
	}
	return 0, nil
}

func sysTimerGettime(t *kernel.Task, a shim.Args) (uint64, error) {
	tm, err := getTimer(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	left, interval := tm.Get()
	var b [32]byte
	putItimerspec(b[:], interval, left)
	return 0, t.CopyOut(a[1], b[:])
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
