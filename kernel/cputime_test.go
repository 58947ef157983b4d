package kernel

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHostCPUClockIDs: the encoded host clock ids name this thread's and
// this process's CPU clocks (as CLOCK_THREAD_CPUTIME_ID and
// CLOCK_PROCESS_CPUTIME_ID read them), and user time never exceeds user
// plus system time.
func TestHostCPUClockIDs(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for start := time.Now(); time.Since(start) < 20*time.Millisecond; {
	}
	var ts unix.Timespec
	mine, ok := readHostClock(hostThreadClockID(unix.Gettid(), CPUClockSched))
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil || !ok {
		t.Fatalf("thread clocks: %v %v", err, ok)
	}
	if d := time.Duration(ts.Nano()) - mine; d < 0 || d > 5*time.Millisecond || mine < 10*time.Millisecond {
		t.Errorf("thread clock %v, CLOCK_THREAD_CPUTIME_ID %v", mine, time.Duration(ts.Nano()))
	}
	proc, ok := readHostClock(hostProcessClockID(unix.Getpid(), CPUClockSched))
	if !ok || proc < mine {
		t.Errorf("process clock %v (ok %v) below the thread's %v", proc, ok, mine)
	}
	virt, _ := readHostClock(hostThreadClockID(unix.Gettid(), CPUClockVirt))
	prof, _ := readHostClock(hostThreadClockID(unix.Gettid(), CPUClockProf))
	if virt > prof {
		t.Errorf("user time %v above user+system %v", virt, prof)
	}
	if _, ok := readHostClock(hostThreadClockID(1<<22+1, CPUClockSched)); ok {
		t.Errorf("a thread that cannot exist has a clock")
	}
	if r := HostCPUClockRes(CPUClockSched); r <= 0 || r > time.Microsecond {
		t.Errorf("scheduler clock resolution %v", r)
	}
}
