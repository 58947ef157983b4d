package thread

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/posix/process"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	registerMembarrier(tb)
	tb.Register(unix.SYS_CLONE, shim.Partial, "threads (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND with SETTLS, PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID); vfork-style children (CLONE_VM); fork (no CLONE_VM: a copy-on-write copy of memory, with PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID, SETTLS and an exit signal); CLONE_PIDFD for children (a close-on-exec pidfd; with CLONE_THREAD EINVAL, as before Linux 6.9); CLONE_FILES without CLONE_VM, CLONE_PARENT and namespaces are refused (EINVAL)", sysClone)
	tb.Register(unix.SYS_CLONE3, shim.Partial, "as clone; set_tid and cgroup are refused", sysClone3)
	tb.Register(unix.SYS_FUTEX, shim.Partial, "all operations but FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI (ENOSYS); PI futexes are correct locks without priority inheritance", sysFutex)
	tb.Register(unix.SYS_FUTEX_WAITV, shim.Full, "", sysFutexWaitv)
	registerFutex2(tb)
}

func sysClone(t *kernel.Task, a shim.Args) (uint64, error) {
	ca := kernel.CloneArgs{
		Flags: a[0] &^ unix.CSIGNAL, ExitSignal: int(a[0] & unix.CSIGNAL),
		Stack: a[1], ParentTID: a[2], ChildTID: a[3], TLS: a[4],
	}
	if ca.Flags&unix.CLONE_PIDFD != 0 {
		// clone(2) writes the pidfd where it would write the parent's
		// TID: both at once cannot be.
		if ca.Flags&unix.CLONE_PARENT_SETTID != 0 {
			return 0, unix.EINVAL
		}
		ca.PidfdAddr = a[2]
	}
	return clone(t, ca)
}

// clone is clone and clone3 once their arguments are read: CLONE_PIDFD's
// rules (no thread, no CLONE_DETACHED), then the kernel's clone.
func clone(t *kernel.Task, ca kernel.CloneArgs) (uint64, error) {
	if ca.Flags&unix.CLONE_PIDFD != 0 {
		if ca.Flags&(unix.CLONE_THREAD|unix.CLONE_DETACHED) != 0 {
			return 0, unix.EINVAL
		}
		ca.Flags &^= unix.CLONE_PIDFD
		ca.OpenPidfd = func(child *kernel.Process) (int, error) { return process.OpenPidfd(t, child, 0) }
	}
	tid, err := t.Clone(ca)
	return uint64(tid), err
}

// sysClone3 reads a size-versioned struct clone_args with the kernel's
// rules: sizes above a page E2BIG, below the first version EINVAL, unknown
// trailing bytes must be zero (E2BIG).
func sysClone3(t *kernel.Task, a shim.Args) (uint64, error) {
	size := a[1]
	if size > linux.PageSize {
		return 0, unix.E2BIG
	}
	if size < linux.CloneArgsSizeVer0 {
		return 0, unix.EINVAL
	}
	b := make([]byte, size)
	if err := t.CopyIn(a[0], b); err != nil {
		return 0, err
	}
	var ca linux.CloneArgs
	if err := linux.DecodeExtensible(b, &ca); err != nil {
		return 0, err
	}
	if ca.SetTID != 0 || ca.SetTIDSize != 0 {
		return 0, unix.EINVAL // set_tid
	}
	// The exit signal is never in clone3's flags (CSIGNAL bits).
	if ca.ExitSignal > linux.NumSignals || ca.Flags&unix.CSIGNAL != 0 || (ca.Stack == 0) != (ca.StackSize == 0) {
		return 0, unix.EINVAL
	}
	sp := uint64(0)
	if ca.Stack != 0 {
		sp = ca.Stack + ca.StackSize
	}
	return clone(t, kernel.CloneArgs{Flags: ca.Flags, ExitSignal: int(ca.ExitSignal), Stack: sp, ParentTID: ca.ParentTID, ChildTID: ca.ChildTID, TLS: ca.TLS, PidfdAddr: ca.Pidfd})
}

func readTimespec(t *kernel.Task, addr uint64) (time.Duration, error) {
	var ts unix.Timespec
	if err := kernel.CopyInStruct(t, addr, &ts); err != nil {
		return 0, err
	}
	if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
		return 0, unix.EINVAL
	}
	return time.Duration(ts.Nano()), nil
}

// deadline turns a futex timeout into a wall-clock deadline: relative for
// FUTEX_WAIT, absolute on CLOCK_MONOTONIC (or CLOCK_REALTIME with the flag)
// for the bitset and PI operations.
func deadline(t *kernel.Task, addr uint64, absolute, realtime bool) (time.Time, error) {
	if addr == 0 {
		return time.Time{}, nil
	}
	d, err := readTimespec(t, addr)
	if err != nil {
		return time.Time{}, err
	}
	if !absolute {
		return time.Now().Add(d), nil
	}
	clock := int32(unix.CLOCK_MONOTONIC)
	if realtime {
		clock = unix.CLOCK_REALTIME
	}
	var now unix.Timespec
	unix.ClockGettime(clock, &now)
	return time.Now().Add(d - time.Duration(now.Nano())), nil
}

