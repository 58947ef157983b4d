package sysinfo

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_UNAME, shim.Full, "the host kernel's release and version, the app's own host and domain names", sysUname)
	tb.Register(unix.SYS_SYSINFO, shim.Full, "memory figures from the host; uptime from elfloader's start; procs is the app's task count", sysSysinfo)
	registerAffinity(tb)
	tb.Register(unix.SYS_SCHED_YIELD, shim.Full, "the host's: the task's thread yields its CPU", sysSchedYield)
	tb.Register(unix.SYS_GETCPU, shim.Full, "", sysGetcpu)
	registerFacts(tb)
	registerSyslog(tb)
}

// sysSchedYield yields the host CPU of the task's thread, which is what
// the app asks for: spinning locks (Go's runtime, glibc's adaptive
// mutexes) yield between spins. runtime.Gosched in the task's goroutine,
// which is locked to its thread, made every yield a hand-off of the P to
// another thread and back: two host context switches and more. (Under
// the isolated platform the thread that yields is the one serving the
// call while the app's own waits for the answer.)
func sysSchedYield(t *kernel.Task, a shim.Args) (uint64, error) {
	unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	return 0, nil
}

func putField(dst []byte, s string) {
	n := copy(dst[:len(dst)-1], s)
	for i := n; i < len(dst); i++ {
		dst[i] = 0
	}
}

func sysUname(t *kernel.Task, a shim.Args) (uint64, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return 0, err
	}
	putField(u.Sysname[:], "Linux")
	putField(u.Nodename[:], t.Kernel().Hostname())
	putField(u.Machine[:], "x86_64")
	putField(u.Domainname[:], t.Kernel().Domainname())
	return 0, kernel.CopyOutStruct(t, a[0], &u)
}

func sysSysinfo(t *kernel.Task, a shim.Args) (uint64, error) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0, err
	}
	si.Uptime = int64(time.Since(t.Kernel().BootTime()).Seconds())
	si.Procs = 1
	return 0, kernel.CopyOutStruct(t, a[0], &si)
}

func sysGetcpu(t *kernel.Task, a shim.Args) (uint64, error) {
	cpu, node := uint32(0), uint32(0)
	if a[0] != 0 {
		if err := kernel.CopyOutValue(t, a[0], cpu); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		if err := kernel.CopyOutValue(t, a[1], node); err != nil {
			return 0, err
		}
	}
	return 0, nil
}
