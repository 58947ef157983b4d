package timer

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_CLOCK_GETTIME, shim.Full, "REALTIME, MONOTONIC, BOOTTIME, the COARSE/RAW variants read from the host; the CPU-time clocks (also clock_getcpuclockid's and pthread_getcpuclockid's) sum the host's accounting of the app's threads", sysClockGettime)
	tb.Register(unix.SYS_CLOCK_GETRES, shim.Full, "", sysClockGetres)
	tb.Register(unix.SYS_CLOCK_SETTIME, shim.Partial, "Linux's EINVAL/EFAULT cases; setting CLOCK_REALTIME answers EPERM: the app reads the host's wall clock through the host's vDSO, which elfloader must not change and cannot offset", sysClockSettime)
	tb.Register(unix.SYS_GETTIMEOFDAY, shim.Full, "the timezone argument is filled with UTC", sysGettimeofday)
	tb.Register(unix.SYS_TIME, shim.Full, "", sysTime)
	registerAdjtime(tb)
	tb.Register(unix.SYS_NANOSLEEP, shim.Partial, "interrupted by handled signals (EINTR, remaining time written); a restart after an unhandled stop sleeps the full time again", sysNanosleep)
	registerTimers(tb)
	tb.Register(unix.SYS_CLOCK_NANOSLEEP, shim.Partial, "REALTIME, MONOTONIC, BOOTTIME, TAI; relative and TIMER_ABSTIME; interrupted like nanosleep", sysClockNanosleep)
}

func validClock(id int) bool {
	switch id {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_PROCESS_CPUTIME_ID, unix.CLOCK_THREAD_CPUTIME_ID,
		unix.CLOCK_MONOTONIC_RAW, unix.CLOCK_REALTIME_COARSE, unix.CLOCK_MONOTONIC_COARSE, unix.CLOCK_BOOTTIME,
		unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM, unix.CLOCK_TAI:
		return true
	}
	return false
}

func putTimespec(t *kernel.Task, addr uint64, ts unix.Timespec) error {
	return kernel.CopyOutStruct(t, addr, &ts)
}

// validTimespec says whether ts is a non-negative time with nanoseconds
// below a second, as the kernel's timespec64_valid checks.
func validTimespec(ts unix.Timespec) bool {
	return ts.Sec >= 0 && ts.Nsec >= 0 && ts.Nsec < 1e9
}

func getTimespec(t *kernel.Task, addr uint64) (unix.Timespec, error) {
	var ts unix.Timespec
	if err := kernel.CopyInStruct(t, addr, &ts); err != nil {
		return unix.Timespec{}, err
	}
	if !validTimespec(ts) {
		return ts, unix.EINVAL
	}
	return ts, nil
}

func sysClockGettime(t *kernel.Task, a shim.Args) (uint64, error) {
	id := a.Int(0)
	if c, ok, err := cpuClock(t, id, true); ok {
		if err != nil {
			return 0, err
		}
		return 0, putTimespec(t, a[1], unix.NsecToTimespec(int64(c.Now())))
	}
	if !validClock(id) {
		return 0, unix.EINVAL
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(int32(id), &ts); err != nil {
		return 0, err
	}
	return 0, putTimespec(t, a[1], ts)
}

func sysClockGetres(t *kernel.Task, a shim.Args) (uint64, error) {
	id := a.Int(0)
	if c, ok, err := cpuClock(t, id, true); ok {
		// glibc's clock_getcpuclockid validates its id here (EINVAL
		// becomes ESRCH).
		if err != nil || a[1] == 0 {
			return 0, err
		}
		return 0, putTimespec(t, a[1], unix.NsecToTimespec(int64(kernel.HostCPUClockRes(c.Which))))
	}
	if !validClock(id) {
		return 0, unix.EINVAL
	}
	if a[1] == 0 {
		return 0, nil
	}
	var ts unix.Timespec
	if err := unix.ClockGetres(int32(id), &ts); err != nil {
		return 0, err
	}
	return 0, putTimespec(t, a[1], ts)
}

// sysClockSettime checks in Linux's order: a clock that cannot be set
// (every one but CLOCK_REALTIME and the encoded CPU clocks) is EINVAL
// before the time is read, a CPU clock is EPERM once its id names one,
// and CLOCK_REALTIME's time must be valid (EFAULT, EINVAL). Setting the
// wall clock then answers EPERM, as for a process without CAP_SYS_TIME:
// the clock is the host's (the app reads it through the host's vDSO,
// with no system call elfloader could offset), and elfloader never sets
// the host's clock for an app.
func sysClockSettime(t *kernel.Task, a shim.Args) (uint64, error) {
	id := a.Int(0)
	if id < 0 {
		if _, _, err := cpuClock(t, id, false); err != nil {
			return 0, err
		}
		return 0, unix.EPERM
	}
	if id != unix.CLOCK_REALTIME {
		return 0, unix.EINVAL
	}
	if _, err := getTimespec(t, a[1]); err != nil {
		return 0, err
	}
	return 0, unix.EPERM
}

func sysGettimeofday(t *kernel.Task, a shim.Args) (uint64, error) {
	now := time.Now()
	if a[0] != 0 {
		tv := unix.Timeval{Sec: now.Unix(), Usec: int64(now.Nanosecond() / 1000)}
		if err := kernel.CopyOutStruct(t, a[0], &tv); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		var tz [linux.SizeofTimezone]byte // struct timezone: always zero
		if err := t.CopyOut(a[1], tz[:]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysTime(t *kernel.Task, a shim.Args) (uint64, error) {
	now := uint64(time.Now().Unix())
	if a[0] != 0 {
		if err := kernel.CopyOutValue(t, a[0], now); err != nil {
			return 0, err
		}
	}
	return now, nil
}

func sysNanosleep(t *kernel.Task, a shim.Args) (uint64, error) {
	ts, err := getTimespec(t, a[0])
	if err != nil {
		return 0, err
	}
	return 0, sleep(t, time.Duration(ts.Sec)*time.Second+time.Duration(ts.Nsec), a[1])
}

// sleep blocks for d; when a signal interrupts, the remaining time goes to
// remAddr (if set) and the call ends with EINTR once a handler runs.
func sleep(t *kernel.Task, d time.Duration, remAddr uint64) error {
	deadline := time.Now().Add(d)
	err := t.Sleep(d)
	if err == nil {
		return nil
	}
	if err != kernel.ERESTARTSYS {
		return err
	}
	if remAddr != 0 {
		left := max(time.Until(deadline), 0)
		if err := putTimespec(t, remAddr, unix.NsecToTimespec(left.Nanoseconds())); err != nil {
			return err
		}
	}
	return kernel.ERESTARTNOHAND
}

func sysClockNanosleep(t *kernel.Task, a shim.Args) (uint64, error) {
	id, flags := a.Int(0), a.Int(1)
	switch id {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_TAI:
	case unix.CLOCK_THREAD_CPUTIME_ID:
		return 0, unix.EINVAL
	default:
		if !validClock(id) {
			return 0, unix.EINVAL
		}
		return 0, unix.EOPNOTSUPP
	}
	ts, err := getTimespec(t, a[2])
	if err != nil {
		return 0, err
	}
	d := time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
	rem := a[3]
	if flags&unix.TIMER_ABSTIME != 0 {
		var now unix.Timespec
		if err := unix.ClockGettime(int32(id), &now); err != nil {
			return 0, err
		}
		d -= time.Duration(now.Sec)*time.Second + time.Duration(now.Nsec)
		rem = 0
	}
	if d <= 0 {
		return 0, nil
	}
	return 0, sleep(t, d, rem)
}
