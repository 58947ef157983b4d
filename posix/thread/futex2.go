package thread

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// The futex2 calls of Linux 6.7 (futex_wake, futex_wait, futex_requeue)
// over the same futex table as futex(2): only 32-bit words, as in Linux.

func registerFutex2(tb *shim.Table) {
	const note = "32-bit words (FUTEX2_SIZE_U32), as Linux; FUTEX2_NUMA's node word is checked and filled in with the host's node"
	tb.Register(unix.SYS_FUTEX_WAKE, shim.Full, note, sysFutexWake)
	tb.Register(unix.SYS_FUTEX_WAIT, shim.Full, note+"; CLOCK_MONOTONIC or CLOCK_REALTIME absolute timeouts", sysFutexWait)
	tb.Register(unix.SYS_FUTEX_REQUEUE, shim.Full, note, sysFutexRequeue)
}

const (
	futex2SizeMask = 0x03
	futex2Numa     = 0x04
	futex2Private  = linux.FUTEX_PRIVATE_FLAG
	futex2Valid    = futex2SizeMask | futex2Numa | futex2Private
)

// futex2Flags checks a futex2 flags word: only 32-bit futexes
// (futex_flags_valid); it reports whether the futex is private.
func futex2Flags(flags uint64) (private bool, err error) {
	if flags&^futex2Valid != 0 || flags&futex2SizeMask != linux.FUTEX2_SIZE_U32 {
		return false, unix.EINVAL
	}
	return flags&futex2Private != 0, nil
}

// futexNoNode is FUTEX_NO_NODE: "fill in the node".
const futexNoNode = 0xffffffff

// futex2Key checks the futex word's key as get_futex_key does: with
// FUTEX2_NUMA the word is followed by a node word, the pair 8-byte
// aligned; a node must be one the host has, and FUTEX_NO_NODE is
// replaced by the host's node (there is one here: node 0).
func futex2Key(t *kernel.Task, addr uint64, flags uint64) error {
	private := flags&futex2Private != 0
	if flags&futex2Numa != 0 {
		if addr%8 != 0 {
			return unix.EINVAL
		}
		var node uint32
		if err := kernel.CopyInStruct(t, addr+4, &node); err != nil {
			return err
		}
		switch node {
		case futexNoNode:
			var zero uint32
			if err := kernel.CopyOutStruct(t, addr+4, &zero); err != nil {
				return err
			}
		case 0:
		default:
			return unix.EINVAL
		}
	}
	return kernel.CheckFutexKey(t, addr, private)
}

// sysFutexWake is futex_wake(uaddr, mask, nr, flags).
func sysFutexWake(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, mask, nr := a[0], a[1], a.Int(2)
	if _, err := futex2Flags(a[3]); err != nil {
		return 0, err
	}
	if mask>>32 != 0 || mask == 0 {
		return 0, unix.EINVAL
	}
	if err := futex2Key(t, addr, a[3]); err != nil {
		return 0, err
	}
	return uint64(t.Kernel().Futexes().Wake(t, addr, a[3]&futex2Private != 0, nr, uint32(mask))), nil
}

// sysFutexWait is futex_wait(uaddr, val, mask, flags, timeout, clockid):
// the timeout is absolute on clockid.
func sysFutexWait(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, val, mask, timeout, clock := a[0], a[1], a[2], a[4], a.Int(5)
	if _, err := futex2Flags(a[3]); err != nil {
		return 0, err
	}
	if val>>32 != 0 || mask>>32 != 0 || mask == 0 {
		return 0, unix.EINVAL
	}
	if err := futex2Key(t, addr, a[3]); err != nil {
		return 0, err
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
	return 0, t.Kernel().Futexes().Wait(t, addr, a[3]&futex2Private != 0, uint32(val), uint32(mask), dl)
}

// sysFutexRequeue is futex_requeue(waiters[2], flags, nr_wake,
// nr_requeue): wake up to nr_wake waiters of waiters[0] (whose word must
// still hold its val) and move up to nr_requeue others to waiters[1].
func sysFutexRequeue(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[1] != 0 {
		return 0, unix.EINVAL
	}
	var w [2]linux.FutexWaitv
	if err := kernel.CopyInStruct(t, a[0], &w); err != nil {
		return 0, err
	}
	for _, x := range w {
		if _, err := futex2Flags(uint64(x.Flags)); err != nil || x.Reserved != 0 {
			return 0, unix.EINVAL
		}
		if x.Val>>32 != 0 {
			return 0, unix.EINVAL
		}
		if err := futex2Key(t, x.Uaddr, uint64(x.Flags)); err != nil {
			return 0, err
		}
	}
	cmp := uint32(w[0].Val)
	// Both words must be private for a private requeue, as in Linux
	// (futex_requeue keys each by its own flags; one table key here).
	private := w[0].Flags&futex2Private != 0 && w[1].Flags&futex2Private != 0
	n, err := t.Kernel().Futexes().Requeue(t, w[0].Uaddr, w[1].Uaddr, private, a.Int(2), a.Int(3), &cmp)
	return uint64(n), err
}
