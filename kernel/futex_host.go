package kernel

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// Host futex waits. When the app's memory is elfloader's own (the
// in-process platform) and a futex word is in private memory, the app's
// FUTEX_WAIT becomes a host futex_waitv on the word itself and the app's
// FUTEX_WAKE a host FUTEX_WAKE on it, so that a wake-up is the host
// kernel's alone. Parking the waiting task's goroutine instead cost every
// hand-off two host context switches and two host futex calls more, since
// a task's goroutine is locked to its thread and the Go scheduler hands
// its P over to wake it (a Go server made three times the host futex calls
// of its native run).
//
// The wait also watches the task's interrupt word (Task.futexIntr), which
// notify() raises and wakes when a signal may need delivery: a signal
// sent before the wait begins makes futex_waitv return at once (the word
// is no longer 0), one sent during it wakes it.
//
// Waits with a bitset other than FUTEX_BITSET_MATCH_ANY, waits of the
// isolated platform and futexes in shared memory stay in the FutexTable;
// wakes try both (the table's waiters first).

// hostFutexState is whether host futex waits are used: 0 until the host
// refuses futex_waitv (ENOSYS before Linux 5.16; EPERM or EINVAL from a
// filter), then hostFutexNever for good.
type hostFutexState struct{ state atomic.Int32 }

// futexWaitv is struct futex_waitv.
type futexWaitv struct {
	val      uint64
	uaddr    uint64
	flags    uint32
	reserved uint32
}

const (
	futex2Size32   = 0x02
	futex2Private  = 0x80
	hostFutexNever = -1
)

// hostFutexKey reports whether the futex at addr is served by host futex
// calls: in-process memory, not in a shared mapping.
func (t *Task) hostFutexKey(addr uint64, private bool) bool {
	if t.k.futexHost.state.Load() == hostFutexNever {
		return false
	}
	k := t.futexKey(addr, private)
	return k.space == nil && k.object == (sharedObject{})
}

// hostWakeable reports whether wakes of the futex at addr must reach host
// waiters too: a host-served futex in memory the app has mapped (a wake
// never reaches a word of elfloader's own).
func (t *Task) hostWakeable(addr uint64, private bool) bool {
	return t.hostFutexKey(addr, private) && t.p.mm.Prefix(addr, 4, false) >= 4
}

// hostWait waits on the futex word at addr while it holds val, woken by a
// host FUTEX_WAKE on it (nil), the deadline (ETIMEDOUT) or a signal
// (ERESTARTSYS); a wake of the interrupt word without a signal to deliver
// returns nil, a spurious wake-up (which futex callers expect: waiting
// again could miss a wake sent meanwhile). served is false when the host
// cannot wait this way (the caller then uses the table).
func (ft *FutexTable) hostWait(t *Task, addr uint64, val uint32, deadline time.Time) (served bool, err error) {
	var ts *unix.Timespec
	if !deadline.IsZero() {
		var now unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
			return false, nil
		}
		d := max(time.Until(deadline), 0)
		abs := unix.NsecToTimespec(now.Nano() + d.Nanoseconds())
		ts = &abs
	}
	w := [2]futexWaitv{
		{val: uint64(val), uaddr: addr, flags: futex2Size32 | futex2Private},
		{val: 0, uaddr: uint64(uintptr(unsafe.Pointer(&t.futexIntr))), flags: futex2Size32 | futex2Private},
	}
	defer t.futexWaiting.Store(false)
	if t.armHostWait() {
		return true, ERESTARTSYS
	}
	r, _, e := unix.Syscall6(unix.SYS_FUTEX_WAITV, uintptr(unsafe.Pointer(&w[0])), 2, 0,
		uintptr(unsafe.Pointer(ts)), uintptr(unix.CLOCK_MONOTONIC), 0)
	switch {
	case e == 0 && r == 0:
		return true, nil
	case e == 0, e == unix.EINTR, e == unix.EAGAIN && t.futexIntr.Load() != 0:
		// The interrupt word, or a host signal.
		if t.HasDeliverable() {
			return true, ERESTARTSYS
		}
		return true, nil
	case e == unix.ENOSYS || e == unix.EPERM || e == unix.EINVAL:
		t.k.futexHost.state.Store(hostFutexNever)
		return false, nil
	}
	return true, e // EAGAIN: the word no longer held val; ETIMEDOUT; EFAULT
}

