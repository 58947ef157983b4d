package linux

import (
	"errors"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestStructSizes: every Go type a handler copies to or from app memory has
// the size of the kernel's struct (the constants come from the x86-64 UAPI
// headers).
func TestStructSizes(t *testing.T) {
	cases := []struct {
		name      string
		got, want uintptr
	}{
		{"stat", unsafe.Sizeof(unix.Stat_t{}), SizeofStat},
		{"statx", unsafe.Sizeof(unix.Statx_t{}), SizeofStatx},
		{"statfs", unsafe.Sizeof(unix.Statfs_t{}), SizeofStatfs},
		{"kernel sigaction", unsafe.Sizeof(KernelSigaction{}), SizeofKernelSigaction},
		{"signalfd_siginfo", unsafe.Sizeof(unix.SignalfdSiginfo{}), SizeofSignalfdSiginfo},
		{"stack_t", unsafe.Sizeof(Stack{}), SizeofStack},
		{"rlimit", unsafe.Sizeof(unix.Rlimit{}), SizeofRlimit},
		{"rusage", unsafe.Sizeof(unix.Rusage{}), SizeofRusage},
		{"tms", unsafe.Sizeof(unix.Tms{}), SizeofTms},
		{"timespec", unsafe.Sizeof(unix.Timespec{}), SizeofTimespec},
		{"timeval", unsafe.Sizeof(unix.Timeval{}), SizeofTimeval},
		{"itimerval", unsafe.Sizeof(unix.Itimerval{}), SizeofItimerval},
		{"itimerspec", unsafe.Sizeof(unix.ItimerSpec{}), SizeofItimerspec},
		{"sysinfo", unsafe.Sizeof(unix.Sysinfo_t{}), SizeofSysinfo},
		{"utsname", unsafe.Sizeof(unix.Utsname{}), SizeofUtsname},
		{"epoll_event", unsafe.Sizeof(unix.EpollEvent{}), SizeofEpollEvent},
		{"pollfd", unsafe.Sizeof(unix.PollFd{}), SizeofPollfd},
		{"iovec", unsafe.Sizeof(unix.Iovec{}), SizeofIovec},
		{"msghdr", unsafe.Sizeof(unix.Msghdr{}), SizeofMsghdr},
		{"mmsghdr", unsafe.Sizeof(Mmsghdr{}), SizeofMmsghdr},
		{"cmsghdr", unsafe.Sizeof(unix.Cmsghdr{}), SizeofCmsghdr},
		{"ucred", unsafe.Sizeof(unix.Ucred{}), SizeofUcred},
		{"linger", unsafe.Sizeof(unix.Linger{}), SizeofLinger},
		{"flock", unsafe.Sizeof(unix.Flock_t{}), SizeofFlock},
		{"robust_list_head", unsafe.Sizeof(RobustListHead{}), SizeofRobustListHead},
		{"sockaddr_in", unsafe.Sizeof(unix.RawSockaddrInet4{}), SizeofSockaddrIn},
		{"sockaddr_in6", unsafe.Sizeof(unix.RawSockaddrInet6{}), SizeofSockaddrIn6},
		{"sockaddr_un path", unsafe.Sizeof(unix.RawSockaddrUnix{}.Path), SizeofSockaddrUnPath},
		{"open_how", unsafe.Sizeof(unix.OpenHow{}), OpenHowSizeVer0},
		{"clone_args", unsafe.Sizeof(CloneArgs{}), CloneArgsSizeVer2},
		{"cpu_set_t", unsafe.Sizeof(unix.CPUSet{}), 128},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: Go type is %d bytes, the kernel's struct %d", c.name, c.got, c.want)
		}
	}
}

// TestStructOffsets checks the fields whose place is easy to get wrong:
// padding after ints, the packed epoll_event, the timestamps of stat and
// statx.
func TestStructOffsets(t *testing.T) {
	var (
		st   unix.Stat_t
		stx  unix.Statx_t
		sa   KernelSigaction
		ss   Stack
		ev   unix.EpollEvent
		ca   CloneArgs
		mm   Mmsghdr
		sfd  unix.SignalfdSiginfo
		sys  unix.Sysinfo_t
		lock unix.Flock_t
		msg  unix.Msghdr
	)
	cases := []struct {
		name      string
		got, want uintptr
	}{
		{"stat.st_mode", unsafe.Offsetof(st.Mode), 24},
		{"stat.st_size", unsafe.Offsetof(st.Size), 48},
		{"stat.st_mtim", unsafe.Offsetof(st.Mtim), 88},
		{"statx.stx_mode", unsafe.Offsetof(stx.Mode), 28},
		{"statx.stx_ino", unsafe.Offsetof(stx.Ino), 32},
		{"statx.stx_mtime", unsafe.Offsetof(stx.Mtime), 112},
		{"statx.stx_rdev_major", unsafe.Offsetof(stx.Rdev_major), 128},
		{"statx.stx_dev_major", unsafe.Offsetof(stx.Dev_major), 136},
		{"statx.stx_mnt_id", unsafe.Offsetof(stx.Mnt_id), 144},
		{"sigaction.sa_mask", unsafe.Offsetof(sa.Mask), 24},
		{"stack_t.ss_flags", unsafe.Offsetof(ss.Flags), 8},
		{"stack_t.ss_size", unsafe.Offsetof(ss.Size), 16},
		{"epoll_event.data", unsafe.Offsetof(ev.Fd), 4},
		{"clone_args.tls", unsafe.Offsetof(ca.TLS), CloneArgsSizeVer0 - 8},
		{"clone_args.set_tid_size", unsafe.Offsetof(ca.SetTIDSize), CloneArgsSizeVer1 - 8},
		{"clone_args.cgroup", unsafe.Offsetof(ca.Cgroup), CloneArgsSizeVer2 - 8},
		{"mmsghdr.msg_len", unsafe.Offsetof(mm.Len), SizeofMsghdr},
		{"signalfd_siginfo.ssi_int", unsafe.Offsetof(sfd.Int), 44},
		{"signalfd_siginfo.ssi_addr", unsafe.Offsetof(sfd.Addr), 72},
		{"sysinfo.procs", unsafe.Offsetof(sys.Procs), 80},
		{"sysinfo.mem_unit", unsafe.Offsetof(sys.Unit), 104},
		{"flock.l_start", unsafe.Offsetof(lock.Start), 8},
		{"flock.l_pid", unsafe.Offsetof(lock.Pid), 24},
		{"msghdr.msg_controllen", unsafe.Offsetof(msg.Controllen), 40},
		{"msghdr.msg_flags", unsafe.Offsetof(msg.Flags), 48},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s at offset %d, the kernel's at %d", c.name, c.got, c.want)
		}
	}
}

func TestDecodeExtensible(t *testing.T) {
	full := make([]byte, 40)
	full[0], full[16] = 1, 3
	var how unix.OpenHow
	if err := DecodeExtensible(full, &how); err != nil || how.Flags != 1 || how.Resolve != 3 {
		t.Fatalf("longer with zero tail: %+v, %v", how, err)
	}
	full[39] = 1
	if err := DecodeExtensible(full, &how); !errors.Is(err, unix.E2BIG) {
		t.Fatalf("non-zero tail: %v, want E2BIG", err)
	}
	how = unix.OpenHow{Flags: 9, Mode: 9, Resolve: 9}
	if err := DecodeExtensible(full[:8], &how); err != nil || how != (unix.OpenHow{Flags: 1}) {
		t.Fatalf("shorter: %+v, %v; want the missing fields zero", how, err)
	}
}
