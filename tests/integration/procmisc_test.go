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
