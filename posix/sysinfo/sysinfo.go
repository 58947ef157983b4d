package sysinfo

import (
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_UNAME, shim.Full, "the host kernel's release and version, the app's own host and domain names", sysUname)
	tb.Register(unix.SYS_SYSINFO, shim.Full, "memory figures from the host; uptime from elfloader's start; procs is the app's task count", sysSysinfo)
	tb.Register(unix.SYS_SCHED_GETAFFINITY, shim.Full, "the host CPUs elfloader may use", sysSchedGetaffinity)
	tb.Register(unix.SYS_SCHED_SETAFFINITY, shim.Partial, "validated and accepted; threads are not pinned", sysSchedSetaffinity)
	tb.Register(unix.SYS_SCHED_YIELD, shim.Full, "", func(t *kernel.Task, a shim.Args) (uint64, error) {
		runtime.Gosched()
		return 0, nil
	})
	tb.Register(unix.SYS_GETCPU, shim.Full, "", sysGetcpu)
	registerFacts(tb)
	registerSyslog(tb)
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

const maxCpumaskBytes = 8192 / 8

// sysSchedGetaffinity asks the host with the app's length: the host
// kernel decides the EINVAL cases and how many bytes its cpumask has (its
// cpumask_size, which may exceed the CPUs present), and the app gets
// exactly those bytes.
func sysSchedGetaffinity(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, size := a.Int(0), a[1]
	if pid != 0 && pid != t.TID && pid != t.Process().PID {
		return 0, unix.ESRCH
	}
	if size%8 != 0 {
		return 0, unix.EINVAL // a whole number of longs, whatever the length
	}
	// NR_CPUS is at most 8192: a cpumask never has more than 1024 bytes.
	hostLen := min(size, maxCpumaskBytes)
	buf := make([]byte, max(hostLen, 1))
	n, _, errno := unix.RawSyscall(unix.SYS_SCHED_GETAFFINITY, 0, uintptr(hostLen), uintptr(unsafe.Pointer(&buf[0])))
	if errno != 0 {
		return 0, errno
	}
	if err := t.CopyOut(a[2], buf[:n]); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

func sysSchedSetaffinity(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, size := a.Int(0), a[1]
	if pid != 0 && pid != t.TID && pid != t.Process().PID {
		return 0, unix.ESRCH
	}
	buf := make([]byte, min(size, 128))
	if err := t.CopyIn(a[2], buf); err != nil {
		return 0, err
	}
	for _, b := range buf[:min(len(buf), (runtime.NumCPU()+7)/8)] {
		if b != 0 {
			return 0, nil
		}
	}
	return 0, unix.EINVAL
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