func sysFutex(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, op, val, timeout, addr2, val3 := a[0], a.Int(1), uint32(a[2]), a[3], a[4], uint32(a[5])
	cmd := op &^ (linux.FUTEX_PRIVATE_FLAG | linux.FUTEX_CLOCK_REALTIME)
	realtime := op&linux.FUTEX_CLOCK_REALTIME != 0
	if realtime && cmd != linux.FUTEX_WAIT_BITSET && cmd != linux.FUTEX_WAIT_REQUEUE_PI && cmd != linux.FUTEX_LOCK_PI2 && cmd != linux.FUTEX_WAIT {
		return 0, unix.ENOSYS
	}
	ft := t.Kernel().Futexes()
	private := op&linux.FUTEX_PRIVATE_FLAG != 0
	switch cmd {
	case linux.FUTEX_WAKE, linux.FUTEX_WAKE_BITSET, linux.FUTEX_REQUEUE, linux.FUTEX_CMP_REQUEUE, linux.FUTEX_WAKE_OP:
		if err := kernel.CheckFutexKey(t, addr, private); err != nil {
			return 0, err
		}
	}
	switch cmd {
	case linux.FUTEX_REQUEUE, linux.FUTEX_CMP_REQUEUE, linux.FUTEX_WAKE_OP:
		if err := kernel.CheckFutexKey(t, addr2, private); err != nil {
			return 0, err
		}
	}
	switch cmd {
	case linux.FUTEX_WAIT, linux.FUTEX_WAIT_BITSET:
		bitset := uint32(linux.FUTEX_BITSET_MATCH_ANY)
		if cmd == linux.FUTEX_WAIT_BITSET {
			bitset = val3
		}
		dl, err := deadline(t, timeout, cmd == linux.FUTEX_WAIT_BITSET, realtime)
		if err != nil {
			return 0, err
		}
		return 0, ft.Wait(t, addr, private, val, bitset, dl)
	case linux.FUTEX_WAKE, linux.FUTEX_WAKE_BITSET:
		bitset := uint32(linux.FUTEX_BITSET_MATCH_ANY)
		if cmd == linux.FUTEX_WAKE_BITSET {
			bitset = val3
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		return uint64(ft.Wake(t, addr, private, int(int32(val)), bitset)), nil
	case linux.FUTEX_REQUEUE:
		n, err := ft.Requeue(t, addr, addr2, private, int(int32(val)), int(int32(timeout)), nil)
		return uint64(n), err
	case linux.FUTEX_CMP_REQUEUE:
		n, err := ft.Requeue(t, addr, addr2, private, int(int32(val)), int(int32(timeout)), &val3)
		return uint64(n), err
	case linux.FUTEX_WAKE_OP:
		n, err := ft.WakeOp(t, addr, addr2, private, int(int32(val)), int(int32(timeout)), val3)
		return uint64(n), err
	case linux.FUTEX_LOCK_PI, linux.FUTEX_LOCK_PI2:
		dl, err := deadline(t, timeout, true, cmd == linux.FUTEX_LOCK_PI || realtime)
		if err != nil {
			return 0, err
		}
		return 0, ft.LockPI(t, addr, private, false, dl)
	case linux.FUTEX_TRYLOCK_PI:
		return 0, ft.LockPI(t, addr, private, true, time.Time{})
	case linux.FUTEX_UNLOCK_PI:
		if addr%4 != 0 {
			// Linux reads the word before it checks the alignment.
			var word uint32
			if err := kernel.CopyInStruct(t, addr, &word); err != nil {
				return 0, err
			}
			if int(word&linux.FUTEX_TID_MASK) != t.TID {
				return 0, unix.EPERM
			}
			return 0, unix.EINVAL
		}
		return 0, ft.UnlockPI(t, addr, private)
	}
	return 0, unix.ENOSYS
}

func sysFutexWaitv(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, n, flags, timeout, clock := a[0], a[1], a[2], a[3], a.Int(4)
	if flags != 0 || n == 0 || n > 128 || addr == 0 {
		return 0, unix.EINVAL
	}
	waiters := make([]linux.FutexWaitv, n)
	if err := kernel.CopyInStructs(t, addr, waiters); err != nil {
		return 0, err
	}
	addrs := make([]uint64, n)
	private := make([]bool, n)
	vals := make([]uint32, n)
	for i, w := range waiters {
		vals[i] = uint32(w.Val)
		addrs[i] = w.Uaddr
		private[i] = w.Flags&linux.FUTEX_PRIVATE_FLAG != 0
		if w.Flags&^linux.FUTEX_PRIVATE_FLAG != linux.FUTEX2_SIZE_U32 || w.Reserved != 0 {
			return 0, unix.EINVAL
		}
	}
	var dl time.Time
	if timeout != 0 {
		if clock != unix.CLOCK_MONOTONIC && clock != unix.CLOCK_REALTIME {
			return 0, unix.EINVAL
		}
		var err error
		if dl, err = deadline(t, timeout, true, clock == unix.CLOCK_REALTIME); err != nil {
			return 0, err
		}
	}
	i, err := t.Kernel().Futexes().Waitv(t, addrs, private, vals, dl)
	return uint64(i), err
}
