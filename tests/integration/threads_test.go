package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// threadPrograms are the pthread programs of tests/c.
func threadPrograms() []cProgram {
	return []cProgram{
		{source: "thr_prodcons.c", repeat: true},
		{source: "thr_join.c", repeat: true},
		{source: "thr_tls.c"},
		{source: "thr_robust.c", repeat: true},
		{source: "thr_barrier_rwlock.c", repeat: true},
		{source: "thr_cancel.c", repeat: true},
		{source: "thr_pi_timed.c", repeat: true},
		// thr_futex's REQUEUE counts assume waiters reach the kernel
		// within 60 ms, so it stays out of the 20-run test.
		{source: "thr_futex.c"},
	}
}

// TestThreads compares the pthread programs (mutex/condvar producer-consumer,
// join and detach, TLS, robust mutexes, barrier and rwlock, cancellation,
// PI mutexes and timed waits, exit from a thread, raw futex operations)
// with their native runs in every static variant.
func TestThreads(t *testing.T) {
	compareCPrograms(t, threadPrograms())
}

// TestThreadsAndSignalsRepeatable runs the selected thread and signal
// programs 20 times each under elfloader (gcc-static) and requires the
// native output every time. Skipped with -short.
func TestThreadsAndSignalsRepeatable(t *testing.T) {
	if testing.Short() {
		t.Skip("the 20-run determinism test is skipped in -short mode")
	}
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	all := append(threadPrograms(), signalPrograms()...)
	for _, p := range all {
		if !p.repeat {
			continue
		}
		t.Run(p.name(), func(t *testing.T) {
			t.Parallel()
			repeatUnderElfloader(t, p.build(t, v))
		})
	}
}
