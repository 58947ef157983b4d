package thread

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_CLONE, shim.Partial, "threads (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND with SETTLS, PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID); vfork-style children (CLONE_VM); fork (no CLONE_VM: a copy-on-write copy of memory, with PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID, SETTLS and an exit signal); CLONE_FILES without CLONE_VM, CLONE_PARENT and namespaces are refused (EINVAL)", sysClone)
	tb.Register(unix.SYS_CLONE3, shim.Partial, "as clone; set_tid and cgroup are refused", sysClone3)
	tb.Register(unix.SYS_FUTEX, shim.Partial, "all operations but FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI (ENOSYS); PI futexes are correct locks without priority inheritance", sysFutex)
	tb.Register(unix.SYS_FUTEX_WAITV, shim.Full, "", sysFutexWaitv)
}

func sysClone(t *kernel.Task, a shim.Args) (uint64, error) {
	tid, err := t.Clone(kernel.CloneArgs{
		Flags: a[0] &^ 0xff, ExitSignal: int(a[0] & 0xff),
		Stack: a[1], ParentTID: a[2], ChildTID: a[3], TLS: a[4],
	})
	return uint64(tid), err
}

const cloneSignalBits = 0xff // CSIGNAL: clone's exit signal, never in clone3's flags

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
	if ca.ExitSignal > 64 || ca.Flags&cloneSignalBits != 0 || (ca.Stack == 0) != (ca.StackSize == 0) {
		return 0, unix.EINVAL
	}
	sp := uint64(0)
	if ca.Stack != 0 {
		sp = ca.Stack + ca.StackSize
	}
	tid, err := t.Clone(kernel.CloneArgs{Flags: ca.Flags, ExitSignal: int(ca.ExitSignal), Stack: sp, ParentTID: ca.ParentTID, ChildTID: ca.ChildTID, TLS: ca.TLS})
	return uint64(tid), err
}

const (
	futexWait          = 0
	futexWake          = 1
	futexFd            = 2
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWakeOp        = 5
	futexLockPI        = 6
	futexUnlockPI      = 7
	futexTrylockPI     = 8
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexWaitRequeuePI = 11
	futexCmpRequeuePI  = 12
	futexLockPI2       = 13
	futexPrivate       = 128
	futexClockRealtime = 256
	bitsetAny          = 0xffffffff
)

func readTimespec(t *kernel.Task, addr uint64) (time.Duration, error) {
	var b [16]byte
	if err := t.CopyIn(addr, b[:]); err != nil {
		return 0, err
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b[:])), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return 0, unix.EINVAL
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), nil
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
	cmd := op &^ (futexPrivate | futexClockRealtime)
	realtime := op&futexClockRealtime != 0
	if realtime && cmd != futexWaitBitset && cmd != futexWaitRequeuePI && cmd != futexLockPI2 && cmd != futexWait {
		return 0, unix.ENOSYS
	}
	ft := t.Kernel().Futexes()
	private := op&futexPrivate != 0
	switch cmd {
	case futexWake, futexWakeBitset, futexRequeue, futexCmpRequeue, futexWakeOp:
		if err := kernel.CheckFutexKey(t, addr, private); err != nil {
			return 0, err
		}
	}
	switch cmd {
	case futexRequeue, futexCmpRequeue, futexWakeOp:
		if err := kernel.CheckFutexKey(t, addr2, private); err != nil {
			return 0, err
		}
	}
	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := uint32(bitsetAny)
		if cmd == futexWaitBitset {
			bitset = val3
		}
		dl, err := deadline(t, timeout, cmd == futexWaitBitset, realtime)
		if err != nil {
			return 0, err
		}
		return 0, ft.Wait(t, addr, val, bitset, dl)
	case futexWake, futexWakeBitset:
		bitset := uint32(bitsetAny)
		if cmd == futexWakeBitset {
			bitset = val3
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		return uint64(ft.Wake(t, addr, int(int32(val)), bitset)), nil
	case futexRequeue:
		n, err := ft.Requeue(t, addr, addr2, int(int32(val)), int(int32(timeout)), nil)
		return uint64(n), err
	case futexCmpRequeue:
		n, err := ft.Requeue(t, addr, addr2, int(int32(val)), int(int32(timeout)), &val3)
		return uint64(n), err
	case futexWakeOp:
		n, err := ft.WakeOp(t, addr, addr2, int(int32(val)), int(int32(timeout)), val3)
		return uint64(n), err
	case futexLockPI, futexLockPI2:
		dl, err := deadline(t, timeout, true, cmd == futexLockPI || realtime)
		if err != nil {
			return 0, err
		}
		return 0, ft.LockPI(t, addr, false, dl)
	case futexTrylockPI:
		return 0, ft.LockPI(t, addr, true, time.Time{})
	case futexUnlockPI:
		if addr%4 != 0 {
			// Linux reads the word before it checks the alignment.
			var b [4]byte
			if err := t.CopyIn(addr, b[:]); err != nil {
				return 0, err
			}
			if int(binary.LittleEndian.Uint32(b[:])&kernel.FUTEX_TID_MASK) != t.TID {
				return 0, unix.EPERM
			}
			return 0, unix.EINVAL
		}
		return 0, ft.UnlockPI(t, addr)
	}
	return 0, unix.ENOSYS
}

// struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 reserved; }
func sysFutexWaitv(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, n, flags, timeout, clock := a[0], a[1], a[2], a[3], a.Int(4)
	if flags != 0 || n == 0 || n > 128 || addr == 0 {
		return 0, unix.EINVAL
	}
	b := make([]byte, 24*n)
	if err := t.CopyIn(addr, b); err != nil {
		return 0, err
	}
	addrs := make([]uint64, n)
	vals := make([]uint32, n)
	for i := range addrs {
		e := b[24*i:]
		vals[i] = uint32(binary.LittleEndian.Uint64(e[0:]))
		addrs[i] = binary.LittleEndian.Uint64(e[8:])
		fl := binary.LittleEndian.Uint32(e[16:])
		if fl&^futexPrivate != 2 || binary.LittleEndian.Uint32(e[20:]) != 0 { // FUTEX2_SIZE_U32
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
	i, err := t.Kernel().Futexes().Waitv(t, addrs, vals, dl)
	return uint64(i), err
}
