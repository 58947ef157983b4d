package integration

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestItimerCPU: ITIMER_VIRTUAL and ITIMER_PROF (counts over a CPU-burning
// loop, getitimer while armed and after disarm, no signal while the
// process sleeps, errors), the CPU-time clocks (clock_getcpuclockid,
// pthread_getcpuclockid, an exited thread's time), POSIX timers on them,
// and fork (timers not inherited) and execve (itimers kept, POSIX timers
// gone). Each scenario is a run of its own.
func TestItimerCPU(t *testing.T) {
	var runs [][]string
	for _, s := range []string{"count", "values", "sleeping", "posix", "clocks", "errors", "inherit"} {
		runs = append(runs, []string{s})
	}
	runBreadth(t, "itimer_cpu.c", false, runs...)
}

// TestItimerPython: CPython's signal.setitimer(ITIMER_PROF) (as its
// test_signal uses it) and getitimer, over a loop timed with
// time.process_time (CLOCK_PROCESS_CPUTIME_ID).
func TestItimerPython(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3)
	script := strings.Join([]string{
		"import signal, time",
		"n = [0]",
		"signal.signal(signal.SIGPROF, lambda *a: n.__setitem__(0, n[0] + 1))",
		"signal.setitimer(signal.ITIMER_PROF, 0.05, 0.05)",
		"v, i = signal.getitimer(signal.ITIMER_PROF)",
		"print('armed', 0 < v <= 0.06, i)",
		"t = time.process_time()",
		"while time.process_time() - t < 0.5: pass",
		"print('old', signal.setitimer(signal.ITIMER_PROF, 0)[1])",
		"print('count in range', 6 <= n[0] <= 11, n[0] if not 6 <= n[0] <= 11 else '')",
		"print('after', signal.getitimer(signal.ITIMER_PROF))",
		"try: signal.setitimer(99, 1)",
		"except signal.ItimerError as e: print('ItimerError', e.errno)",
	}, "\n")
	argv := []string{python3, "-c", script}
	native := testbin.RunNative(t, testTimeout, argv, nil, nil)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	compareRuns(t, native, loaded)
}
