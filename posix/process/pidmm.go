package process

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// process_madvise(2) and process_mrelease(2): another process's memory
// named by a pidfd.

func registerPidMM(tb *shim.Table) {
	tb.Register(unix.SYS_PROCESS_MADVISE, shim.Full, "any advice on the caller's own memory; MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED and MADV_COLLAPSE on another's (CAP_SYS_NICE and ptrace's rule)", sysProcessMadvise)
	tb.Register(unix.SYS_PROCESS_MRELEASE, shim.Full, "a process that is being killed: its memory goes with it", sysProcessMrelease)
}

// remoteAdvice is what process_madvise may do to another process.
func remoteAdvice(advice int) bool {
	switch advice {
	case unix.MADV_COLD, unix.MADV_PAGEOUT, unix.MADV_WILLNEED, unix.MADV_COLLAPSE:
		return true
	}
	return false
}

// sysProcessMadvise is process_madvise(pidfd, iovec, vlen, advice, flags):
// the bytes advised, short at the first range that fails.
func sysProcessMadvise(t *kernel.Task, a shim.Args) (uint64, error) {
	advice := a.Int(3)
	if a[4] != 0 {
		return 0, unix.EINVAL
	}
	iov, err := t.CopyInIovecs(a[1], a.Int(2))
	if err != nil {
		return 0, err
	}
	target, err := pidfdProcess(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if !alive(t, target) || target.Exiting() {
		return 0, unix.ESRCH
	}
	if target != t.Process() {
		if !remoteAdvice(advice) {
			return 0, unix.EINVAL
		}
		if !t.Process().MayPtrace(target) {
			return 0, unix.EPERM
		}
		if !t.Process().HasCap(kernel.CapSysNice) {
			return 0, unix.EPERM
		}
	}
	var done uint64
	for _, v := range iov {
		if err := target.MM().Advise(v.Base, v.Len, advice); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		done += v.Len
	}
	return done, nil
}

// sysProcessMrelease is process_mrelease(pidfd, flags): only a process
// that is dying (killed, not yet gone) has memory to release early.
func sysProcessMrelease(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[1] != 0 {
		return 0, unix.EINVAL
	}
	target, err := pidfdProcess(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	if !alive(t, target) {
		return 0, unix.ESRCH
	}
	if !target.Exiting() {
		return 0, unix.EINVAL
	}
	return 0, nil
}
