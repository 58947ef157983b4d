package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// The differences CPython's test suite found between native runs and
// elfloader (docs/conformance.md), each proved against native by a C
// program of its own.

// TestSchedAffinity: per-thread CPU masks set, read back and inherited
// (CPython's test_sched_setaffinity), their error cases, and the parent
// process's scheduling policy read by pid (test_get_and_set_scheduler_and_param).
func TestSchedAffinity(t *testing.T) { runBreadth(t, "sched_affinity.c", false) }

// TestPidfdProcDir: pidfd_send_signal through an open /proc/PID
// directory, as CPython's test_pidfd_send_signal uses it.
func TestPidfdProcDir(t *testing.T) { runBreadth(t, "pidfd_procdir.c", false) }

// TestProcSigsets: /proc/PID/status's signal sets and stat's signal
// fields through dispositions, masks, pending signals, threads and exec
// (CPython's test_restore_signals reads SigIgn).
func TestProcSigsets(t *testing.T) { runBreadth(t, "proc_sigsets.c", false) }

// TestClockSettime: clock_settime's error cases against native, and
// setting CLOCK_REALTIME refused with EPERM under elfloader (the wall
// clock is the host's: never set, not offset). CPython's
// test_clock_settime passes (it accepts EPERM); test_monotonic_settime
// skips on the EPERM.
func TestClockSettime(t *testing.T) {
	runBreadth(t, "clock_settime.c", false)
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name+"/realtime", func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "clock_settime.c"), v)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "realtime"}, nil, nil)
			assertNoPanic(t, loaded.Stderr)
			if want := "realtime now -1 EPERM\n"; loaded.Stdout != want {
				t.Errorf("stdout %q, want %q", loaded.Stdout, want)
			}
		})
	}
}

// TestDnotify: fcntl(F_NOTIFY) directory notification against native
// (CPython's test_fcntl_64_bit asks for DN_MULTISHOT).
func TestDnotify(t *testing.T) { runBreadth(t, "dnotify.c", false) }

// TestClonePidfd: clone's and clone3's CLONE_PIDFD, which Go's os and
// syscall packages probe before they use pidfds (TestPidFD and
// TestFindProcessViaPidfd skipped under elfloader without it).
func TestClonePidfd(t *testing.T) { runBreadth(t, "clone_pidfd.c", false) }

// TestKcmp: kcmp(2) between the process, a thread and a fork child
// (files, address space, tables, fs context, signal handlers) against
// native.
func TestKcmp(t *testing.T) { runBreadth(t, "kcmp.c", false) }

// TestCloseRangeUnshare: close_range's CLOSE_RANGE_UNSHARE in a child
// sharing its parent's table (CLONE_FILES) against native.
func TestCloseRangeUnshare(t *testing.T) { runBreadth(t, "close_range_unshare.c", false) }
