package timer

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// cpuClock resolves a CPU-time clock id: CLOCK_PROCESS_CPUTIME_ID,
// CLOCK_THREAD_CPUTIME_ID, or one encoded as clock_getcpuclockid and
// pthread_getcpuclockid make them (negative: the complement of a pid or
// tid shifted left by 3, bit 2 for a thread, the low two bits the kind:
// PROF, VIRT or SCHED). ok is false for a clock that is not a CPU clock;
// err is EINVAL for an encoded id naming no clock the caller may read,
// with Linux's rules (pid_for_clock): a thread clock only of the caller's
// own thread group, a process clock of any process (and, for reading
// only, of the caller's own thread id).
func cpuClock(t *kernel.Task, id int, gettime bool) (c kernel.CPUClock, ok bool, err error) {
	switch id {
	case unix.CLOCK_PROCESS_CPUTIME_ID:
		return kernel.CPUClock{P: t.Process(), Which: kernel.CPUClockSched}, true, nil
	case unix.CLOCK_THREAD_CPUTIME_ID:
		return kernel.CPUClock{P: t.Process(), T: t, Which: kernel.CPUClockSched}, true, nil
	}
	if id >= 0 {
		return c, false, nil
	}
	id32 := int32(id)
	which := int(id32 & 3)
	perThread := id32&4 != 0
	pid := int(^(id32 >> 3))
	if which > kernel.CPUClockSched {
		return c, true, unix.EINVAL
	}
	c.Which = which
	switch {
	case pid == 0 && perThread:
		c.P, c.T = t.Process(), t
	case pid == 0:
		c.P = t.Process()
	case perThread:
		o := t.Kernel().TaskByTID(pid)
		if o == nil || o.Process() != t.Process() {
			return c, true, unix.EINVAL
		}
		c.P, c.T = o.Process(), o
	default:
		p := t.Kernel().ProcessByPID(pid)
		if p == nil && gettime && pid == t.TID {
			p = t.Process()
		}
		if p == nil {
			return c, true, unix.EINVAL
		}
		c.P = p
	}
	return c, true, nil
}