// armHostWait prepares a host wait on the task's interrupt word: lowered,
// and marked as watched so that notify raises and wakes it. It reports
// whether a signal may already need delivery (then the caller must not
// wait). The caller clears futexWaiting when its wait ends.
func (t *Task) armHostWait() (deliverable bool) {
	t.futexIntr.Store(0)
	t.futexWaiting.Store(true)
	return t.HasDeliverable()
}

// interruptHostWait wakes the task from a host futex wait (notify).
func (t *Task) interruptHostWait() {
	if !t.futexWaiting.Load() {
		return
	}
	t.futexIntr.Store(1)
	hostFutexWake(uint64(uintptr(unsafe.Pointer(&t.futexIntr))), 1)
}

// hostFutexWake wakes up to n host waiters on the futex word at addr and
// returns how many it woke.
func hostFutexWake(addr uint64, n int) int {
	if n <= 0 {
		return 0
	}
	r, _, e := unix.RawSyscall6(unix.SYS_FUTEX, uintptr(addr), uintptr(linux.FUTEX_WAKE|linux.FUTEX_PRIVATE_FLAG),
		uintptr(min(n, 1<<31-1)), 0, 0, 0)
	if e != 0 {
		return 0
	}
	return int(r)
}

// hostFutexRequeue wakes up to nwake host waiters on the futex word at
// addr and moves up to nrequeue others to the word at addr2 (with cmp,
// only while addr still holds *cmp), returning how many it woke or moved.
func hostFutexRequeue(addr, addr2 uint64, nwake, nrequeue int, cmp *uint32) int {
	op, val3 := linux.FUTEX_REQUEUE, uint32(0)
	if cmp != nil {
		op, val3 = linux.FUTEX_CMP_REQUEUE, *cmp
	}
	r, _, e := unix.RawSyscall6(unix.SYS_FUTEX, uintptr(addr), uintptr(op|linux.FUTEX_PRIVATE_FLAG),
		uintptr(max(nwake, 0)), uintptr(max(nrequeue, 0)), uintptr(addr2), uintptr(val3))
	if e != 0 {
		return 0
	}
	return int(r)
}

// Sleep blocks the task for d, as nanosleep: nil when the time is up,
// ERESTARTSYS when a signal may need delivery. The wait is a host
// FUTEX_WAIT on the task's interrupt word with a timeout, so the host
// kernel alone wakes the thread: a Go timer and a parked goroutine cost
// each sleep two host context switches more (the timer's thread hands the
// P to the task's locked thread), and a Go program's sysmon sleeps 20 µs
// at a time while its server is busy.
func (t *Task) Sleep(d time.Duration) error {
	deadline := time.Now().Add(d)
	word := uintptr(unsafe.Pointer(&t.futexIntr))
	for {
		if t.armHostWait() {
			t.futexWaiting.Store(false)
			return ERESTARTSYS
		}
		left := time.Until(deadline)
		if left <= 0 {
			t.futexWaiting.Store(false)
			return nil
		}
		ts := unix.NsecToTimespec(left.Nanoseconds())
		_, _, e := unix.Syscall6(unix.SYS_FUTEX, word, uintptr(linux.FUTEX_WAIT|linux.FUTEX_PRIVATE_FLAG),
			0, uintptr(unsafe.Pointer(&ts)), 0, 0)
		t.futexWaiting.Store(false)
		switch e {
		case 0, unix.EAGAIN, unix.EINTR, unix.ETIMEDOUT:
			// Woken, raised before the wait, a host signal, or the time
			// is up: the loop's checks say which.
		default:
			// The host refused the wait (a filter): sleep as Block does,
			// its deadline being success.
			if err := t.Block(nil, deadline); err != unix.ETIMEDOUT {
				return err
			}
			return nil
		}
	}
}
