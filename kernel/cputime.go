package kernel

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// CPU-time accounting: what CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
// the clock ids of clock_getcpuclockid and pthread_getcpuclockid, and the
// ITIMER_VIRTUAL and ITIMER_PROF timers measure.
//
// elfloader does not schedule app threads itself: every app thread runs on a
// host thread, so its CPU time is the host's accounting of that thread, read
// with the host's own CPU clocks (clock_gettime on an encoded thread or
// process clock id):
//
//   - In process (the app's memory is elfloader's): an app thread's code and
//     the handlers serving it run on the task's own locked OS thread, whose
//     thread clock is exactly the app thread's time (the handlers count as
//     its system time; they are user-mode code on the host, so the host
//     books them as user time: a difference of accounting only).
//   - In a stub process (the isolated platform, and in-process fork
//     children): app code runs on a thread of the stub; the elfloader thread
//     that serves it counts as its system time. The stub process's clock
//     (which the host keeps for exited threads too) is the app side of the
//     process clock; one stub thread's is read from /proc (the host lets no
//     other process read a thread's clock).
//
// A process clock is the sum of its tasks' elfloader threads (live ones read
// now, exited ones as they were at their exit) and its stub process. Exec on
// the isolated platform moves a process to a new stub: the old stub's time,
// as last sampled, stays in the sum.

// CPU clock kinds, as Linux encodes them in the low bits of a CPU clock id.
const (
	CPUClockProf  = 0 // user and system time
	CPUClockVirt  = 1 // user time
	CPUClockSched = 2 // time on a CPU, exact (the scheduler's run time)
	numCPUClocks  = 3
)

// hostThreadClockID and hostProcessClockID are the host's encoded CPU clock
// ids (MAKE_THREAD_CPUCLOCK, MAKE_PROCESS_CPUCLOCK).
func hostThreadClockID(tid, which int) int32  { return int32(^tid)<<3 | int32(which) | 4 }
func hostProcessClockID(pid, which int) int32 { return int32(^pid)<<3 | int32(which) }

