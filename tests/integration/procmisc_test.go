package integration

import "testing"

// The process and clock calls of tests/c/procmisc.c, one scenario per
// test, compared with the native run (as root).

// TestProcmiscWait: wait4/waitid's __WCLONE, __WALL and __WNOTHREAD.
func TestProcmiscWait(t *testing.T) { runBreadth(t, "procmisc.c", true, []string{"wait"}) }

// TestProcmiscPersonality: personality(2) per thread, /proc/PID/personality,
// READ_IMPLIES_EXEC on mmap, inheritance by threads and fork, exec's rules.
func TestProcmiscPersonality(t *testing.T) {
	runBreadth(t, "procmisc.c", true, []string{"personality"})
}

// TestProcmiscSched: sched_setattr/sched_getattr (sizes and E2BIG, the
// fair slice, KEEP_* flags, reset on fork, real-time and SCHED_DEADLINE
// in children, EPERM without CAP_SYS_NICE).
func TestProcmiscSched(t *testing.T) { runBreadth(t, "procmisc.c", true, []string{"sched"}) }

// TestProcmiscClock: adjtimex/clock_adjtime reads of the host's clock
// state, their EINVAL/EPERM/EOPNOTSUPP cases, settimeofday's errors.
func TestProcmiscClock(t *testing.T) { runBreadth(t, "procmisc.c", true, []string{"clock"}) }

// TestProcmiscMembarrier: membarrier's commands, registrations (EPERM
// without), inheritance by fork and reset by exec.
func TestProcmiscMembarrier(t *testing.T) { runBreadth(t, "procmisc.c", true, []string{"membarrier"}) }
