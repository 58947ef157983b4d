package sysinfo

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// CPU affinity (sched_setaffinity(2), sched_getaffinity(2)): a per-thread
// mask, inherited by clone and fork and kept across exec, as Linux keeps
// it in the task. The mask the app sets is recorded, cut to the CPUs the
// host lets elfloader use (as Linux cuts it to the task's cpuset); the
// host threads that run the app are not pinned, so the host's scheduler
// still places them.
func registerAffinity(tb *shim.Table) {
	tb.Register(unix.SYS_SCHED_GETAFFINITY, shim.Full, "the thread's mask: what it set, within the host CPUs elfloader may use", sysSchedGetaffinity)
	tb.Register(unix.SYS_SCHED_SETAFFINITY, shim.Partial, "recorded per thread with Linux's rules (inherited, read back); the host threads are not pinned", sysSchedSetaffinity)
}

// maxCpumaskBytes: NR_CPUS is at most 8192, so a cpumask never has more
// than 1024 bytes.
const maxCpumaskBytes = 8192 / 8

// affinityKey holds a thread's mask ([]byte of the host's cpumask size)
// once it set one; a thread that never did has the host's mask.
type affinityKey struct{}

// hostAffinity asks the host for the CPUs it lets elfloader use with
// the app's length (capped): the host kernel decides the EINVAL cases and
// how many bytes its cpumask has (its cpumask_size(), a whole number of
// longs, which may exceed the CPUs present).
func hostAffinity(size uint64) ([]byte, error) {
	buf := make([]byte, max(min(size, maxCpumaskBytes), 1))
	n, _, errno := unix.RawSyscall(unix.SYS_SCHED_GETAFFINITY, 0, uintptr(min(size, maxCpumaskBytes)), uintptr(unsafe.Pointer(&buf[0])))
	if errno != 0 {
		return nil, errno
	}
	return buf[:n], nil
}

// affinityTarget is the thread a sched_*affinity pid names: 0 is the
// caller, any other number a thread id (a process id is its leader's).
func affinityTarget(t *kernel.Task, pid int) (*kernel.Task, error) {
	if pid == 0 {
		return t, nil
	}
	if pid > 0 {
		if nt := t.Kernel().TaskByTID(pid); nt != nil {
			return nt, nil
		}
	}
	return nil, unix.ESRCH
}

// restrict cuts mask to the mask target recorded, if it set one.
func restrict(mask []byte, target *kernel.Task) {
	v, ok := target.TaskValue(affinityKey{})
	if !ok {
		return
	}
	own := v.([]byte)
	for i := range mask {
		if i < len(own) {
			mask[i] &= own[i]
		} else {
			mask[i] = 0
		}
	}
}

// sysSchedGetaffinity is Linux's: the length must be a whole number of
// longs covering every possible CPU (checked before the pid), and the
// app gets min(length, cpumask_size) bytes.
func sysSchedGetaffinity(t *kernel.Task, a shim.Args) (uint64, error) {
	size := a[1]
	if size%8 != 0 {
		return 0, unix.EINVAL // a whole number of longs, whatever the length
	}
	mask, err := hostAffinity(size)
	if err != nil {
		return 0, err
	}
	target, err := affinityTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	restrict(mask, target)
	if err := t.CopyOut(a[2], mask); err != nil {
		return 0, err
	}
	return uint64(len(mask)), nil
}

// sysSchedSetaffinity is Linux's sched_setaffinity: the caller must own
// the target (its effective uid is the target's real or effective uid)
// or hold CAP_SYS_NICE; a shorter mask is padded with zeros, a longer
// one cut; the mask is cut to the host's CPUs, and nothing left is
// EINVAL.
func sysSchedSetaffinity(t *kernel.Task, a shim.Args) (uint64, error) {
	host, err := hostAffinity(maxCpumaskBytes)
	if err != nil {
		return 0, err
	}
	mask := make([]byte, len(host))
	if err := t.CopyIn(a[2], mask[:min(a[1], uint64(len(mask)))]); err != nil {
		return 0, err
	}
	target, err := affinityTarget(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	c, tc := t.Process().Creds(), target.Process().Creds()
	if c.EUID != tc.EUID && c.EUID != tc.RUID && !t.Process().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	some := false
	for i := range mask {
		mask[i] &= host[i]
		some = some || mask[i] != 0
	}
	if !some {
		return 0, unix.EINVAL
	}
	target.SetTaskValue(affinityKey{}, mask)
	return 0, nil
}
