package integration

import (
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestABIStructs runs tests/c/abi_structs.c: every struct a syscall copies
// out (stat, statx, statfs, sigaction, siginfo, signalfd_siginfo, stack_t,
// rlimit, rusage, tms, timespec/timeval/itimerval/itimerspec, sysinfo,
// utsname, sockaddrs, msghdr and cmsgs, epoll_event, pollfd, fd_set,
// flock, linux_dirent64, cpu masks) is written with the kernel's extent
// and layout, seen through guard bytes around it, and the size arguments
// (sigsetsize, clone3 and openat2 sizes, socket address lengths) follow
// the kernel's rules.
func TestABIStructs(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "abi_structs.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "abi")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("abi-" + v.Name)}, nil, nil)
			compareRuns(t, native, loaded)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}