// readHostClock reads a host CPU clock; ok is false when it is gone (an
// exited thread or process).
func readHostClock(id int32) (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(id, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// HostCPUClockRes is the host's resolution of a CPU clock kind (a tick
// for the sampled user and system times, 1 ns for the scheduler's).
func HostCPUClockRes(which int) time.Duration {
	var ts unix.Timespec
	if unix.ClockGetres(hostProcessClockID(0, which), &ts) != nil {
		return time.Nanosecond
	}
	return time.Duration(ts.Nano())
}

// taskCPU is where a task's CPU time is read on the host.
type taskCPU struct {
	hostTid atomic.Int32 // the task's locked elfloader thread
	stubPid atomic.Int32 // the stub process running its code (0: in process)
	stubTid atomic.Int32 // the stub thread running its code
}

// processCPU accumulates a process's CPU time beyond its live threads.
type processCPU struct {
	mu    sync.Mutex
	tasks map[*Task]struct{} // the tasks whose elfloader thread counts now
	dead  [numCPUClocks]time.Duration
	// stub is the stub process last seen, last its clocks as last read
	// and base the total of the stubs before it (exec).
	stub int
	last [numCPUClocks]time.Duration
	base [numCPUClocks]time.Duration
}

// noteContext records where the task's code runs; called on the task's
// locked OS thread whenever it gets a context.
func (t *Task) noteContext(ctx plat.Context) {
	pid, tid := 0, 0
	if bc, ok := ctx.(plat.BoundContext); ok {
		if h, ok := bc.AddressSpace().(interface{ Pid() int }); ok {
			pid = h.Pid()
		}
	}
	if h, ok := ctx.(interface{ Tid() int }); ok {
		tid = h.Tid()
	}
	if pid <= 0 || tid <= 0 {
		pid, tid = 0, 0
	}
	t.cpu.stubPid.Store(int32(pid))
	t.cpu.stubTid.Store(int32(tid))
	if t.cpu.hostTid.Swap(int32(unix.Gettid())) != 0 {
		return
	}
	c := &t.p.cpu
	c.mu.Lock()
	if c.tasks == nil {
		c.tasks = map[*Task]struct{}{}
	}
	c.tasks[t] = struct{}{}
	c.mu.Unlock()
}

// retireCPU books the task's elfloader thread time into its process for
// good; called on the task's thread as it ends.
func (t *Task) retireCPU() {
	if t.cpu.hostTid.Load() == 0 {
		return
	}
	var v [numCPUClocks]time.Duration
	for w := range v {
		v[w] = t.kernelSideCPU(w)
	}
	c := &t.p.cpu
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tasks[t]; !ok {
		return
	}
	delete(c.tasks, t)
	for w := range v {
		c.dead[w] += v[w]
	}
}

// kernelSideCPU is the CPU time of the task's elfloader thread as this
// clock kind counts it: all of it in process; only as system time when
// the app code runs in a stub.
func (t *Task) kernelSideCPU(which int) time.Duration {
	tid := int(t.cpu.hostTid.Load())
	if tid == 0 || (which == CPUClockVirt && t.cpu.stubPid.Load() != 0) {
		return 0
	}
	v, _ := readHostClock(hostThreadClockID(tid, which))
	return v
}

// CPUTime is the task's CPU time on a clock kind (CPUClock*).
func (t *Task) CPUTime(which int) time.Duration {
	v := t.kernelSideCPU(which)
	if pid, tid := int(t.cpu.stubPid.Load()), int(t.cpu.stubTid.Load()); pid != 0 {
		v += stubThreadCPU(pid, tid, which)
	}
	return v
}

// CPUTime is the process's CPU time on a clock kind (CPUClock*): all its
// threads, live and exited.
func (p *Process) CPUTime(which int) time.Duration {
	c := &p.cpu
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := c.dead[which]
	stub := 0
	for t := range c.tasks {
		sum += t.kernelSideCPU(which)
		if pid := int(t.cpu.stubPid.Load()); pid != 0 {
			stub = pid
		}
	}
	if stub != 0 && stub != c.stub {
		for w := range c.base {
			c.base[w] += c.last[w]
			c.last[w] = 0
		}
		c.stub = stub
	}
	if c.stub != 0 {
		if v, ok := readHostClock(hostProcessClockID(c.stub, which)); ok && v > c.last[which] {
			c.last[which] = v
		}
		sum += c.base[which] + c.last[which]
	}
	return sum
}

// userHZ is the unit of the times in /proc/PID/stat (USER_HZ, 100 on
// x86-64 whatever the kernel's HZ).
const userHZ = 100

// stubThreadCPU reads one stub thread's CPU time from the host's /proc:
// schedstat's first field is its run time in ns, stat's 14th and 15th its
// user and system time in USER_HZ ticks. An exited thread reads 0.
func stubThreadCPU(pid, tid, which int) time.Duration {
	dir := fmt.Sprintf("/proc/%d/task/%d/", pid, tid)
	if which == CPUClockSched {
		b, err := os.ReadFile(dir + "schedstat")
		if err != nil {
			return 0
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0
		}
		ns, _ := strconv.ParseInt(f[0], 10, 64)
		return time.Duration(ns)
	}
	b, err := os.ReadFile(dir + "stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields start after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	// f[0] is field 3 (state): utime is field 14, stime 15.
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	ticks := ut
	if which == CPUClockProf {
		ticks += st
	}
	return time.Duration(ticks) * time.Second / userHZ
}

// CPUClock is a CPU-time clock: a process's (T nil) or one thread's.
type CPUClock struct {
	P     *Process
	T     *Task
	Which int // CPUClockProf, CPUClockVirt or CPUClockSched
}

// Now reads the clock.
func (c CPUClock) Now() time.Duration {
	if c.T != nil {
		return c.T.CPUTime(c.Which)
	}
	return c.P.CPUTime(c.Which)
}

// stopped reports that the clock can no longer advance (its thread or
// process is gone).
func (c CPUClock) stopped() bool {
	if c.T != nil {
		return c.T.Exited()
	}
	return c.P.Exiting()
}
